/**
 * Optimisers update a fixed list of tf.Variables in place from gradients in the same order. Their
 * state (moments, step count) is exposed as named tensors plus numbers so checkpoints can save it
 * and a resumed run continues bit-exactly.
 */
import { tf } from "../tf.ts";

export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: [string, tf.Variable][];
}

export abstract class Optimizer {
  /** Learning rate per step; schedulers set it between epochs. */
  lr: number;

  constructor(readonly params: tf.Variable[], lr: number) {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
    this.lr = lr;
  }

  /** Applies one update; `grads[i]` is the gradient of params[i]. Disposes nothing it did not make. */
  step(grads: tf.Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new Error(`optimizer has ${this.params.length} parameters but got ${grads.length} gradients`);
    }
    tf.tidy(() => this.update(grads));
  }

  protected abstract update(grads: tf.Tensor[]): void;

  abstract state(): OptimizerState;

  /** Variables of the same shape as each parameter, zero-initialised (moments, accumulators). */
  protected slots(name: string, init = 0): tf.Variable[] {
    return this.params.map((p) =>
      tf.tidy(() => tf.variable(tf.fill(p.shape, init), false, `${name}_${p.name}_${crypto.randomUUID()}`))
    );
  }

  dispose(): void {
    for (const [, v] of this.state().tensors) v.dispose();
  }
}
