/**
 * Layer normalisation as a custom op whose backward is the hand-derived formula (UvA practical 1,
 * Question 3.2). With x̂ = (x − μ)·r, r = (σ² + ε)^(−1/2), per row s and dŶ = ∂L/∂Y:
 *   ∂L/∂β_i = Σ_s dY_si,    ∂L/∂γ_i = Σ_s dY_si X̂_si,
 *   ∂L/∂X_si = r_s · (dX̂_si − mean_j dX̂_sj − X̂_si · mean_j(dX̂_sj X̂_sj)),   dX̂ = dY ∘ γ,
 * from ∂X̂_sj/∂X_si = r_s (δ_ij − 1/M − X̂_sj X̂_si / M).
 *
 * PyTorch's autograd.Function saves tensors with ctx.save_for_backward and skips gradients via
 * ctx.needs_input_grad. tf.customGrad computes a gradient for every tensor passed to it and
 * cannot tell which the tape needs, so the caller says which gradients it wants: only those tensors
 * become the custom op's inputs (the rest are constants inside it), and only what their formulas
 * need is saved: nothing for β alone, X̂ for γ, X̂, r and γ for X.
 */
import { tf } from "../tf.ts";
import { checkLayerNormInput, LayerNorm, type LayerNormOptions, normalizeRows } from "./layernorm.ts";

export type LayerNormInput = "x" | "gamma" | "beta";

/** Which gradients the caller needs (PyTorch's ctx.needs_input_grad). */
export type GradientRequest = Record<LayerNormInput, boolean>;

export const ALL_GRADIENTS: GradientRequest = { x: true, gamma: true, beta: true };

const INPUT_ORDER: LayerNormInput[] = ["x", "gamma", "beta"];

/** The tensors each gradient formula reads, in the order `save` stores them. */
function tensorsToSave(needs: GradientRequest, xHat: tf.Tensor, invStd: tf.Tensor, gamma: tf.Tensor): tf.Tensor[] {
  if (needs.x) return [xHat, invStd, gamma];
  if (needs.gamma) return [xHat];
  return [];
}

function inputGradient(which: LayerNormInput, dY: tf.Tensor2D, saved: tf.Tensor[]): tf.Tensor {
  switch (which) {
    case "beta":
      return tf.sum(dY, 0);
    case "gamma":
      return tf.sum(tf.mul(dY, saved[0]), 0);
    case "x": {
      const [xHat, invStd, gamma] = saved;
      const dXHat = tf.mul(dY, gamma);
      const meanDXHat = tf.mean(dXHat, 1, true);
      const meanDXHatXHat = tf.mean(tf.mul(dXHat, xHat), 1, true);
      return tf.mul(invStd, tf.sub(tf.sub(dXHat, meanDXHat), tf.mul(xHat, meanDXHatXHat)));
    }
  }
}

/**
 * Y = γ ∘ X̂ + β for X [S, M], γ and β [M], differentiable with respect to the inputs `needs` names.
 * Gradients of the others are not computed: do not ask the tape for them.
 */
export function layerNormCustomGrad(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps = 1e-5,
  needs: GradientRequest = ALL_GRADIENTS,
): tf.Tensor2D {
  const given: Record<LayerNormInput, tf.Tensor> = { x, gamma, beta };
  const wrt = INPUT_ORDER.filter((k) => needs[k]);
  const forward = (t: Record<LayerNormInput, tf.Tensor>) => {
    const { xHat, invStd } = normalizeRows(t.x as tf.Tensor2D, eps);
    return { y: tf.add(tf.mul(xHat, t.gamma), t.beta) as tf.Tensor2D, xHat, invStd };
  };
  if (wrt.length === 0) return tf.tidy(() => forward(given).y);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const t = { ...given };
    wrt.forEach((k, i) => t[k] = args[i] as tf.Tensor);
    const { y, xHat, invStd } = forward(t);
    save(tensorsToSave(needs, xHat, invStd, t.gamma));
    return {
      value: y,
      gradFunc: (dY: tf.Tensor, saved: tf.Tensor[]) => wrt.map((k) => inputGradient(k, dY as tf.Tensor2D, saved)),
    };
  });
  return op(...wrt.map((k) => given[k])) as tf.Tensor2D;
}

export interface CustomGradLayerNormOptions extends LayerNormOptions {
  /**
   * Whether layers before this one need ∂L/∂X (default true). False for a LayerNorm applied
   * directly to the data, where computing ∂L/∂X would be wasted work.
   */
  inputNeedsGrad?: boolean;
}

/** The LayerNorm module (same parameters as lib/nn/layernorm.ts) calling the custom op. */
export class CustomGradLayerNorm extends LayerNorm {
  readonly inputNeedsGrad: boolean;

  constructor(features: number, opts: CustomGradLayerNormOptions = {}) {
    super(features, opts);
    this.inputNeedsGrad = opts.inputNeedsGrad ?? true;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    checkLayerNormInput(x, this.features, this.toString());
    const needs = { x: this.inputNeedsGrad, gamma: this.gamma.trainable, beta: this.beta.trainable };
    return layerNormCustomGrad(x as tf.Tensor2D, this.gamma as tf.Tensor1D, this.beta as tf.Tensor1D, this.eps, needs);
  }

  override toString(): string {
    return `CustomGradLayerNorm(${this.features})`;
  }
}
