/**
 * Summaries of a set of runs: one row per configuration (all rounds), with the mean ± std of the
 * final test accuracy, computed from the per-run JSON files alone, so a single process, shards
 * run on several machines and `deno task report` all give the same table.
 */
import type { RunResult } from "../../lib/report/results.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";
import { mean, std } from "./grid.ts";
import { configKey, type RunConfig } from "./config.ts";
import { readJsonIfExists } from "../../lib/report/atomic.ts";

export interface RunFinal {
  testAccuracy: number;
  testLoss: number;
  trainAccuracy: number;
  trainLoss: number;
  epochsRun: number;
  parameters: number;
  stopped: string | null;
  /** Epochs restored from a checkpoint of an interrupted invocation (0: trained in one go). */
  resumedEpochs: number;
  /** What trained it: the native engine or tfjs autodiff. */
  engine: "native" | "tfjs";
}

export type SiameseResult = RunResult<RunConfig, HistoryRow, RunFinal>;

export interface ConfigSummary {
  key: string;
  config: Omit<RunConfig, "round">;
  rounds: number;
  testAccuracy: { mean: number; std: number; values: number[] };
  trainAccuracy: number;
  testLoss: number;
  secondsPerRun: number;
}

/** What a grid or study invocation was asked to run; `report` rebuilds summaries from it. */
export interface RunIndex {
  schema: "tsdl-siamese-index/1";
  kind: "grid" | "study";
  description: string;
  runIds: string[];
}

export function summarize(results: SiameseResult[]): ConfigSummary[] {
  const groups = new Map<string, SiameseResult[]>();
  for (const r of results) {
    const key = configKey(r.config);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups].map(([key, rs]) => {
    const { round: _round, ...config } = rs[0].config;
    const acc = rs.map((r) => r.final.testAccuracy);
    return {
      key,
      config,
      rounds: rs.length,
      testAccuracy: { mean: mean(acc), std: std(acc), values: acc },
      trainAccuracy: mean(rs.map((r) => r.final.trainAccuracy)),
      testLoss: mean(rs.map((r) => r.final.testLoss)),
      secondsPerRun: mean(rs.map((r) => r.seconds)),
    };
  });
}

export function runPath(outDir: string, id: string): string {
  return `${outDir}/runs/${id}.json`;
}

/** The completed results among `ids` (missing ones are skipped: a grid may still be running). */
export async function loadResults(outDir: string, ids: string[]): Promise<SiameseResult[]> {
  const out: SiameseResult[] = [];
  for (const id of ids) {
    const r = await readJsonIfExists<SiameseResult>(runPath(outDir, id));
    if (r) out.push(r);
  }
  return out;
}
