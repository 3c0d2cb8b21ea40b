/**
 * Perceptual adversarial training (after Laidlaw, Singla & Feizi 2021, "Perceptual Adversarial
 * Robustness", PAT with the Lagrangian perceptual attack, their eq. 6):
 *   train on CE(f(x′), y) with x′ = argmax_{x′ ∈ B∞(x, ε)} CE(f(x′), y) − λ · max(0, d(x, x′) − η),
 * where d is an LPIPS-style distance (Zhang et al. 2018, eq. 1, with unit layer weights): the
 * activations φˡ of a frozen feature extractor, unit-normalised across channels at each position,
 *   d(a, b)² = Σₗ mean_{h,w} ‖ φ̂ˡ(a)_{hw} − φ̂ˡ(b)_{hw} ‖².
 * The penalty steers the adversary toward perturbations that the extractor deems imperceptible.
 *
 * Departures, stated in the results' notes: no pretrained ImageNet network ships with the project, so
 * φ is a network this experiment trains first (standard training, then frozen) instead of
 * AlexNet/VGG; and the L∞ box of ε stays as an outer constraint so every method faces the same
 * threat set. The seed put ‖φ(x) − φ(x′)‖ of its frozen VGG into the *training* loss, where it has
 * zero gradient with respect to the trained weights (x′ was detached and φ frozen): the penalty
 * belongs in the attack.
 */
import { tf } from "../../../lib/tf.ts";
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { detached } from "../../../lib/attacks/detached.ts";
import { projectLinf } from "../../../lib/attacks/project.ts";
import { normalNoise } from "../../../lib/attacks/seeded_noise.ts";
import { signGradientAscent } from "../../../lib/attacks/sign_ascent.ts";
import type { LinfThreat } from "../../../lib/attacks/threat_model.ts";
import type { Rng } from "../../../lib/random/rng.ts";
import { countCorrect, crossEntropy } from "../../../lib/train/losses.ts";
import { cleanStats, type RobustObjective } from "./image_batch.ts";
import { type EpsilonRamp, rampFraction, scaledThreat } from "./epsilon_ramp.ts";

/** Frozen activations [n, h, w, c] of some layers of a network. */
export type FeatureExtractor = (inputs: tf.Tensor) => tf.Tensor[];

/** Guards 0/0 at positions where every ReLU channel is zero (LPIPS' normalize_tensor uses 1e-10). */
const NORM_EPS = 1e-10;

function unitNormalizeChannels(features: tf.Tensor): tf.Tensor {
  return tf.div(features, tf.add(tf.sqrt(tf.sum(tf.square(features), -1, true)), NORM_EPS));
}

/** The channel-normalised features φ̂ˡ(x) of every layer: a reference point's, computed once. */
export function normalizedFeatures(extractor: FeatureExtractor, inputs: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => extractor(inputs).map(unitNormalizeChannels));
}

/** d(a, b) per example, [n], with a given by its normalised features. */
export function perceptualDistanceFrom(reference: tf.Tensor[], extractor: FeatureExtractor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => {
    const fb = extractor(b);
    const perLayer = reference.map((fa, l) =>
      tf.mean(tf.sum(tf.square(tf.sub(fa, unitNormalizeChannels(fb[l]))), -1), [1, 2])
    );
    // √(d² + 1e-12): the square root's derivative is unbounded at d = 0 (the attack's start).
    return tf.sqrt(tf.add(tf.addN(perLayer), 1e-12)) as tf.Tensor1D;
  });
}

/** d(a, b) per example, [n]. */
export function perceptualDistance(extractor: FeatureExtractor, a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  return tf.tidy(() => perceptualDistanceFrom(normalizedFeatures(extractor, a), extractor, b));
}

export interface PerceptualOptions {
  threat: LinfThreat;
  steps: number;
  stepSize: number;
  extractor: FeatureExtractor;
  /** Lagrange multiplier λ of the perceptual penalty. */
  lambda: number;
  /** Free perceptual budget η: distances below it are not penalised. */
  bound: number;
  /** σ of the start x + σ·N(0, I), network-input units. */
  startNoise: number;
  rng: Rng;
  /** Warm-up of ε (and the step) over the first training steps. */
  ramp?: EpsilonRamp;
}

/** Per-example cross-entropy, [n]. */
function crossEntropyPerExample(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  const onehot = tf.oneHot(tf.cast(labels, "int32"), logits.shape[logits.rank - 1]);
  return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1));
}

/** The Lagrangian perceptual adversary inside the L∞ box (ε scaled by `fraction`). */
export function perceptualAdversary(
  model: Classifier,
  clean: tf.Tensor,
  labels: tf.Tensor,
  opts: PerceptualOptions,
  fraction = 1,
): tf.Tensor {
  const threat = scaledThreat(opts.threat, fraction);
  return detached(() =>
    tf.tidy(() => {
      const start = projectLinf(tf.add(clean, normalNoise(clean.shape, opts.startNoise, opts.rng)), clean, threat);
      const reference = normalizedFeatures(opts.extractor, clean);
      const objective = (x: tf.Tensor) => {
        const penalty = tf.relu(tf.sub(perceptualDistanceFrom(reference, opts.extractor, x), opts.bound));
        return tf.sum(tf.sub(crossEntropyPerExample(model(x), labels), tf.mul(penalty, opts.lambda))) as tf.Scalar;
      };
      return signGradientAscent(objective, clean, start, threat, {
        steps: opts.steps,
        stepSize: opts.stepSize * fraction,
      });
    })
  );
}

export function perceptualObjective(model: Classifier, opts: PerceptualOptions): RobustObjective {
  return (batch, training) => {
    if (!training) return cleanStats(model, batch);
    const adversarial = perceptualAdversary(
      model,
      batch.imagesNHWC,
      batch.labels,
      opts,
      rampFraction(opts.ramp),
    );
    const logits = model(adversarial);
    return { loss: crossEntropy(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
  };
}
