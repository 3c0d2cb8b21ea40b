/**
 * A copy of a model's weights to go back to (early stopping's "restore best"): on the device for a
 * lib/nn module (a clone per parameter and buffer, no host read), else the training step's own
 * checkpoint state (the native engine, hand-written layers).
 */
import { tf } from "../../tf.ts";
import type { SavedState } from "../checkpoint.ts";
import type { FitContext } from "./callback.ts";

export class WeightSnapshot {
  #tensors: tf.Tensor[] | null = null;
  #state: SavedState | null = null;

  /** Whether this context can be snapshotted at all (checked before training, for a clear error). */
  static possible(ctx: FitContext): boolean {
    return ctx.module !== undefined || (ctx.step.state !== undefined && ctx.step.restore !== undefined);
  }

  get empty(): boolean {
    return this.#tensors === null && this.#state === null;
  }

  async take(ctx: FitContext): Promise<void> {
    this.dispose();
    if (ctx.module) {
      this.#tensors = ctx.module.namedState().map(([, v]) => tf.keep(v.clone()));
    } else {
      const state = await ctx.step.state!();
      this.#state = { tensors: new Map(state.tensors), scalars: state.scalars };
    }
  }

  restore(ctx: FitContext): void {
    if (this.#tensors && ctx.module) {
      const state = ctx.module.namedState();
      state.forEach(([, v], i) => v.assign(this.#tensors![i]));
    } else if (this.#state) {
      ctx.step.restore!(this.#state, "the best epoch's snapshot");
    }
  }

  dispose(): void {
    if (this.#tensors) tf.dispose(this.#tensors);
    this.#tensors = null;
    this.#state = null;
  }
}
