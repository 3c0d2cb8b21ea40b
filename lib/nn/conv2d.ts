import { tf } from "../tf.ts";
import { Layer } from "./module.ts";
import { pytorchDefaultBound, uniformTensor } from "./init.ts";
import type { Rng } from "../random/rng.ts";
import { defaultRng } from "../random/default_rng.ts";

/** Symmetric zero padding in pixels, or tfjs' "same"/"valid". */
export type Padding = number | "same" | "valid";

export function tfPadding(p: Padding): "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]] {
  return typeof p === "number" ? (p === 0 ? "valid" : [[0, 0], [p, p], [p, p], [0, 0]]) : p;
}

/** 2-D convolution on NHWC tensors; filter [kh, kw, in, out]; `rng` defaults to the default generator (`setSeed`). */
export class Conv2d extends Layer {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernelSize: [number, number];

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | [number, number],
    rng: Rng = defaultRng(),
    readonly opts: { stride?: number; padding?: Padding; bias?: boolean } = {},
  ) {
    super();
    this.kernelSize = typeof kernelSize === "number" ? [kernelSize, kernelSize] : kernelSize;
    const [kh, kw] = this.kernelSize;
    const bound = pytorchDefaultBound(inChannels * kh * kw);
    this.weight = this.addParameter("weight", uniformTensor([kh, kw, inChannels, outChannels], bound, rng));
    this.bias = opts.bias === false ? null : this.addParameter("bias", uniformTensor([outChannels], bound, rng));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const y = tf.conv2d(
      x as tf.Tensor4D,
      this.weight as tf.Tensor4D,
      this.opts.stride ?? 1,
      tfPadding(this.opts.padding ?? 0),
    );
    return this.bias ? tf.add(y, this.bias) : y;
  }

  override toString(): string {
    const [kh, kw] = this.kernelSize;
    return `Conv2d(${this.inChannels}→${this.outChannels}, ${kh}×${kw}, stride ${this.opts.stride ?? 1}, pad ${
      this.opts.padding ?? 0
    })`;
  }
}
