/**
 * The experiment's data: a (possibly long-tailed) training subset and the first `testSize` test
 * images of the chosen dataset, uploaded once as normalised NHWC tensors.
 */
import { Rng } from "../../lib/random/rng.ts";
import { type DatasetName, loadImageDataset } from "../../lib/data/image_dataset.ts";
import { classCounts } from "./robust/class_weights.ts";
import { longTailedCounts, subsetWithCounts } from "./robust/imbalance.ts";
import { type ExperimentConfig, normalizationOf } from "./config.ts";
import { ImageTensors } from "./image_tensors.ts";

export interface ExperimentData {
  dataset: DatasetName;
  provenance: string;
  classNames: readonly string[];
  imageShape: { height: number; width: number; channels: number };
  train: ImageTensors;
  test: ImageTensors;
  trainClassCounts: number[];
  dispose: () => void;
}

export async function prepareData(config: ExperimentConfig): Promise<ExperimentData> {
  const set = await loadImageDataset({ choice: config.dataset });
  const classes = set.classes.length;
  const perClassMax = Math.floor(config.trainSize / classes);
  if (perClassMax < 1) throw new Error(`--train-size ${config.trainSize} leaves no image per class; use ≥ ${classes}`);
  if (config.testSize > set.test.n) {
    throw new Error(`--test-size ${config.testSize} exceeds the ${set.test.n} test images`);
  }
  const counts = longTailedCounts(perClassMax, config.imbalance, classes);
  const trainRows = subsetWithCounts(set.train.labels, counts, Rng.derive(config.seed, "train-subset"));
  const testRows = Int32Array.from({ length: config.testSize }, (_, i) => i);
  const norm = normalizationOf(config);
  const train = new ImageTensors(set.train, trainRows, norm);
  const test = new ImageTensors(set.test, testRows, norm);
  return {
    dataset: set.name,
    provenance: set.provenance,
    classNames: set.classes,
    imageShape: { height: set.train.height, width: set.train.width, channels: set.train.channels },
    train,
    test,
    trainClassCounts: classCounts(train.labelsHost, classes),
    dispose: () => {
      train.dispose();
      test.dispose();
    },
  };
}
