/**
 * One results file per method, `<out>/<method>.json`, in the project's schema
 * (lib/report/results.ts), plus the reader the table and figures use.
 */
import { readJsonIfExists } from "../../lib/report/atomic.ts";
import { makeResult, type RunResult } from "../../lib/report/results.ts";
import type { Environment } from "../../lib/report/results.ts";
import type { ExperimentConfig } from "./config.ts";
import type { AttackRow } from "./evaluate.ts";
import { type Method, METHODS } from "./methods.ts";
import type { MethodEpochRow, TrainedMethod } from "./train_method.ts";

export const EXPERIMENT = "adversarial";

export interface MethodConfig extends ExperimentConfig {
  method: Method;
}

export interface MethodFinal {
  evaluation: AttackRow[];
  /** Clean accuracy on the test subset (= every attack at ε = 0). */
  cleanAccuracy: number;
  keptEpoch: number;
  stopped: string | null;
  trainSeconds: number;
  evalSeconds: number;
  trainClassCounts: number[];
  classNames: readonly string[];
  parameters: number;
  details: Record<string, unknown>;
}

export type MethodResult = RunResult<MethodConfig, MethodEpochRow, MethodFinal>;

export function methodResultPath(outDir: string, method: Method): string {
  return `${outDir}/${method}.json`;
}

export function buildMethodResult(fields: {
  config: MethodConfig;
  environment: Environment;
  trained: TrainedMethod;
  evaluation: AttackRow[];
  evalSeconds: number;
  trainClassCounts: number[];
  classNames: readonly string[];
  parameters: number;
  notes: string[];
}): MethodResult {
  const clean = fields.evaluation.find((r) => r.epsilon === 0) ?? fields.evaluation[0];
  return makeResult({
    experiment: EXPERIMENT,
    run: fields.config.method,
    seconds: fields.trained.seconds + fields.evalSeconds,
    config: fields.config,
    environment: fields.environment,
    history: fields.trained.history,
    final: {
      evaluation: fields.evaluation,
      cleanAccuracy: clean.accuracy,
      keptEpoch: fields.trained.keptEpoch,
      stopped: fields.trained.stopped,
      trainSeconds: fields.trained.seconds,
      evalSeconds: fields.evalSeconds,
      trainClassCounts: fields.trainClassCounts,
      classNames: fields.classNames,
      parameters: fields.parameters,
      details: fields.trained.details,
    },
    notes: fields.notes,
  });
}

/** Schema of adversarial's summary.json. */
export const SUMMARY_SCHEMA = "tsdl-adversarial-summary/1";

/** What `summary.json` records about the last complete run in a folder. */
export interface RunSummary {
  schema: typeof SUMMARY_SCHEMA;
  experiment: typeof EXPERIMENT;
  config: ExperimentConfig;
  methods: Method[];
}

export function summaryPath(outDir: string): string {
  return `${outDir}/summary.json`;
}

function sameRun(config: MethodConfig, summary: RunSummary): boolean {
  const { method: _method, ...shared } = config;
  return JSON.stringify(shared) === JSON.stringify(summary.config);
}

/**
 * The method results in `outDir`, in METHODS order. When the folder has a `summary.json`, only the
 * methods of that run with its config are read, so leftovers of an earlier run with other
 * settings never mix into a table or figure.
 */
export async function readMethodResults(outDir: string): Promise<MethodResult[]> {
  const summary = await readJsonIfExists<RunSummary>(summaryPath(outDir));
  const out: MethodResult[] = [];
  for (const method of METHODS) {
    if (summary && !summary.methods.includes(method)) continue;
    let text: string;
    try {
      text = await Deno.readTextFile(methodResultPath(outDir, method));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw e;
    }
    let result: MethodResult;
    try {
      result = JSON.parse(text);
    } catch {
      throw new Error(`${methodResultPath(outDir, method)} is not valid JSON; delete it and rerun`);
    }
    if (result.experiment !== EXPERIMENT || result.run !== method) continue;
    if (!summary || sameRun(result.config, summary)) out.push(result);
  }
  return out;
}
