/** Seeded shuffles, splits and minibatch index lists. */
import { Rng } from "../random/rng.ts";

/** Rows 0 … n−1 in order: a whole set as one evaluation batch. */
export function allRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Index lists of consecutive minibatches over `order` (the last one may be smaller). */
export function minibatches(order: ArrayLike<number>, batchSize: number): Int32Array[] {
  if (!(batchSize >= 1)) throw new Error(`batch size must be ≥ 1, got ${batchSize}`);
  const out: Int32Array[] = [];
  for (let i = 0; i < order.length; i += batchSize) {
    out.push(Int32Array.from({ length: Math.min(batchSize, order.length - i) }, (_, j) => order[i + j]));
  }
  return out;
}

/** One epoch's shuffled minibatches. */
export function shuffledBatches(n: number, batchSize: number, rng: Rng): Int32Array[] {
  return minibatches(rng.permutation(n), batchSize);
}

/**
 * Split 0..n-1 into disjoint train and validation index sets. Like Keras' `validation_split`, the
 * validation rows are the last `fraction` of the data (before any shuffling) unless `rng` is given.
 */
export function trainValidationSplit(
  n: number,
  fraction: number,
  rng?: Rng,
): { train: Int32Array; validation: Int32Array } {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`validation fraction must be in [0, 1), got ${fraction}`);
  const order = rng ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
  const nVal = Math.round(n * fraction);
  return { train: order.slice(0, n - nVal), validation: order.slice(n - nVal) };
}

/** Gather rows of a row-major array with `rowSize` elements per row. */
export function gatherRows<T extends Float32Array | Uint8Array | Int32Array>(
  data: T,
  rowSize: number,
  rows: ArrayLike<number>,
): T {
  const out = new (data.constructor as { new (n: number): T })(rows.length * rowSize);
  for (let i = 0; i < rows.length; i++) {
    out.set(data.subarray(rows[i] * rowSize, (rows[i] + 1) * rowSize), i * rowSize);
  }
  return out;
}
