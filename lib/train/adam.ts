import { tf } from "../tf.ts";
import { type FusedUpdate, Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with PyTorch's placement of ε:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * Optional L2 weight decay adds λ·p to g (torch.optim.Adam's weight_decay).
 */
export class Adam extends Optimizer {
  t = 0;
  readonly #m: tf.Variable<tf.Rank.R1>;
  readonly #v: tf.Variable<tf.Rank.R1>;

  constructor(
    params: tf.Variable[],
    lr = 1e-3,
    readonly opts: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number } = {},
  ) {
    super(params, lr);
    this.#m = this.slot("m");
    this.#v = this.slot("v");
  }

  /** β₁, β₂, ε, λ and this step's scalars; counts the step. */
  #next() {
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.eps ?? 1e-8;
    const wd = this.opts.weightDecay ?? 0;
    this.t += 1;
    return { b1, b2, eps, wd, stepSize: this.lr / (1 - b1 ** this.t), vScale: 1 / (1 - b2 ** this.t) };
  }

  protected override fused(): FusedUpdate {
    const { b1, b2, eps, wd, stepSize, vScale } = this.#next();
    return { rule: "adam", slots: [this.#m, this.#v], scalars: [b1, 1 - b1, b2, 1 - b2, vScale, eps, stepSize, wd] };
  }

  protected update(p: tf.Tensor1D, grad: tf.Tensor1D): tf.Tensor1D {
    const { b1, b2, eps, wd, stepSize, vScale } = this.#next();
    const g = wd ? tf.add(grad, tf.mul(p, wd)) : grad;
    this.#m.assign(tf.add(tf.mul(this.#m, b1), tf.mul(g, 1 - b1)));
    this.#v.assign(tf.add(tf.mul(this.#v, b2), tf.mul(tf.square(g), 1 - b2)));
    return tf.sub(p, tf.mul(tf.div(this.#m, tf.add(tf.sqrt(tf.mul(this.#v, vScale)), eps)), stepSize));
  }

  state(): OptimizerState {
    return { scalars: { t: this.t }, tensors: [["m", this.#m], ["v", this.#v]] };
  }
}
