/**
 * Summaries of a set of runs: one row per configuration (all rounds), with the mean ± std of the
 * final test accuracy, computed from the per-run JSON files alone, so a single process, shards
 * run on several machines and `deno task report` all give the same table.
 */
import type { RunResult } from "../../lib/report/results.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";
import { mean, stableHash, std } from "./grid.ts";
import { configKey, type Configuration, type RunConfig } from "./config.ts";
import { readJsonOrQuarantine, writeJsonAtomic } from "../../lib/report/atomic.ts";
import { RESULT_SCHEMA } from "../../lib/report/results.ts";

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
  /** What trained it: the native engine, the webgpu engine or tfjs autodiff. */
  engine: "native" | "webgpu" | "tfjs";
}

export type SiameseResult = RunResult<RunConfig, HistoryRow, RunFinal>;

export interface ConfigSummary {
  key: string;
  config: Configuration;
  rounds: number;
  /** The runs (one per round) this row summarises. */
  runIds: string[];
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

/**
 * One row per configuration: runs equal in every setting but the round. Configurations that share
 * a config key (the same model, e.g. from a --quick and a full invocation into one folder) are
 * told apart by the settings in which they differ: "a5-k3-c4-n32-ws-aux0.5 [epochs=2]".
 */
export function summarize(results: SiameseResult[]): ConfigSummary[] {
  const groups = new Map<string, SiameseResult[]>();
  for (const r of results) {
    const { round: _round, ...settings } = r.config;
    const id = `${configKey(r.config)}/${stableHash(settings)}`;
    groups.set(id, [...(groups.get(id) ?? []), r]);
  }
  const keys = distinctKeys([...groups.values()].map((rs) => rs[0].config));
  return [...groups.values()].map((rs, g) => {
    const key = keys[g];
    const { round: _round, ...config } = rs[0].config;
    const acc = rs.map((r) => r.final.testAccuracy);
    return {
      key,
      config,
      rounds: rs.length,
      runIds: rs.map((r) => r.run),
      testAccuracy: { mean: mean(acc), std: std(acc), values: acc },
      trainAccuracy: mean(rs.map((r) => r.final.trainAccuracy)),
      testLoss: mean(rs.map((r) => r.final.testLoss)),
      secondsPerRun: mean(rs.map((r) => r.seconds)),
    };
  });
}

/** configKey, plus the settings that differ among configurations sharing it. */
function distinctKeys(configs: RunConfig[]): string[] {
  return configs.map((c) => {
    const twins = configs.filter((o) => configKey(o) === configKey(c));
    if (twins.length === 1) return configKey(c);
    const fields = (Object.keys(c) as (keyof RunConfig)[]).filter((f) =>
      f !== "round" && twins.some((o) => o[f] !== c[f])
    );
    return `${configKey(c)} [${fields.map((f) => `${f}=${c[f]}`).join(", ")}]`;
  });
}

/**
 * Records an invocation's runs in `<kind>-index.json`, adding them to the runs earlier invocations
 * recorded there, so the folder's summary and figures cover every run in it, not only the last
 * command's.
 */
export async function recordIndex(
  outDir: string,
  index: RunIndex,
  report: (line: string) => void = (line) => console.error(line),
): Promise<RunIndex> {
  const path = `${outDir}/${index.kind}-index.json`;
  const old = await readJsonOrQuarantine<RunIndex>(
    path,
    (v) => Array.isArray((v as RunIndex)?.runIds) ? null : "no runIds list",
    report,
  );
  const runIds = [...new Set([...(old?.runIds ?? []), ...index.runIds])];
  const merged = { ...index, runIds };
  if (!old || runIds.length !== old.runIds.length) await writeJsonAtomic(path, merged);
  return merged;
}

export function runPath(outDir: string, id: string): string {
  return `${outDir}/runs/${id}.json`;
}

/**
 * The completed results among `ids` (missing ones are skipped: a grid may still be running). A run
 * file that does not parse or does not match the schema is moved aside as `<id>.json.damaged`
 * with one line on stderr, and counts as not done, so only that run is trained again.
 */
export async function loadResults(
  outDir: string,
  ids: string[],
  report: (line: string) => void = (line) => console.error(line),
): Promise<SiameseResult[]> {
  const out: SiameseResult[] = [];
  for (const id of ids) {
    const r = await readJsonOrQuarantine<SiameseResult>(runPath(outDir, id), (v) => resultProblem(v, id), report);
    if (r) out.push(r);
  }
  return out;
}

/** What is wrong with a run file's content, or null when it is a complete result of run `id`. */
export function resultProblem(value: unknown, id: string): string | null {
  const r = value as Partial<SiameseResult> | null;
  if (typeof r !== "object" || r === null) return "not a JSON object";
  if (r.schema !== RESULT_SCHEMA) return `schema is not ${RESULT_SCHEMA}`;
  if (r.run !== id) return `it names run ${JSON.stringify(r.run)}`;
  if (typeof r.config !== "object" || r.config === null || typeof r.config.hidden !== "number") return "no config";
  if (!Array.isArray(r.history)) return "no history";
  const f = r.final;
  if (typeof f !== "object" || f === null) return "no final metrics";
  for (const key of ["testAccuracy", "testLoss", "trainAccuracy", "trainLoss", "epochsRun"] as const) {
    if (typeof f[key] !== "number" && f[key] !== null) return `final.${key} missing`;
  }
  if (f.epochsRun !== r.history.length) return `${r.history.length} history rows for ${f.epochsRun} epochs`;
  if (typeof r.seconds !== "number") return "no seconds";
  return null;
}
