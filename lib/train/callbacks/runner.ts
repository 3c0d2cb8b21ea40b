/** How `fit` calls its callbacks: one context for all of them, the hooks in the order given. */
import type { Module } from "../../nn/module.ts";
import type { HistoryRow, TrainStep } from "../loop.ts";
import type { Callback, FitContext } from "./callback.ts";

export class CallbackRunner {
  readonly #callbacks: Callback[];
  readonly #ctx: FitContext;
  #steps: number;
  /** The first reason a callback gave for stopping, or null. */
  stopReason: string | null = null;

  constructor(
    callbacks: Callback[] = [],
    // deno-lint-ignore no-explicit-any
    parts: { step: TrainStep<any>; module?: Module; history: HistoryRow[]; epochs: number; steps: number },
  ) {
    this.#callbacks = callbacks;
    this.#steps = parts.steps;
    const steps = () => this.#steps, stop = (reason: string) => void (this.stopReason ??= reason);
    this.#ctx = {
      history: parts.history,
      step: parts.step,
      module: parts.module,
      epochs: parts.epochs,
      get steps() {
        return steps();
      },
      stop,
    };
  }

  async trainBegin(): Promise<void> {
    for (const c of this.#callbacks) await c.onTrainBegin?.(this.#ctx);
  }

  async epochBegin(epoch: number): Promise<void> {
    for (const c of this.#callbacks) await c.onEpochBegin?.(epoch, this.#ctx);
  }

  /** Before a step, `steps` steps done. */
  batchBegin(steps: number): void {
    this.#steps = steps;
    for (const c of this.#callbacks) c.onBatchBegin?.(this.#ctx);
  }

  /** After a step; true when a callback asked to stop. */
  batchEnd(steps: number): boolean {
    this.#steps = steps;
    for (const c of this.#callbacks) c.onBatchEnd?.(this.#ctx);
    return this.stopReason !== null;
  }

  /** After an epoch's row joined the history; true when a callback asked to stop. */
  async epochEnd(row: HistoryRow): Promise<boolean> {
    for (const c of this.#callbacks) await c.onEpochEnd?.(row, this.#ctx);
    return this.stopReason !== null;
  }

  async trainEnd(): Promise<void> {
    for (const c of this.#callbacks) await c.onTrainEnd?.(this.#ctx);
  }
}
