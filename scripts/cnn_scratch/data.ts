/**
 * Seed 004's data: the first 10,000 MNIST training images split 80/20 into train and validation
 * (seeded shuffle; the seed used sklearn's train_test_split, random_state 42), and the first 2,000
 * test images; pixels scaled to [0, 1], NHWC with one channel, uploaded once.
 */
import { tf } from "../../lib/tf.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { loadMnist } from "../../lib/data/mnist.ts";
import type { ImageSet } from "../../lib/data/mnist.ts";
import { gatherRows, trainValidationSplit } from "../../lib/data/batches.ts";
import type { LabelledImages } from "../../lib/scratch/classifier.ts";

export interface SeedSplits {
  train: LabelledImages;
  validation: LabelledImages;
  test: LabelledImages;
  sizes: { train: number; validation: number; test: number };
}

export interface SplitRequest {
  /** Leading training images used (seed: 10,000). */
  trainSize: number;
  /** Leading test images used (seed: 2,000). */
  testSize: number;
  /** Fraction of the training images held out for validation (seed: 0.2). */
  validationSplit: number;
}

function upload(set: ImageSet, rows: ArrayLike<number>): LabelledImages {
  const size = set.height * set.width;
  const pixels = gatherRows(set.pixels, size, rows);
  const labels = gatherRows(set.labels, 1, rows);
  return {
    imagesNHWC: tf.tensor4d(Float32Array.from(pixels, (p) => p / 255), [rows.length, set.height, set.width, 1]),
    labels: tf.tensor1d(Int32Array.from(labels), "int32"),
  };
}

export async function loadSeedSplits(req: SplitRequest, rng: Rng): Promise<SeedSplits> {
  const mnist = await loadMnist();
  if (req.trainSize > mnist.train.n || req.testSize > mnist.test.n) {
    throw new Error(
      `MNIST has ${mnist.train.n} training and ${mnist.test.n} test images; asked for ${req.trainSize} and ${req.testSize}`,
    );
  }
  const { train, validation } = trainValidationSplit(req.trainSize, req.validationSplit, rng);
  const testRows = Int32Array.from({ length: req.testSize }, (_, i) => i);
  return {
    train: upload(mnist.train, train),
    validation: upload(mnist.train, validation),
    test: upload(mnist.test, testRows),
    sizes: { train: train.length, validation: validation.length, test: req.testSize },
  };
}

export function disposeSplits(splits: SeedSplits): void {
  for (const set of [splits.train, splits.validation, splits.test]) tf.dispose([set.imagesNHWC, set.labels]);
}
