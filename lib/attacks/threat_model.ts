/**
 * The L∞ threat model in the units the network sees.
 *
 * Robustness papers state ε in pixel units with pixels in [0, 1] (MNIST ε = 0.3, CIFAR-10 ε = 8/255;
 * Madry et al. 2018, Zhang et al. 2019). Networks are often fed normalised pixels
 *   x = (p − mean) / std,
 * so an attack on x must use ε_x = ε_p / std and keep x inside the image of [0, 1], i.e.
 *   [(0 − mean)/std, (1 − mean)/std].
 * The seed normalised with mean = std = 0.5 (x ∈ [−1, 1]) but still clamped its perturbed images to
 * [0, 1] and used ε unscaled; `linfThreat` makes the mapping explicit so neither mistake recurs.
 */

/** How pixels p ∈ [0, 1] were mapped to network inputs: x = (p − mean) / std. */
export interface PixelNormalization {
  mean: number;
  std: number;
}

/** Pixels fed as they are, x = p ∈ [0, 1]. */
export const UNIT_PIXELS: PixelNormalization = { mean: 0, std: 1 };
/** The seed's transforms.Normalize(0.5, 0.5): x ∈ [−1, 1]. */
export const SYMMETRIC_PIXELS: PixelNormalization = { mean: 0.5, std: 0.5 };

/** Closed interval of valid input values, in network-input units. */
export interface ValueRange {
  min: number;
  max: number;
}

/** An L∞ ball of radius `epsilon` intersected with the valid range, both in network-input units. */
export interface LinfThreat {
  epsilon: number;
  range: ValueRange;
}

/** Network-input value of pixel value p. */
export function pixelToInput(p: number, norm: PixelNormalization): number {
  return (p - norm.mean) / norm.std;
}

/** A length in pixel units (ε, a step size, a noise σ) expressed in network-input units. */
export function pixelLengthToInput(length: number, norm: PixelNormalization): number {
  if (!(norm.std > 0)) throw new Error(`normalisation std must be > 0, got ${norm.std}`);
  return length / norm.std;
}

/** The range [0, 1] of pixel values in network-input units. */
export function validInputRange(norm: PixelNormalization): ValueRange {
  return { min: pixelToInput(0, norm), max: pixelToInput(1, norm) };
}

/** The threat model for ε given in pixel units. */
export function linfThreat(epsilonPixels: number, norm: PixelNormalization): LinfThreat {
  if (!(epsilonPixels >= 0)) throw new Error(`ε must be ≥ 0 (pixel units), got ${epsilonPixels}`);
  return { epsilon: pixelLengthToInput(epsilonPixels, norm), range: validInputRange(norm) };
}
