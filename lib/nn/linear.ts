import { tf } from "../tf.ts";
import { Layer } from "./module.ts";
import { pytorchDefaultBound, uniformTensor } from "./init.ts";
import type { Rng } from "../random/rng.ts";
import { defaultRng } from "../random/default_rng.ts";

/**
 * y = x·W + b with W: [in, out] (the transpose of PyTorch's storage, same distribution). Initial
 * weights come from `rng`, by default the seeded default generator (`setSeed`).
 */
export class Linear extends Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    rng: Rng = defaultRng(),
    opts: { bias?: boolean } = {},
  ) {
    super();
    const bound = pytorchDefaultBound(inFeatures);
    this.weight = this.addParameter("weight", uniformTensor([inFeatures, outFeatures], bound, rng));
    this.bias = opts.bias === false ? null : this.addParameter("bias", uniformTensor([outFeatures], bound, rng));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const y = tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  override toString(): string {
    return `Linear(${this.inFeatures}→${this.outFeatures})`;
  }
}
