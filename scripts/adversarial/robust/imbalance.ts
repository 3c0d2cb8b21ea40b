/**
 * A long-tailed training subset: class c keeps n_max · ρ^(−c/(K−1)) examples, the exponential
 * profile of CIFAR-10-LT (Cui et al. 2019, "Class-Balanced Loss Based on Effective Number of
 * Samples", §6), so class 0 is the head, class K−1 the tail and ρ = n_max/n_min the imbalance
 * ratio. ρ = 1 is a balanced subset.
 */
import type { Rng } from "../../../lib/random/rng.ts";

/** Examples kept per class for a head size `perClassMax` and imbalance ratio ρ ≥ 1. */
export function longTailedCounts(perClassMax: number, ratio: number, classes: number): number[] {
  if (!(ratio >= 1)) throw new Error(`imbalance ratio must be ≥ 1, got ${ratio}`);
  if (!(Number.isInteger(perClassMax) && perClassMax >= 1)) {
    throw new Error(`per-class size must be ≥ 1, got ${perClassMax}`);
  }
  return Array.from(
    { length: classes },
    (_, c) => Math.max(1, Math.round(perClassMax * ratio ** (-c / Math.max(classes - 1, 1)))),
  );
}

/**
 * Indices of a random subset of `labels` with `counts[c]` examples of class c, in a random order.
 * Throws when a class has fewer examples than asked.
 */
export function subsetWithCounts(labels: ArrayLike<number>, counts: readonly number[], rng: Rng): Int32Array {
  const taken = new Array<number>(counts.length).fill(0);
  const out: number[] = [];
  for (const i of rng.permutation(labels.length)) {
    const c = labels[i];
    if (taken[c] < counts[c]) {
      taken[c]++;
      out.push(i);
    }
  }
  const short = counts.findIndex((n, c) => taken[c] < n);
  if (short >= 0) throw new Error(`class ${short} has only ${taken[short]} examples, ${counts[short]} were asked for`);
  return rng.shuffleInPlace(Int32Array.from(out));
}
