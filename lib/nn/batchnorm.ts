import { tf } from "../tf.ts";
import { Layer } from "./module.ts";

/**
 * Batch normalisation (Ioffe & Szegedy 2015) over every axis but the last (channels in NHWC, features
 * in [n, f]), so one class serves as PyTorch's BatchNorm1d and BatchNorm2d. Training normalises with
 * the batch's biased variance and updates running statistics with momentum 0.1 and the unbiased
 * variance, as PyTorch does; eval mode normalises with the running statistics.
 */
export class BatchNorm extends Layer {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(readonly features: number, readonly opts: { momentum?: number; eps?: number } = {}) {
    super();
    this.gamma = this.addParameter("weight", tf.ones([features]));
    this.beta = this.addParameter("bias", tf.zeros([features]));
    this.runningMean = this.addBuffer("running_mean", tf.zeros([features]));
    this.runningVar = this.addBuffer("running_var", tf.ones([features]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    const eps = this.opts.eps ?? 1e-5;
    if (x.shape[x.rank - 1] !== this.features) {
      throw new Error(
        `BatchNorm(${this.features}) got input of shape [${x.shape}]: its last axis must be ${this.features}`,
      );
    }
    if (!this.training) {
      return tf.batchNorm(x, this.runningMean, this.runningVar, this.beta, this.gamma, eps);
    }
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const { mean, variance } = tf.moments(x, axes);
    this.updateRunningStats(mean, variance, x.size / this.features);
    return tf.batchNorm(x, mean, variance, this.beta, this.gamma, eps);
  }

  private updateRunningStats(mean: tf.Tensor, variance: tf.Tensor, count: number) {
    const m = this.opts.momentum ?? 0.1;
    // Not on the loss's path, so the tape never differentiates through these updates.
    tf.tidy(() => {
      const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(unbiased, m)));
    });
  }

  override toString(): string {
    return `BatchNorm(${this.features})`;
  }
}
