/**
 * A per-step learning-rate schedule as a callback: before every optimisation step, lr ← schedule(s)
 * with s the number of steps done (0-based), across epochs. Schedules are in lib/train/schedules.ts.
 * `fit`'s own `schedule` option is per epoch; use one or the other.
 */
import type { Callback, FitContext } from "./callback.ts";

/** Sets the learning rate before every step from a per-step schedule (lib/train/schedules.ts). */
export class LearningRateScheduler implements Callback {
  constructor(readonly schedule: (step: number) => number) {}

  onBatchBegin(ctx: FitContext): void {
    ctx.step.lr = this.schedule(ctx.steps);
  }
}
