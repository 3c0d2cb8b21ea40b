import { tf } from "../tf.ts";
import { Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * AdaGrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad:
 *   s ← s + g²;  p ← p − lr · g / (√s + ε).
 */
export class AdaGrad extends Optimizer {
  readonly #sum: tf.Variable[];

  constructor(params: tf.Variable[], lr = 1e-2, readonly opts: { eps?: number; initialAccumulator?: number } = {}) {
    super(params, lr);
    this.#sum = this.slots("sum", opts.initialAccumulator ?? 0);
  }

  protected update(grads: tf.Tensor[]): void {
    const eps = this.opts.eps ?? 1e-10;
    this.params.forEach((p, i) => {
      const s = this.#sum[i];
      s.assign(tf.add(s, tf.square(grads[i])));
      p.assign(tf.sub(p, tf.mul(tf.div(grads[i], tf.add(tf.sqrt(s), eps)), this.lr)));
    });
  }

  state(): OptimizerState {
    return { scalars: {}, tensors: this.#sum.map((s, i) => [`sum.${i}`, s]) };
  }
}
