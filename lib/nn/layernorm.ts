/**
 * Layer normalisation (Ba, Kiros & Hinton 2016) as a module of autodiff ops: UvA practical 1,
 * Question 3.1. For X [S, M], per row s:
 *   μ_s = (1/M) Σ_i X_si,   σ²_s = (1/M) Σ_i (X_si − μ_s)²   (biased, as the handout defines it),
 *   X̂_si = (X_si − μ_s) / √(σ²_s + ε),   Y_si = γ_i X̂_si + β_i,
 * with γ = 1 and β = 0 initially (PyTorch's nn.LayerNorm). The tape differentiates it; the
 * custom-gradient twin is lib/nn/layernorm_op.ts.
 */
import { tf } from "../tf.ts";
import { Layer } from "./module.ts";

export interface LayerNormOptions {
  /** Added to the variance for stability (default 1e-5, PyTorch's). */
  eps?: number;
}

/**
 * The input check Question 3.1 asks for: a [batch, features] matrix with the module's feature
 * count. Throws an error naming the module, the shape it got and the shape it wants.
 */
export function checkLayerNormInput(x: tf.Tensor, features: number, who: string): void {
  if (x.rank !== 2 || x.shape[1] !== features) {
    throw new Error(
      `${who} expects input of shape [batch, ${features}], got [${x.shape.join(", ")}]` +
        (x.rank !== 2 ? ` (rank ${x.rank}; flatten to 2-D first)` : ` (${x.shape[1]} features)`),
    );
  }
  if (x.shape[0] === 0) throw new Error(`${who} got an empty batch [0, ${features}]`);
}

/** x̂ = (x − μ)/√(σ² + ε) per row, and 1/√(σ² + ε) [S, 1] (the custom op's backward needs both). */
export function normalizeRows(x: tf.Tensor2D, eps: number): { xHat: tf.Tensor2D; invStd: tf.Tensor2D } {
  const centered = tf.sub(x, tf.mean(x, 1, true));
  const invStd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), 1, true), eps)) as tf.Tensor2D;
  return { xHat: tf.mul(centered, invStd), invStd };
}

/** Layer normalisation over the features of [batch, features] rows (Ba et al. 2016), learnable γ and β. */
export class LayerNorm extends Layer {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly eps: number;

  constructor(readonly features: number, opts: LayerNormOptions = {}) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.gamma = this.addParameter("weight", tf.ones([features]));
    this.beta = this.addParameter("bias", tf.zeros([features]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    checkLayerNormInput(x, this.features, this.toString());
    const { xHat } = normalizeRows(x as tf.Tensor2D, this.eps);
    return tf.add(tf.mul(xHat, this.gamma), this.beta);
  }

  override toString(): string {
    return `LayerNorm(${this.features})`;
  }
}
