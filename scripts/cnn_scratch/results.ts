/**
 * The results files of `cnn-scratch`: one per (model, implementation) run, `<model>-<impl>.json`,
 * in the schema of lib/report/results.ts; figures and summaries are rebuilt from them alone.
 */
import { join } from "node:path";
import { RESULT_SCHEMA, type RunResult } from "../../lib/report/results.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";
import type { FinalMetrics, Implementation } from "./train_twins.ts";
import type { ModelName } from "./architectures.ts";

export const EXPERIMENT = "cnn-scratch";

/** The seed's reported test accuracy of its small net (seed 004, problem 7). */
export const SEED_SMALL_NET_TEST_ACCURACY = 0.866;

export interface CnnScratchConfig {
  model: ModelName;
  architecture: string;
  implementation: Implementation;
  /** Leading MNIST training images, split into train and validation. */
  trainSize: number;
  /** Leading MNIST test images. */
  testSize: number;
  /** Fraction of the `trainSize` images held out for validation. */
  validationSplit: number;
  epochs: number;
  batchSize: number;
  lr: number;
  optimizer: { name: "AdaGrad"; eps: number; initialAccumulator: number };
  /** Images in each split. */
  data: { dataset: "mnist"; train: number; validation: number; test: number };
  seed: number;
  quick: boolean;
}

export interface CnnScratchFinal extends FinalMetrics {
  stopped: string | null;
  /** Autodiff runs: fraction of test images where the scratch twin predicts the same class. */
  testPredictionAgreement?: number;
}

export type CnnScratchResult = RunResult<CnnScratchConfig, HistoryRow, CnnScratchFinal>;

export function runName(model: ModelName, implementation: Implementation): string {
  return `${model}-${implementation}`;
}

export function resultPath(outDir: string, run: string): string {
  return join(outDir, `${run}.json`);
}

/** Every cnn-scratch result in `outDir`, ordered by run name. */
export async function loadResults(outDir: string): Promise<CnnScratchResult[]> {
  const results: CnnScratchResult[] = [];
  for await (const entry of Deno.readDir(outDir)) {
    if (!entry.isFile || !entry.name.endsWith(".json")) continue;
    const parsed = JSON.parse(await Deno.readTextFile(join(outDir, entry.name)));
    if (parsed?.schema === RESULT_SCHEMA && parsed.experiment === EXPERIMENT) results.push(parsed);
  }
  return results.sort((a, b) => a.run.localeCompare(b.run));
}
