/**
 * Keras' History: per-epoch logs under Keras' keys ("loss", "accuracy", "val_loss",
 * "val_accuracy"), and the progress line Keras prints at the end of an epoch
 * ("loss: 0.3120 - accuracy: 0.9100 - val_loss: …").
 */
import type { EpochRow } from "../train/loop.ts";

/** One epoch's metrics under Keras' keys, plus the 1-based epoch and its wall time. */
export interface EpochLogs {
  epoch: number;
  seconds: number;
  loss: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
}

export const METRIC_KEYS = ["loss", "accuracy", "val_loss", "val_accuracy"] as const;
export type MetricKey = typeof METRIC_KEYS[number];

export interface History {
  /** 0-based epoch indices, as Keras' `history.epoch`. */
  epoch: number[];
  /** One array per metric key, one value per epoch, as Keras' `history.history`. */
  history: Partial<Record<MetricKey, number[]>>;
  /** The same numbers as one row per epoch (the results JSON's `history`). */
  rows: EpochLogs[];
  /** Why training stopped early (a non-finite loss), or null. */
  stopped: string | null;
}

/** Keras' logs from the training loop's row; accuracy only when the metric was asked for. */
export function epochLogs(row: EpochRow, withAccuracy: boolean): EpochLogs {
  const logs: EpochLogs = { epoch: row.epoch, seconds: row.seconds, loss: row.trainLoss };
  if (withAccuracy) logs.accuracy = row.trainAccuracy;
  if (row.testLoss !== undefined) logs.val_loss = row.testLoss;
  if (withAccuracy && row.testAccuracy !== undefined) logs.val_accuracy = row.testAccuracy;
  return logs;
}

export function makeHistory(rows: EpochLogs[], stopped: string | null): History {
  const history: Partial<Record<MetricKey, number[]>> = {};
  for (const key of METRIC_KEYS) {
    if (rows.length > 0 && rows.every((r) => r[key] !== undefined)) history[key] = rows.map((r) => r[key]!);
  }
  return { epoch: rows.map((r) => r.epoch - 1), history, rows, stopped };
}

/** "loss: 0.3120 - accuracy: 0.9100 - val_loss: 0.3300 - val_accuracy: 0.9050" */
export function formatLogs(logs: EpochLogs): string {
  return METRIC_KEYS.filter((k) => logs[k] !== undefined).map((k) => `${k}: ${logs[k]!.toFixed(4)}`).join(" - ");
}
