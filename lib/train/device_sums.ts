/**
 * Loss and correct-prediction totals accumulated on the device over an epoch and read once at
 * its end: every read is a full device sync on WebGPU, so training steps never read.
 */
import { tf } from "../tf.ts";

export class DeviceSums {
  readonly #loss = zeroVariable();
  readonly #correct = zeroVariable();
  #count = 0;

  /** Adds a batch's mean loss (weighted by its size, so the epoch mean is over samples) and correct count. */
  add(meanLoss: tf.Scalar, correct: tf.Scalar, size: number): void {
    tf.tidy(() => {
      this.#loss.assign(tf.add(this.#loss, tf.mul(meanLoss, size)));
      this.#correct.assign(tf.add(this.#correct, correct));
    });
    this.#count += size;
  }

  /** Mean loss and accuracy over all samples added; disposes the accumulators. */
  async readAndDispose(): Promise<{ loss: number; accuracy: number; count: number }> {
    const [loss] = await this.#loss.data(), [correct] = await this.#correct.data();
    tf.dispose([this.#loss, this.#correct]);
    const n = Math.max(this.#count, 1);
    return { loss: loss / n, accuracy: correct / n, count: this.#count };
  }
}

/** A scalar accumulator; the tidy disposes the initial scalar, which the variable would otherwise leave behind. */
function zeroVariable(): tf.Variable {
  return tf.tidy(() => tf.variable(tf.scalar(0), false));
}
