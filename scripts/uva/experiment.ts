/**
 * What the uva-* training scripts share: start the backend, pick and preprocess the dataset
 * (saying which one and why), and write the results JSON in the project's schema.
 */
import { type BackendChoice, type BackendInfo, describeBackend, initBackend } from "../../lib/tf.ts";
import { type DatasetChoice, type ImageDataset, loadImageDataset } from "../../lib/data/image_dataset.ts";
import { configHash, environment, makeResult, type RunResult, writeResult } from "../../lib/report/results.ts";
import { firstExamples, type ImageFeatures, uvaPreprocess } from "./inputs.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";

export interface ExperimentSetup {
  backend: BackendInfo;
  dataset: ImageDataset;
  train: ImageFeatures;
  test: ImageFeatures;
}

export interface SetupFlags {
  backend: string;
  dataset: string;
  "cifar-dir": string;
}

/** Backend, dataset, preprocessing; `limits` cut the sets (for --quick). */
export async function setUpExperiment(
  flags: SetupFlags,
  limits: { train?: number; test?: number } = {},
): Promise<ExperimentSetup> {
  const backend = await initBackend(flags.backend as BackendChoice);
  console.log(describeBackend(backend));
  const dataset = await loadImageDataset({ choice: flags.dataset as DatasetChoice, cifarDir: flags["cifar-dir"] });
  console.log(`dataset: ${dataset.provenance} (${dataset.train.n} train / ${dataset.test.n} test images)`);
  const pre = uvaPreprocess(dataset.train, dataset.test);
  const train = limits.train ? firstExamples(pre.train, limits.train) : pre.train;
  const test = limits.test ? firstExamples(pre.test, limits.test) : pre.test;
  if (limits.train || limits.test) console.log(`quick run: ${train.n} train / ${test.n} test images`);
  return { backend, dataset, train, test };
}

/** The dataset fields every uva result's config carries. */
export function datasetConfig(setup: ExperimentSetup) {
  return {
    dataset: setup.dataset.name,
    trainSize: setup.train.n,
    testSize: setup.test.n,
    imageShape: setup.train.imageShape,
    preprocessing: "pixels 0–255 minus the training set's mean image (UvA cifar10_utils)",
  };
}

export interface StepFinal {
  dataset: string;
  steps: number;
  testAccuracy: number;
  testLoss: number;
  /** Mean over the last evaluation period's minibatches. */
  trainAccuracy: number;
  trainLoss: number;
  parameters: number;
  stopped: string | null;
  /** tf.memory().numTensors before and after training: equal when nothing leaked. */
  tensorsBefore: number;
  tensorsAfter: number;
}

export function stepFinal(
  setup: ExperimentSetup,
  history: HistoryRow[],
  extra: Pick<StepFinal, "parameters" | "stopped" | "tensorsBefore" | "tensorsAfter">,
): StepFinal {
  const last = history[history.length - 1];
  return {
    dataset: setup.dataset.name,
    steps: last?.step ?? 0,
    testAccuracy: last?.testAccuracy ?? NaN,
    testLoss: last?.testLoss ?? NaN,
    trainAccuracy: last?.trainAccuracy ?? NaN,
    trainLoss: last?.trainLoss ?? NaN,
    ...extra,
  };
}

/**
 * `<out>/<run>-<hash>.json`: the run's name and a hash of its whole config, so a second
 * configuration (another learning rate, say) gets its own file instead of replacing the first.
 */
export function stepResultPath(outDir: string, run: string, config: unknown): string {
  return `${outDir}/${run}-${configHash(config)}.json`;
}

export async function writeStepResult<C, F>(
  path: string,
  fields: {
    experiment: string;
    run: string;
    seconds: number;
    config: C;
    setup: ExperimentSetup;
    history: HistoryRow[];
    final: F;
    notes: string[];
  },
): Promise<RunResult<C, HistoryRow, F>> {
  const result = makeResult<C, HistoryRow, F>({
    experiment: fields.experiment,
    run: fields.run,
    seconds: fields.seconds,
    config: fields.config,
    environment: environment(fields.setup.backend),
    history: fields.history,
    final: fields.final,
    notes: [`dataset: ${fields.setup.dataset.provenance}`, ...fields.notes],
  });
  await writeResult(path, result);
  return result;
}
