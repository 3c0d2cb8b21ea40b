/**
 * Keras' CSVLogger: the history as CSV, one row per epoch in the loop's vocabulary (epoch or step,
 * lr, trainLoss, …, seconds), rewritten atomically after every epoch, so the file is always whole.
 */
import { writeFileAtomic } from "../../report/atomic.ts";
import { type CsvRow, toCsv } from "../../report/csv.ts";
import type { HistoryRow } from "../loop.ts";
import type { Callback, FitContext } from "./callback.ts";

/** Column order: the vocabulary's order. */
const COLUMNS: (keyof HistoryRow)[] = [
  "epoch",
  "step",
  "lr",
  "trainLoss",
  "trainAccuracy",
  "validationLoss",
  "validationAccuracy",
  "testLoss",
  "testAccuracy",
  "seconds",
];

/** The rows as CSV text with the columns any row has. */
export function historyCsv(rows: readonly HistoryRow[]): string {
  const columns = COLUMNS.filter((c) => rows.some((r) => r[c] !== undefined));
  return toCsv(rows as unknown as CsvRow[], columns);
}

/** Writes the history as CSV after every epoch. */
export class CsvLogger implements Callback {
  constructor(readonly path: string) {}

  async onEpochEnd(_row: HistoryRow, ctx: FitContext): Promise<void> {
    await writeFileAtomic(this.path, historyCsv(ctx.history));
  }
}
