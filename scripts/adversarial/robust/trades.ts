/**
 * TRADES (Zhang et al. 2019, "Theoretically Principled Trade-off between Robustness and Accuracy",
 * eq. 5 and Alg. 1, as in the authors' trades.py):
 *   L = CE(f(x), y) + β · KL( softmax f(x) ‖ softmax f(x′) ),
 *   x′ = argmax_{x′ ∈ B∞(x, ε)} KL( softmax f(x) ‖ softmax f(x′) ),
 * the inner maximum by K projected sign steps that start at x + 0.001·N(0, I) (the KL is flat at
 * x′ = x, so the start must be off it) and treat f(x) as a constant. In the outer loss both f(x)
 * and f(x′) carry gradients. KL is summed over classes and averaged over the batch ("batchmean").
 * The seed's "TRADES" took one FGSM step on the cross-entropy and put CE on x′, which is neither.
 * Train accuracy counts the clean images (the CE term's predictions).
 */
import { tf } from "../../../lib/tf.ts";
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { detached } from "../../../lib/attacks/detached.ts";
import { projectLinf } from "../../../lib/attacks/project.ts";
import { normalNoise } from "../../../lib/attacks/seeded_noise.ts";
import { signGradientAscent } from "../../../lib/attacks/sign_ascent.ts";
import type { LinfThreat } from "../../../lib/attacks/threat_model.ts";
import type { Rng } from "../../../lib/random/rng.ts";
import { countCorrect, crossEntropy, klDivergence } from "../../../lib/train/losses.ts";
import type { BatchStats } from "../../../lib/train/loop.ts";
import { cleanStats, type ImageBatch, type RobustObjective } from "./image_batch.ts";
import { type EpsilonRamp, rampFraction, scaledThreat } from "./epsilon_ramp.ts";

export interface TradesOptions {
  threat: LinfThreat;
  steps: number;
  /** Step size in network-input units. */
  stepSize: number;
  /** Weight of the robustness (KL) term; the paper's 1/λ. */
  beta: number;
  /** σ of the start x + σ·N(0, I), network-input units (0.001 in [0, 1] pixel units in the paper). */
  startNoise: number;
  rng: Rng;
  /** Warm-up of ε (and the step) over the first training steps. */
  ramp?: EpsilonRamp;
}

/** The inner maximisation: x′ maximising KL(f(x) ‖ f(x′)) in the threat set (ε scaled by `fraction`). */
export function tradesAdversary(model: Classifier, clean: tf.Tensor, opts: TradesOptions, fraction = 1): tf.Tensor {
  const threat = scaledThreat(opts.threat, fraction);
  return detached(() =>
    tf.tidy(() => {
      const cleanLogits = model(clean);
      const start = projectLinf(tf.add(clean, normalNoise(clean.shape, opts.startNoise, opts.rng)), clean, threat);
      const kl = (x: tf.Tensor) => klDivergence(cleanLogits, model(x));
      return signGradientAscent(kl, clean, start, threat, { steps: opts.steps, stepSize: opts.stepSize * fraction });
    })
  );
}

/** The outer TRADES loss at given x′: CE(f(x), y) + β·KL(f(x) ‖ f(x′)), with its clean correct count. */
export function tradesLoss(model: Classifier, batch: ImageBatch, adversarial: tf.Tensor, beta: number): BatchStats {
  const cleanLogits = model(batch.imagesNHWC);
  const natural = crossEntropy(cleanLogits, batch.labels);
  const robust = klDivergence(cleanLogits, model(adversarial));
  return { loss: tf.add(natural, tf.mul(robust, beta)) as tf.Scalar, correct: countCorrect(cleanLogits, batch.labels) };
}

export function tradesObjective(model: Classifier, opts: TradesOptions): RobustObjective {
  return (batch, training) => {
    if (!training) return cleanStats(model, batch);
    const adversarial = tradesAdversary(model, batch.imagesNHWC, opts, rampFraction(opts.ramp));
    return tradesLoss(model, batch, adversarial, opts.beta);
  };
}
