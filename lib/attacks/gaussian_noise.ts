/**
 * Gaussian noise — a random corruption, not an attack. The seed reported accuracy on
 * x + ε·N(0, 1) as "accuracy on the adversarial set"; random noise of that size barely moves a
 * classifier compared with a worst-case perturbation in the much smaller L∞ ball, so it is kept
 * here under its own name and reported beside FGSM and PGD for contrast.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { clipToRange } from "./project.ts";
import { normalNoise } from "./seeded_noise.ts";
import type { ValueRange } from "./threat_model.ts";

/** x + σ·N(0, 1) elementwise, clipped to the valid range; σ in network-input units. */
export function gaussianNoise(inputs: tf.Tensor, sigma: number, range: ValueRange, rng: Rng): tf.Tensor {
  if (sigma === 0) return inputs.clone();
  return tf.tidy(() => clipToRange(tf.add(inputs, normalNoise(inputs.shape, sigma, rng)), range));
}
