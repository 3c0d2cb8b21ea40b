/**
 * The quantity early stopping, checkpoint-best and reduce-on-plateau watch: a history key, whether
 * lower or higher is better, and Keras' improvement test with a minimum change δ:
 *   min mode: v < best − δ,   max mode: v > best + δ.
 */
import type { HistoryRow } from "../loop.ts";

/** History keys a callback can watch. */
export type MonitorKey =
  | "trainLoss"
  | "trainAccuracy"
  | "validationLoss"
  | "validationAccuracy"
  | "testLoss"
  | "testAccuracy";

/** Which history key a callback watches, whether lower or higher is better, and the minimum change. */
export interface MonitorOptions {
  /** Default "validationLoss". */
  monitor?: MonitorKey;
  /** "min" for losses, "max" for accuracies; default by the key's name. */
  mode?: "min" | "max";
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
}

export class Monitor {
  readonly key: MonitorKey;
  readonly mode: "min" | "max";
  readonly minDelta: number;
  best: number;
  /** The epoch (1-based, as in the rows) of the best value; 0 before any. */
  bestEpoch = 0;

  constructor(readonly who: string, opts: MonitorOptions = {}) {
    this.key = opts.monitor ?? "validationLoss";
    this.mode = opts.mode ?? (this.key.endsWith("Loss") ? "min" : "max");
    this.minDelta = Math.abs(opts.minDelta ?? 0);
    this.best = this.mode === "min" ? Infinity : -Infinity;
  }

  /** The row's value of the key; a clear error when fit does not produce it. */
  value(row: HistoryRow): number {
    const v = row[this.key];
    if (v === undefined) {
      throw new Error(
        `${this.who} watches ${this.key}, but fit's rows have none: give fit validation data ` +
          `(validationBatches / validationData / validationSplit) or pass monitor: "trainLoss"`,
      );
    }
    return v;
  }

  improves(v: number): boolean {
    return this.mode === "min" ? v < this.best - this.minDelta : v > this.best + this.minDelta;
  }

  /** Records `v` of epoch `epoch` as the best if it improves; returns whether it did. */
  update(v: number, epoch: number): boolean {
    if (!this.improves(v)) return false;
    this.best = v;
    this.bestEpoch = epoch;
    return true;
  }

  reset(): void {
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.bestEpoch = 0;
  }
}

/** The epoch number of a row (step-counted runs: its position in the history). */
export function epochOf(row: HistoryRow, history: readonly HistoryRow[]): number {
  return row.epoch ?? history.indexOf(row) + 1;
}
