import { tf } from "../tf.ts";
import { type FusedUpdate, Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * SGD with optional momentum and L2 weight decay, as torch.optim.SGD:
 *   g ← g + λ·p;  b ← μ·b + g;  p ← p − lr·b   (b = g when μ = 0).
 */
export class SGD extends Optimizer {
  readonly #buf: tf.Variable<tf.Rank.R1> | null;

  constructor(params: tf.Variable[], lr: number, readonly opts: { momentum?: number; weightDecay?: number } = {}) {
    super(params, lr);
    this.#buf = (opts.momentum ?? 0) > 0 ? this.slot("momentum") : null;
  }

  protected override fused(): FusedUpdate {
    const mu = this.opts.momentum ?? 0, wd = this.opts.weightDecay ?? 0;
    return this.#buf
      ? { rule: "sgd_momentum", slots: [this.#buf], scalars: [this.lr, mu, wd] }
      : { rule: "sgd", slots: [], scalars: [this.lr, wd] };
  }

  protected update(p: tf.Tensor1D, grad: tf.Tensor1D): tf.Tensor1D {
    const mu = this.opts.momentum ?? 0, wd = this.opts.weightDecay ?? 0;
    let g: tf.Tensor1D = wd ? tf.add(grad, tf.mul(p, wd)) : grad;
    if (this.#buf) {
      this.#buf.assign(tf.add(tf.mul(this.#buf, mu), g));
      g = this.#buf;
    }
    return tf.sub(p, tf.mul(g, this.lr));
  }

  state(): OptimizerState {
    return { scalars: {}, tensors: this.#buf ? [["momentum", this.#buf]] : [] };
  }
}
