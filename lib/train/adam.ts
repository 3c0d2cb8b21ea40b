import { tf } from "../tf.ts";
import { Optimizer, type OptimizerState } from "./optimizer.ts";

/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with PyTorch's placement of ε:
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − lr · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
 * Optional L2 weight decay adds λ·p to g (torch.optim.Adam's weight_decay).
 */
export class Adam extends Optimizer {
  t = 0;
  readonly #m: tf.Variable[];
  readonly #v: tf.Variable[];

  constructor(
    params: tf.Variable[],
    lr = 1e-3,
    readonly opts: { beta1?: number; beta2?: number; eps?: number; weightDecay?: number } = {},
  ) {
    super(params, lr);
    this.#m = this.slots("m");
    this.#v = this.slots("v");
  }

  protected update(grads: tf.Tensor[]): void {
    const b1 = this.opts.beta1 ?? 0.9, b2 = this.opts.beta2 ?? 0.999, eps = this.opts.eps ?? 1e-8;
    const wd = this.opts.weightDecay ?? 0;
    this.t += 1;
    const stepSize = this.lr / (1 - b1 ** this.t), vScale = 1 / (1 - b2 ** this.t);
    this.params.forEach((p, i) => {
      const g = wd ? tf.add(grads[i], tf.mul(p, wd)) : grads[i];
      const m = this.#m[i], v = this.#v[i];
      m.assign(tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1)));
      v.assign(tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2)));
      p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(tf.mul(v, vScale)), eps)), stepSize)));
    });
  }

  state(): OptimizerState {
    return {
      scalars: { t: this.t },
      tensors: [
        ...this.#m.map((m, i) => [`m.${i}`, m] as [string, tf.Variable]),
        ...this.#v.map((v, i) => [`v.${i}`, v] as [string, tf.Variable]),
      ],
    };
  }
}
