/**
 * Early stopping against catastrophic overfitting (Wong, Rice & Kolter 2020, §5.3): single-step
 * adversarial training can suddenly lose all robustness to PGD within an epoch while its FGSM
 * training accuracy soars. After each epoch the guard measures PGD accuracy on a fixed batch of
 * training images; it keeps a copy of the weights of the best epoch, and when the accuracy falls
 * more than `maxDrop` below the best it signals a stop, and the caller restores the best weights.
 */
import { tf } from "../../../lib/tf.ts";

export interface GuardVerdict {
  accuracy: number;
  best: number;
  collapsed: boolean;
}

export class OverfittingGuard {
  #best = -Infinity;
  #bestWeights: tf.Tensor[] | null = null;
  #bestEpoch = 0;

  constructor(
    readonly params: tf.Variable[],
    /** Robust accuracy in [0, 1] of the current weights on the fixed check batch. */
    readonly measure: () => Promise<number>,
    readonly maxDrop = 0.2,
  ) {}

  get bestEpoch(): number {
    return this.#bestEpoch;
  }

  async afterEpoch(epoch: number): Promise<GuardVerdict> {
    const accuracy = await this.measure();
    if (accuracy > this.#best) {
      this.#best = accuracy;
      this.#bestEpoch = epoch;
      tf.dispose(this.#bestWeights ?? []);
      this.#bestWeights = this.params.map((p) => p.clone());
    }
    return { accuracy, best: this.#best, collapsed: accuracy < this.#best - this.maxDrop };
  }

  /** Puts the best epoch's weights back; returns that epoch (0 when nothing was measured). */
  restoreBest(): number {
    if (this.#bestWeights) this.params.forEach((p, i) => p.assign(this.#bestWeights![i]));
    return this.#bestEpoch;
  }

  dispose(): void {
    tf.dispose(this.#bestWeights ?? []);
    this.#bestWeights = null;
  }
}
