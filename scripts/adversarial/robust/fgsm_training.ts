/**
 * FGSM adversarial training with a random start (Wong, Rice & Kolter 2020, "Fast is better than
 * free", Alg. 3): for each batch δ ~ U(−ε, ε), one FGSM step of size α = 1.25ε from x + δ,
 * projected to the ε-ball and the valid range, then a gradient step on CE(f(x + δ), y).
 * The seed instead stepped from the clean input with α = ε and no projection to the valid range
 * of its normalised data — the configuration Wong et al. show to overfit catastrophically.
 * Train accuracy counts the adversarial examples.
 */
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { fgsmRandomStart } from "../../../lib/attacks/fgsm.ts";
import type { LinfThreat } from "../../../lib/attacks/threat_model.ts";
import type { Rng } from "../../../lib/random/rng.ts";
import { countCorrect, crossEntropy } from "../../../lib/train/losses.ts";
import { cleanStats, type RobustObjective } from "./image_batch.ts";
import { type EpsilonRamp, rampFraction, scaledThreat } from "./epsilon_ramp.ts";

export interface FgsmTrainingOptions {
  threat: LinfThreat;
  /** Step α in network-input units (Wong et al.: 1.25ε). */
  stepSize: number;
  rng: Rng;
  /** Warm-up of ε (and the step) over the first training steps. */
  ramp?: EpsilonRamp;
}

export function fgsmTrainingObjective(model: Classifier, opts: FgsmTrainingOptions): RobustObjective {
  return (batch, training) => {
    if (!training) return cleanStats(model, batch);
    const fraction = rampFraction(opts.ramp);
    const threat = scaledThreat(opts.threat, fraction);
    const adversarial = fgsmRandomStart(
      model,
      batch.imagesNHWC,
      batch.labels,
      threat,
      opts.stepSize * fraction,
      opts.rng,
    );
    const logits = model(adversarial);
    return { loss: crossEntropy(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
  };
}
