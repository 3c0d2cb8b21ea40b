/**
 * Minibatches by optimisation step, as the UvA practical draws them (DataSet.next_batch): walk a
 * permutation of the training set batch by batch and reshuffle when fewer than a full batch is
 * left, so every batch has exactly `batchSize` rows and an epoch's tail is dropped. Unlike the
 * handout's class, the very first pass is shuffled too (its first epoch runs in file order).
 */
import type { Rng } from "../../lib/random/rng.ts";

export class StepBatches {
  #order: Int32Array;
  #next = 0;
  epochsCompleted = 0;

  constructor(readonly n: number, readonly batchSize: number, readonly rng: Rng) {
    if (!(batchSize >= 1 && batchSize <= n)) throw new Error(`batch size must be in [1, ${n}], got ${batchSize}`);
    this.#order = rng.permutation(n);
  }

  /** Row indices of the next minibatch. */
  next(): Int32Array {
    if (this.#next + this.batchSize > this.n) {
      this.#order = this.rng.permutation(this.n);
      this.#next = 0;
      this.epochsCompleted++;
    }
    const rows = this.#order.slice(this.#next, this.#next + this.batchSize);
    this.#next += this.batchSize;
    return rows;
  }

  /** The next `count` minibatches. */
  take(count: number): Int32Array[] {
    return Array.from({ length: count }, () => this.next());
  }
}

/** Steps in each evaluation period: ⌈maxSteps / evalFreq⌉ periods, the last one possibly shorter. */
export function evaluationPeriods(maxSteps: number, evalFreq: number): number[] {
  const periods: number[] = [];
  for (let done = 0; done < maxSteps; done += evalFreq) periods.push(Math.min(evalFreq, maxSteps - done));
  return periods;
}
