/**
 * Optimisers update a fixed list of tf.Variables in place from gradients in the same order.
 *
 * All parameters are updated as ONE flat vector: gradients and parameters are concatenated, the
 * update rule runs once over the whole vector, and the result is split back into the variables.
 * Every rule here is element-wise, so the numbers are exactly those of per-tensor updates, but a
 * step costs a handful of kernels instead of ~10 per parameter tensor — at batch size 1 the
 * per-kernel overhead, not arithmetic, dominates a step. Optimiser state (moments, accumulators) is
 * kept flat too and exposed as named tensors plus numbers, so checkpoints resume bit-exactly.
 */
import { tf } from "../tf.ts";
import { hasFlatUpdate, runFlatUpdate, type UpdateRule } from "../tf/wasm_flat_update.ts";

/** An update as one kernel of lib/tf/wasm_flat_update.ts: its rule, the flat slots it rewrites, its scalars. */
export interface FusedUpdate {
  rule: UpdateRule;
  slots: tf.Variable<tf.Rank.R1>[];
  scalars: number[];
}

export interface OptimizerState {
  scalars: Record<string, number>;
  tensors: [string, tf.Variable][];
}

/** Base of the optimisers: a flat parameter vector, its update, its state for checkpoints. */
export abstract class Optimizer {
  /** Learning rate per step; schedulers set it between epochs. */
  lr: number;
  readonly size: number;

  constructor(readonly params: tf.Variable[], lr: number) {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
    this.lr = lr;
    this.size = params.reduce((n, p) => n + p.size, 0);
  }

  /** Applies one update; `grads[i]` is the gradient of params[i]. Disposes nothing it did not make. */
  step(grads: tf.Tensor[]): void {
    if (grads.length !== this.params.length) {
      throw new Error(`optimizer has ${this.params.length} parameters but got ${grads.length} gradients`);
    }
    tf.tidy(() => {
      const fused = hasFlatUpdate() && grads.every((g) => g.dtype === "float32") ? this.fused() : null;
      if (fused) {
        const next = runFlatUpdate(fused.rule, fused.slots, this.params, grads, fused.scalars);
        fused.slots.forEach((s, i) => s.assign(next.slots[i] as tf.Tensor1D));
        this.params.forEach((p, i) => p.assign(next.params[i]));
        return;
      }
      const flat = (ts: tf.Tensor[]): tf.Tensor1D =>
        ts.length === 1 ? tf.reshape(ts[0], [-1]) : tf.concat(ts.map((t) => tf.reshape(t, [-1]) as tf.Tensor1D));
      const updated = this.update(flat(this.params), flat(grads));
      const parts = this.params.length === 1 ? [updated] : tf.split(updated, this.params.map((p) => p.size));
      this.params.forEach((p, i) => p.assign(tf.reshape(parts[i], p.shape)));
    });
  }

  /**
   * The same update as one kernel reading each parameter where it is (on wasm), called only when
   * that kernel runs (so it may count the step); null: no such kernel. `update` is the definition;
   * the kernel repeats its numbers exactly.
   */
  protected fused(): FusedUpdate | null {
    return null;
  }

  /** The rule: new flat parameters from the flat parameters and gradient; updates its own state. */
  protected abstract update(params: tf.Tensor1D, grads: tf.Tensor1D): tf.Tensor1D;

  abstract state(): OptimizerState;

  /** A flat state vector (moments, accumulators) as long as all parameters, filled with `init`. */
  protected slot(name: string, init = 0): tf.Variable<tf.Rank.R1> {
    return tf.tidy(() => tf.variable(tf.fill([this.size], init), false, `${name}_${crypto.randomUUID()}`));
  }

  dispose(): void {
    for (const [, v] of this.state().tensors) v.dispose();
  }
}
