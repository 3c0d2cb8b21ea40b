/**
 * Early stopping (Keras' EarlyStopping; Prechelt 1998, "Early stopping — but when?"): stop once the
 * monitored quantity has not improved by more than `minDelta` for `patience` epochs in a row; with
 * `restoreBest`, training ends with the weights of the best epoch (whether it stopped early or ran
 * all its epochs).
 */
import type { HistoryRow } from "../loop.ts";
import type { Callback, FitContext } from "./callback.ts";
import { epochOf, Monitor, type MonitorOptions } from "./monitor.ts";
import { WeightSnapshot } from "./snapshot.ts";

/** Options of EarlyStopping: the monitor, patience and whether to restore the best weights. */
export interface EarlyStoppingOptions extends MonitorOptions {
  /** Epochs without improvement after which training stops (default 0, as Keras: the first such epoch). */
  patience?: number;
  /** End with the best epoch's weights (default false). */
  restoreBest?: boolean;
}

/** Stops training when the monitored quantity stops improving; optionally ends with the best weights. */
export class EarlyStopping implements Callback {
  readonly monitor: Monitor;
  readonly patience: number;
  readonly restoreBest: boolean;
  /** Epochs since the last improvement. */
  wait = 0;
  /** The epoch training stopped after, or 0. */
  stoppedEpoch = 0;
  readonly #snapshot = new WeightSnapshot();

  constructor(opts: EarlyStoppingOptions = {}) {
    this.monitor = new Monitor("EarlyStopping", opts);
    this.patience = opts.patience ?? 0;
    this.restoreBest = opts.restoreBest ?? false;
  }

  onTrainBegin(ctx: FitContext): void {
    if (this.restoreBest && !WeightSnapshot.possible(ctx)) {
      throw new Error(
        "EarlyStopping({ restoreBest }) needs the model: pass fit `module` (or a step with state/restore)",
      );
    }
    this.monitor.reset();
    this.wait = 0;
    this.stoppedEpoch = 0;
  }

  async onEpochEnd(row: HistoryRow, ctx: FitContext): Promise<void> {
    const epoch = epochOf(row, ctx.history);
    if (this.monitor.update(this.monitor.value(row), epoch)) {
      this.wait = 0;
      if (this.restoreBest) await this.#snapshot.take(ctx);
      return;
    }
    this.wait += 1;
    if (this.wait >= this.patience) {
      this.stoppedEpoch = epoch;
      const { key, best, bestEpoch } = this.monitor;
      ctx.stop(
        `early stopping: ${key} did not improve for ${this.wait} epochs (best ${
          best.toPrecision(4)
        } in epoch ${bestEpoch})`,
      );
    }
  }

  onTrainEnd(ctx: FitContext): void {
    if (this.restoreBest && !this.#snapshot.empty) this.#snapshot.restore(ctx);
    this.#snapshot.dispose();
  }
}
