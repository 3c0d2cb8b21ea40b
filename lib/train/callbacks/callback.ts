/**
 * Callbacks: code `fit` runs around training (Keras' callbacks, in the loop's vocabulary). Hooks see
 * a `FitContext`: the history so far, the training step (whose `lr` they may set), the model when
 * fit was given one, and `stop(reason)`, which ends training after the current batch or epoch and
 * leaves the reason in FitResult.stopped. Epoch hooks may be async; batch hooks run between steps
 * and are synchronous, so a per-step hook costs no device sync.
 */
import type { Module } from "../../nn/module.ts";
import type { HistoryRow, TrainStep } from "../loop.ts";

/** What a hook may read and change while `fit` runs. */
export interface FitContext {
  /** Rows of the epochs done (a resumed run's included). */
  readonly history: readonly HistoryRow[];
  /** The training step: its `lr` is the learning rate of the coming steps. */
  // deno-lint-ignore no-explicit-any
  readonly step: TrainStep<any>;
  /** The model fit trains, when given (`FitOptions.module`): what weight snapshots and saves read. */
  readonly module?: Module;
  /** Optimisation steps done so far. */
  readonly steps: number;
  /** Epochs fit was asked for. */
  readonly epochs: number;
  /** Ends training after the current batch or epoch; `reason` becomes FitResult.stopped. */
  stop(reason: string): void;
}

/** Hooks `fit` calls; implement any of them. */
export interface Callback {
  onTrainBegin?(ctx: FitContext): Promise<void> | void;
  /** Before epoch `epoch` (0-based), after the epoch schedule set its learning rate. */
  onEpochBegin?(epoch: number, ctx: FitContext): Promise<void> | void;
  /** Before each optimisation step (`ctx.steps` steps done). */
  onBatchBegin?(ctx: FitContext): void;
  /** After each optimisation step. */
  onBatchEnd?(ctx: FitContext): void;
  /** After an epoch's row (with its validation and test metrics) joined the history. */
  onEpochEnd?(row: HistoryRow, ctx: FitContext): Promise<void> | void;
  /** When training ends: finished, stopped by a callback, or stopped by a non-finite loss. */
  onTrainEnd?(ctx: FitContext): Promise<void> | void;
}
