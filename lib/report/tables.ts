/**
 * The tidy tables written beside every experiment's JSON, built from the run results alone:
 *
 *   runs.csv     one row per run: run, seconds, backend, every config field, every scalar final metric
 *   history.csv  long form, one row per measurement: run, epoch or step, split, metric, value
 *   summary.csv  one row per configuration of a grid or study: configuration, n, mean, std
 *
 * Nested objects become dotted columns (`optimizer.name`); arrays and the per-run history stay in
 * the JSON. History keys of the shared vocabulary split into split + metric: `validationLoss` →
 * (validation, loss); keys outside it (`lr`, `seconds`, `guardPgdAccuracy`) keep their name as
 * the metric with an empty split. Text fields of a history row (a sweep's `variant`) become columns.
 */
import { type CsvRow, type CsvValue, toCsv } from "./csv.ts";
import { writeFileAtomic } from "./atomic.ts";
import type { RunResult } from "./results.ts";

type AnyResult = RunResult<unknown, unknown, unknown>;

const SPLITS = ["train", "validation", "test"] as const;

/** One row per run: its identity, then `config.*`, then scalar `final.*` fields. */
export function runsTable(results: AnyResult[]): CsvRow[] {
  return results.map((r) => ({
    run: r.run,
    seconds: r.seconds,
    backend: r.environment?.backend ?? null,
    ...prefixed("config.", flatten(r.config)),
    ...prefixed("final.", flatten(r.final)),
  }));
}

/** Long form: one row per (run, epoch or step, split, metric). */
export function historyTable(results: AnyResult[]): CsvRow[] {
  const rows: CsvRow[] = [];
  for (const r of results) {
    for (const entry of r.history as Record<string, unknown>[]) {
      const at: CsvRow = { run: r.run, epoch: numberOrNull(entry.epoch), step: numberOrNull(entry.step) };
      const labels = Object.fromEntries(Object.entries(entry).filter(([, v]) => typeof v === "string")) as CsvRow;
      for (const [key, value] of Object.entries(entry)) {
        if (key === "epoch" || key === "step" || typeof value !== "number") continue;
        rows.push({ ...at, ...labels, ...splitMetric(key), value });
      }
    }
  }
  return dropEmptyColumns(rows, ["epoch", "step"]);
}

export interface SummaryRow {
  configuration: string;
  n: number;
  mean: number;
  /** Empty (null) for n = 1: one value has no spread. */
  std: number | null;
}

/** "validationAccuracy" → { split: "validation", metric: "accuracy" }; "lr" → { split: "", metric: "lr" }. */
export function splitMetric(key: string): { split: string; metric: string } {
  for (const split of SPLITS) {
    if (key.startsWith(split) && /^[A-Z]/.test(key.slice(split.length))) {
      const rest = key.slice(split.length);
      return { split, metric: rest[0].toLowerCase() + rest.slice(1) };
    }
  }
  return { split: "", metric: key };
}

/** Writes runs.csv and history.csv (with `prefix`, e.g. "grid-") into `outDir`; returns their paths. */
export async function writeRunTables(outDir: string, results: AnyResult[], prefix = ""): Promise<string[]> {
  const paths = [`${outDir}/${prefix}runs.csv`, `${outDir}/${prefix}history.csv`];
  await writeFileAtomic(paths[0], toCsv(runsTable(results)));
  await writeFileAtomic(paths[1], toCsv(historyTable(results)));
  return paths;
}

/** Writes `<prefix>summary.csv`: configuration, n, mean, std (and any extra columns given). */
export async function writeSummaryTable(
  outDir: string,
  rows: (SummaryRow & CsvRow)[],
  prefix = "",
): Promise<string> {
  const path = `${outDir}/${prefix}summary.csv`;
  await writeFileAtomic(path, toCsv(rows));
  return path;
}

/** Scalars of a nested object under dotted keys; arrays are left to the JSON. */
export function flatten(value: unknown, prefix = ""): Record<string, CsvValue> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return {};
  const out: Record<string, CsvValue> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object") {
      if (!Array.isArray(v)) Object.assign(out, flatten(v, `${prefix}${key}.`));
    } else if (v === null || ["string", "number", "boolean"].includes(typeof v)) {
      out[`${prefix}${key}`] = v as CsvValue;
    }
  }
  return out;
}

function prefixed(prefix: string, fields: Record<string, CsvValue>): Record<string, CsvValue> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [prefix + k, v]));
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

/** Drops the listed columns where no row has a value (a step-counted run has no epochs). */
function dropEmptyColumns(rows: CsvRow[], candidates: string[]): CsvRow[] {
  const empty = candidates.filter((c) => rows.every((row) => row[c] === null || row[c] === undefined));
  if (empty.length === 0) return rows;
  return rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !empty.includes(k))));
}
