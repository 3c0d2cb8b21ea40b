/**
 * Keras' History: per-epoch logs under Keras' keys ("loss", "accuracy", "val_loss",
 * "val_accuracy"), and the progress line Keras prints at the end of an epoch
 * ("loss: 0.3120 - accuracy: 0.9100 - val_loss: …"). Keras' keys are its public API and stay in
 * these two places; the rows behind them keep the training loop's vocabulary (HistoryRow), which is
 * what results JSON holds.
 */
import type { HistoryRow } from "../train/loop.ts";

export const METRIC_KEYS = ["loss", "accuracy", "val_loss", "val_accuracy"] as const;
export type MetricKey = typeof METRIC_KEYS[number];

/** One epoch's metrics under Keras' keys (Keras' `logs` of on_epoch_end). */
export type EpochLogs = { loss: number } & Partial<Record<Exclude<MetricKey, "loss">, number>>;

/**
 * A loop row as a Keras model reports it: the accuracy keys only when the model was compiled with
 * the accuracy metric (a regression's accuracy would be a meaningless 0).
 */
export type FitRow = Omit<HistoryRow, "trainAccuracy" | "validationAccuracy" | "testAccuracy"> & {
  trainAccuracy?: number;
  validationAccuracy?: number;
  testAccuracy?: number;
};

/** Keras' History: per-epoch metrics under Keras' keys, and the loop's rows. */
export interface History {
  /** 0-based epoch indices, as Keras' `history.epoch`. */
  epoch: number[];
  /** One array per metric key, one value per epoch, as Keras' `history.history`. */
  history: Partial<Record<MetricKey, number[]>>;
  /** The same numbers as the loop's rows, one per epoch (the results JSON's `history`). */
  rows: FitRow[];
  /** Why training stopped early (a non-finite loss, or a callback such as EarlyStopping), or null. */
  stopped: string | null;
  /** Training time in seconds (default: the rows' sum). */
  seconds: number;
}

/** The loop's row, its accuracy keys kept only when the accuracy metric was asked for. */
export function fitRow(row: HistoryRow, withAccuracy: boolean): FitRow {
  if (withAccuracy) return row;
  const { trainAccuracy: _t, validationAccuracy: _v, testAccuracy: _s, ...rest } = row;
  return rest;
}

/** Keras' logs of a row: training metrics as "loss"/"accuracy", validation ones as "val_…". */
export function epochLogs(row: FitRow): EpochLogs {
  const logs: EpochLogs = { loss: row.trainLoss };
  if (row.trainAccuracy !== undefined) logs.accuracy = row.trainAccuracy;
  if (row.validationLoss !== undefined) logs.val_loss = row.validationLoss;
  if (row.validationAccuracy !== undefined) logs.val_accuracy = row.validationAccuracy;
  return logs;
}

/** Keras' History of the loop's rows (accuracy only when `withAccuracy`). */
export function makeHistory(
  rows: HistoryRow[],
  withAccuracy: boolean,
  stopped: string | null,
  seconds = rows.reduce((sum, r) => sum + r.seconds, 0),
): History {
  const fitRows = rows.map((row) => fitRow(row, withAccuracy));
  const logs = fitRows.map(epochLogs);
  const history: Partial<Record<MetricKey, number[]>> = {};
  for (const key of METRIC_KEYS) {
    if (logs.length > 0 && logs.every((l) => l[key] !== undefined)) history[key] = logs.map((l) => l[key]!);
  }
  return { epoch: rows.map((r, i) => (r.epoch ?? i + 1) - 1), history, rows: fitRows, stopped, seconds };
}

/** "loss: 0.3120 - accuracy: 0.9100 - val_loss: 0.3300 - val_accuracy: 0.9050" */
export function formatLogs(logs: EpochLogs): string {
  return METRIC_KEYS.filter((k) => logs[k] !== undefined).map((k) => `${k}: ${logs[k]!.toFixed(4)}`).join(" - ");
}
