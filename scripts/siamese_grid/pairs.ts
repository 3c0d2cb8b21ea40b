/**
 * The seed-000 pair sets (EPFL EE-559 mini-project 1): MNIST images average-pooled 28→14, two
 * distinct random images per pair, target = 1 if the first digit ≤ the second, and both digit
 * classes kept for the auxiliary loss.
 */
import type { ImageSet } from "../../lib/data/mnist.ts";
import { Rng } from "../../lib/random/rng.ts";
import { UserError } from "../../lib/cli/errors.ts";

export interface PairSet {
  /** [n, 14, 14, 2]: channel 0 is the first image, channel 1 the second. Pixels 0–255 unless normalised. */
  imagesNHWC: Float32Array;
  /** 1 if class of first ≤ class of second. */
  target: Uint8Array;
  /** [n, 2] digit classes. */
  classes: Uint8Array;
  n: number;
  size: number;
}

/** 2×2 mean pooling of one [height, width] image into `out` at `offset` with channel stride `stride`. */
function avgPool2(
  pixels: Uint8Array,
  image: number,
  h: number,
  w: number,
  out: Float32Array,
  offset: number,
  stride: number,
) {
  const base = image * h * w, oh = h >> 1, ow = w >> 1;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const p = base + 2 * i * w + 2 * j;
      out[offset + (i * ow + j) * stride] = (pixels[p] + pixels[p + 1] + pixels[p + w] + pixels[p + w + 1]) / 4;
    }
  }
}

export function makePairs(set: ImageSet, nPairs: number, rng: Rng): PairSet {
  if (2 * nPairs > set.n) {
    throw new UserError(`cannot draw ${nPairs} pairs of distinct images from ${set.n} images (at most ${set.n >> 1})`);
  }
  const order = rng.permutation(set.n);
  const size = set.height >> 1, pixelsPerPair = size * size * 2;
  const imagesNHWC = new Float32Array(nPairs * pixelsPerPair);
  const target = new Uint8Array(nPairs), classes = new Uint8Array(2 * nPairs);
  for (let i = 0; i < nPairs; i++) {
    const a = order[2 * i], b = order[2 * i + 1];
    avgPool2(set.pixels, a, set.height, set.width, imagesNHWC, i * pixelsPerPair, 2);
    avgPool2(set.pixels, b, set.height, set.width, imagesNHWC, i * pixelsPerPair + 1, 2);
    classes[2 * i] = set.labels[a];
    classes[2 * i + 1] = set.labels[b];
    target[i] = set.labels[a] <= set.labels[b] ? 1 : 0;
  }
  return { imagesNHWC, target, classes, n: nPairs, size };
}

/** Standardise both sets with the training set's mean and std (the seed's `normalize` option). */
export function normalizePairs(train: PairSet, ...others: PairSet[]): { mean: number; std: number } {
  const x = train.imagesNHWC;
  let sum = 0, sq = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  for (let i = 0; i < x.length; i++) sq += (x[i] - mean) ** 2;
  const std = Math.sqrt(sq / (x.length - 1));
  for (const set of [train, ...others]) {
    const y = set.imagesNHWC;
    for (let i = 0; i < y.length; i++) y[i] = (y[i] - mean) / std;
  }
  return { mean, std };
}
