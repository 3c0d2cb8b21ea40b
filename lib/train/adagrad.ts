import { tf } from "../tf.ts";
import { type FusedUpdate, Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * AdaGrad (Duchi, Hazan & Singer 2011), as torch.optim.Adagrad:
 *   s ← s + g²;  p ← p − lr · g / (√s + ε).
 */
export class AdaGrad extends Optimizer {
  readonly #sum: tf.Variable<tf.Rank.R1>;

  constructor(params: tf.Variable[], lr = 1e-2, readonly opts: { eps?: number; initialAccumulator?: number } = {}) {
    super(params, lr);
    this.#sum = this.slot("sum", opts.initialAccumulator ?? 0);
  }

  protected override fused(): FusedUpdate {
    return { rule: "adagrad", slots: [this.#sum], scalars: [this.lr, this.opts.eps ?? 1e-10] };
  }

  protected update(p: tf.Tensor1D, g: tf.Tensor1D): tf.Tensor1D {
    const eps = this.opts.eps ?? 1e-10;
    this.#sum.assign(tf.add(this.#sum, tf.square(g)));
    return tf.sub(p, tf.mul(tf.div(g, tf.add(tf.sqrt(this.#sum), eps)), this.lr));
  }

  state(): OptimizerState {
    return { scalars: {}, tensors: [["sum", this.#sum]] };
  }
}
