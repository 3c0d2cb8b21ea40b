import { tf } from "../tf.ts";
import { Layer } from "./module.ts";
import { hasWasmBatchNorm, wasmBatchNormBackward, wasmBatchNormForward } from "../tf/wasm_batch_norm.ts";

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
    return this.normalizeBatch(x, eps);
  }

  /**
   * Training-mode normalisation with its backward pass in closed form (Ioffe & Szegedy 2015, §3),
   * with x̂ = (x − μ)·r, r = 1/√(σ² + ε), m = count per channel, sums over every axis but the last:
   *   ∂L/∂β = Σ dy;  ∂L/∂γ = Σ dy·x̂;  ∂L/∂x = γ·r·(dy − (∂L/∂β)/m − x̂·(∂L/∂γ)/m).
   * Autodiff through tf.moments gets the same gradient but broadcasts every per-channel term back
   * to the batch's shape with a Tile per use; here broadcasting stays inside the arithmetic kernels.
   */
  private normalizeBatch(input: tf.Tensor, eps: number): tf.Tensor {
    const count = input.size / this.features;
    const passes: BatchNormPasses = hasWasmBatchNorm(input)
      ? { forward: wasmBatchNormForward, backward: wasmBatchNormBackward }
      : tensorBatchNormPasses(input.rank, count);
    const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta] = args as tf.Tensor[], save = args[3] as tf.GradSaveFunc;
      const { y, mean, variance, rstd } = passes.forward(x, gamma, beta, eps);
      this.updateRunningStats(mean, variance, count);
      save([x, mean, rstd, gamma]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => passes.backward(dy, saved[0], saved[1], saved[2], saved[3]),
      };
    });
    return normalize(input, this.gamma, this.beta);
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

/**
 * Training-mode BatchNorm's two passes with the formulas above: the batch statistics and y, then
 * [∂x, ∂γ, ∂β] from dy and what the forward pass saved. Tensor ops here; on wasm, kernels of our own
 * (lib/tf/wasm_batch_norm.ts).
 */
interface BatchNormPasses {
  forward(
    x: tf.Tensor,
    gamma: tf.Tensor,
    beta: tf.Tensor,
    eps: number,
  ): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor; rstd: tf.Tensor };
  backward(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor): tf.Tensor[];
}

/** The passes as tensor ops over every axis but the last (`count` entries per channel). */
function tensorBatchNormPasses(rank: number, count: number): BatchNormPasses {
  const axes = Array.from({ length: rank - 1 }, (_, i) => i);
  return {
    forward(x, gamma, beta, eps) {
      const { mean, variance } = tf.moments(x, axes);
      const rstd = tf.rsqrt(tf.add(variance, eps));
      return { y: tf.batchNorm(x, mean, variance, beta, gamma, eps), mean, variance, rstd };
    },
    backward(dy, x, mean, rstd, gamma) {
      const xhat = tf.mul(tf.sub(x, mean), rstd);
      const dBeta = tf.sum(dy, axes), dGamma = tf.sum(tf.mul(dy, xhat), axes);
      const centred = tf.sub(tf.sub(dy, tf.div(dBeta, count)), tf.mul(xhat, tf.div(dGamma, count)));
      return [tf.mul(centred, tf.mul(gamma, rstd)), dGamma, dBeta];
    },
  };
}
