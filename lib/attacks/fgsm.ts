/**
 * The fast gradient sign method and its random-start variant.
 *
 * - FGSM (Goodfellow, Shlens & Szegedy 2015, eq. 3): x′ = Π(x + ε·sign(∇ₓ CE(f(x), y))), one step of
 *   size ε from the clean input, projected to the valid range.
 * - FGSM with a random start ("FGSM-RS", Wong, Rice & Kolter 2020, Alg. 3): δ ~ U(−ε, ε)ᵈ, then one
 *   step of size α (they use α = 1.25ε), projected back to the ε-ball and the valid range. The random
 *   start is what keeps FGSM adversarial training from collapsing (their §4).
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { crossEntropy } from "../train/losses.ts";
import type { Classifier } from "./classifier.ts";
import { signGradientAscent } from "./sign_ascent.ts";
import { detached } from "./detached.ts";
import { uniformStart } from "./random_start.ts";
import type { LinfThreat } from "./threat_model.ts";

/** FGSM adversarial inputs for `labels` (int32 [n]); ε = 0 returns a copy of the inputs. */
export function fgsm(model: Classifier, inputs: tf.Tensor, labels: tf.Tensor, threat: LinfThreat): tf.Tensor {
  if (threat.epsilon === 0) return inputs.clone();
  const loss = (x: tf.Tensor) => crossEntropy(model(x), labels);
  return signGradientAscent(loss, inputs, inputs, threat, { steps: 1, stepSize: threat.epsilon });
}

/** FGSM from a uniform random start with step `stepSize` (Wong et al. 2020 use 1.25ε). */
export function fgsmRandomStart(
  model: Classifier,
  inputs: tf.Tensor,
  labels: tf.Tensor,
  threat: LinfThreat,
  stepSize: number,
  rng: Rng,
): tf.Tensor {
  if (threat.epsilon === 0) return inputs.clone();
  const loss = (x: tf.Tensor) => crossEntropy(model(x), labels);
  return detached(() =>
    tf.tidy(() => signGradientAscent(loss, inputs, uniformStart(inputs, threat, rng), threat, { steps: 1, stepSize }))
  );
}
