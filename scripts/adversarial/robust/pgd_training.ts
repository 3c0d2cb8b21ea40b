/**
 * PGD adversarial training (Madry et al. 2018, eq. 2.1): minimise E[max_{δ ∈ B∞(ε)} CE(f(x + δ), y)]
 * with the inner maximum approximated by PGD with a random start; by Danskin's theorem the
 * gradient of the outer loss is taken at the attack's result, a constant. Optional per-class
 * weights turn the outer loss into the weighted cross-entropy of class-reweighted robust
 * training (robal.ts). Train accuracy counts the adversarial examples.
 */
import type { tf } from "../../../lib/tf.ts";
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { pgd } from "../../../lib/attacks/pgd.ts";
import type { LinfThreat } from "../../../lib/attacks/threat_model.ts";
import type { Rng } from "../../../lib/random/rng.ts";
import { countCorrect, crossEntropy, weightedCrossEntropy } from "../../../lib/train/losses.ts";
import { cleanStats, type RobustObjective } from "./image_batch.ts";
import { type EpsilonRamp, rampFraction, scaledThreat } from "./epsilon_ramp.ts";

export interface PgdTrainingOptions {
  threat: LinfThreat;
  steps: number;
  /** Step α in network-input units. */
  stepSize: number;
  rng: Rng;
  /** [classes] weights of the outer cross-entropy; null for the plain mean. */
  classWeights?: tf.Tensor1D | null;
  /** Warm-up of ε (and the step) over the first training steps. */
  ramp?: EpsilonRamp;
}

export function pgdTrainingObjective(model: Classifier, opts: PgdTrainingOptions): RobustObjective {
  return (batch, training) => {
    if (!training) return cleanStats(model, batch);
    const fraction = rampFraction(opts.ramp);
    const adversarial = pgd(
      model,
      batch.imagesNHWC,
      batch.labels,
      scaledThreat(opts.threat, fraction),
      {
        steps: opts.steps,
        stepSize: opts.stepSize * fraction,
        randomStart: opts.rng,
      },
    );
    const logits = model(adversarial);
    const loss = opts.classWeights
      ? weightedCrossEntropy(logits, batch.labels, opts.classWeights)
      : crossEntropy(logits, batch.labels);
    return { loss, correct: countCorrect(logits, batch.labels) };
  };
}
