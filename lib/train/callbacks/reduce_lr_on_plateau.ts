/**
 * Keras' ReduceLROnPlateau: when the monitored quantity has not improved by more than `minDelta`
 * for `patience` epochs, lr ← max(lr·factor, minLr); then `cooldown` epochs pass before the count
 * of epochs without improvement starts again.
 */
import type { HistoryRow } from "../loop.ts";
import type { Callback, FitContext } from "./callback.ts";
import { epochOf, Monitor, type MonitorOptions } from "./monitor.ts";

/** Options of ReduceLROnPlateau: the monitor, factor, patience, cooldown and minimum rate. */
export interface ReduceLROnPlateauOptions extends MonitorOptions {
  /** Multiplies the learning rate (default 0.1). */
  factor?: number;
  /** Epochs without improvement before a reduction (default 10). */
  patience?: number;
  /** Epochs after a reduction before counting again (default 0). */
  cooldown?: number;
  /** The learning rate never goes below this (default 0). */
  minLr?: number;
}

/** Multiplies the learning rate by `factor` when the monitored quantity stops improving. */
export class ReduceLROnPlateau implements Callback {
  readonly monitor: Monitor;
  readonly factor: number;
  readonly patience: number;
  readonly cooldown: number;
  readonly minLr: number;
  wait = 0;
  cooldownLeft = 0;
  /** [epoch, new learning rate] of every reduction. */
  readonly reductions: [number, number][] = [];

  constructor(opts: ReduceLROnPlateauOptions = {}) {
    this.monitor = new Monitor("ReduceLROnPlateau", opts);
    this.factor = opts.factor ?? 0.1;
    if (!(this.factor > 0 && this.factor < 1)) {
      throw new Error(`ReduceLROnPlateau factor must be in (0, 1), got ${this.factor}`);
    }
    this.patience = opts.patience ?? 10;
    this.cooldown = opts.cooldown ?? 0;
    this.minLr = opts.minLr ?? 0;
  }

  onTrainBegin(): void {
    this.monitor.reset();
    this.wait = 0;
    this.cooldownLeft = 0;
  }

  onEpochEnd(row: HistoryRow, ctx: FitContext): void {
    const epoch = epochOf(row, ctx.history);
    if (this.cooldownLeft > 0) {
      this.cooldownLeft -= 1;
      this.wait = 0;
    }
    if (this.monitor.update(this.monitor.value(row), epoch)) {
      this.wait = 0;
      return;
    }
    if (this.cooldownLeft > 0) return; // as Keras: the epoch that ends a cooldown already counts
    this.wait += 1;
    if (this.wait < this.patience || ctx.step.lr <= this.minLr) return;
    ctx.step.lr = Math.max(ctx.step.lr * this.factor, this.minLr);
    this.reductions.push([epoch, ctx.step.lr]);
    this.cooldownLeft = this.cooldown;
    this.wait = 0;
  }
}
