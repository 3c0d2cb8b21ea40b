import { tf } from "../tf.ts";
import { Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * SGD with optional momentum and L2 weight decay, as torch.optim.SGD:
 *   g ← g + λ·p;  b ← μ·b + g;  p ← p − lr·b   (b = g when μ = 0).
 */
export class SGD extends Optimizer {
  readonly #buf: tf.Variable[] | null;

  constructor(params: tf.Variable[], lr: number, readonly opts: { momentum?: number; weightDecay?: number } = {}) {
    super(params, lr);
    this.#buf = (opts.momentum ?? 0) > 0 ? this.slots("momentum") : null;
  }

  protected update(grads: tf.Tensor[]): void {
    const mu = this.opts.momentum ?? 0, wd = this.opts.weightDecay ?? 0;
    this.params.forEach((p, i) => {
      let g = wd ? tf.add(grads[i], tf.mul(p, wd)) : grads[i];
      if (this.#buf) {
        this.#buf[i].assign(tf.add(tf.mul(this.#buf[i], mu), g));
        g = this.#buf[i];
      }
      p.assign(tf.sub(p, tf.mul(g, this.lr)));
    });
  }

  state(): OptimizerState {
    return { scalars: {}, tensors: (this.#buf ?? []).map((b, i) => [`momentum.${i}`, b]) };
  }
}
