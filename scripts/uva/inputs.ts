/**
 * The UvA practical's input pipeline (cifar10_utils.py): pixels as floats on their 0–255 scale,
 * minus the training set's mean image (a per-pixel, per-channel mean; no division by a std), the
 * same mean subtracted from the test set. Features stay on the host and each minibatch is uploaded
 * as it is used: CIFAR-10's 50,000 float images (614 MB) would not fit a wasm heap comfortably.
 */
import { tf } from "../../lib/tf.ts";
import type { ColorImageSet } from "../../lib/data/cifar10.ts";
import { gatherRows } from "../../lib/data/batches.ts";

export interface ImageFeatures {
  /** [n, height, width, channels], centred. */
  featuresNHWC: Float32Array;
  labels: Uint8Array;
  n: number;
  /** [height, width, channels] */
  imageShape: [number, number, number];
}

export interface ImageBatch {
  imagesNHWC: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/** The training set's mean image, [height·width·channels]. */
export function meanImage(set: ColorImageSet): Float64Array {
  const size = set.height * set.width * set.channels, mean = new Float64Array(size);
  for (let i = 0; i < set.n; i++) {
    const base = i * size;
    for (let p = 0; p < size; p++) mean[p] += set.pixelsNHWC[base + p];
  }
  for (let p = 0; p < size; p++) mean[p] /= Math.max(set.n, 1);
  return mean;
}

export function centerImages(set: ColorImageSet, mean: Float64Array): ImageFeatures {
  const size = mean.length, featuresNHWC = new Float32Array(set.n * size);
  for (let i = 0; i < set.n; i++) {
    const base = i * size;
    for (let p = 0; p < size; p++) featuresNHWC[base + p] = set.pixelsNHWC[base + p] - mean[p];
  }
  return { featuresNHWC, labels: set.labels, n: set.n, imageShape: [set.height, set.width, set.channels] };
}

/** Train and test features centred by the training mean image, as cifar10_utils does. */
export function uvaPreprocess(
  train: ColorImageSet,
  test: ColorImageSet,
): { train: ImageFeatures; test: ImageFeatures } {
  const mean = meanImage(train);
  return { train: centerImages(train, mean), test: centerImages(test, mean) };
}

export function featureCount(set: ImageFeatures): number {
  return set.imageShape[0] * set.imageShape[1] * set.imageShape[2];
}

/** The first `n` examples (for --quick runs and subset evaluations). */
export function firstExamples(set: ImageFeatures, n: number): ImageFeatures {
  const m = Math.min(n, set.n), size = featureCount(set);
  return { ...set, featuresNHWC: set.featuresNHWC.subarray(0, m * size), labels: set.labels.subarray(0, m), n: m };
}

/** Rows of `set` as tensors (made inside the caller's tf.tidy). */
export function imageBatch(set: ImageFeatures, rows: ArrayLike<number>): ImageBatch {
  const size = featureCount(set);
  const labels = Int32Array.from({ length: rows.length }, (_, i) => set.labels[rows[i]]);
  return {
    imagesNHWC: tf.tensor4d(gatherRows(set.featuresNHWC, size, rows), [rows.length, ...set.imageShape]),
    labels: tf.tensor1d(labels, "int32"),
  };
}

/** Consecutive row ranges [from, from + size) covering the set, for evaluation. */
export function evaluationChunks(n: number, chunkSize: number): Int32Array[] {
  const out: Int32Array[] = [];
  for (let from = 0; from < n; from += chunkSize) {
    out.push(Int32Array.from({ length: Math.min(chunkSize, n - from) }, (_, i) => from + i));
  }
  return out;
}
