/**
 * Projected sign-gradient ascent, the engine of FGSM and PGD (Goodfellow et al. 2015; Madry et al.
 * 2018, eq. 3): from a start point, repeat
 *   x ← Π_{B∞(x₀, ε) ∩ [min, max]} ( x + α · sign(∇ₓ L(x)) ).
 * Sign steps are the steepest ascent direction under the L∞ norm. The loss L is any function of
 * the input (cross-entropy for PGD, KL to the clean prediction for TRADES, a penalised loss for
 * perceptual attacks); it is evaluated on the whole batch and summed, and since the examples of a
 * batch do not interact (models are in eval mode while attacked) each example gets its own
 * gradient.
 */
import { tf } from "../tf.ts";
import { detached } from "./detached.ts";
import { projectLinf } from "./project.ts";
import type { LinfThreat } from "./threat_model.ts";

export interface SignAscentOptions {
  /** Number of sign steps (≥ 1). */
  steps: number;
  /** Step size α in network-input units. */
  stepSize: number;
}

/**
 * The adversarial inputs after `steps` projected sign steps from `start`. Runs detached from any
 * enclosing gradient tape: the result is a constant for the caller's gradients.
 */
export function signGradientAscent(
  loss: (inputs: tf.Tensor) => tf.Scalar,
  clean: tf.Tensor,
  start: tf.Tensor,
  threat: LinfThreat,
  opts: SignAscentOptions,
): tf.Tensor {
  if (!(Number.isInteger(opts.steps) && opts.steps >= 1)) {
    throw new Error(`attack steps must be ≥ 1, got ${opts.steps}`);
  }
  if (!(opts.stepSize > 0)) throw new Error(`attack step size must be > 0, got ${opts.stepSize}`);
  return detached(() => {
    const gradient = tf.grad(loss);
    let x = projectLinf(start, clean, threat);
    for (let t = 0; t < opts.steps; t++) {
      const previous = x;
      x = tf.tidy(() =>
        projectLinf(tf.add(previous, tf.mul(tf.sign(gradient(previous)), opts.stepSize)), clean, threat)
      );
      previous.dispose();
    }
    return x;
  });
}
