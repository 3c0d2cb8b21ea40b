/**
 * Class-reweighted robust training, the reweighting part of RoBal (Wu et al. 2021): PGD adversarial
 * training whose outer cross-entropy weights each example by its class's inverse frequency
 * (class_weights.ts), Σᵢ w_yᵢ·CEᵢ / Σᵢ w_yᵢ. The attack itself is unweighted: a per-example weight
 * does not change the sign of that example's input gradient. The seed added a weighted CE on the
 * clean images to one on FGSM images from the clean point; here the adversary is PGD.
 */
import { tf } from "../../../lib/tf.ts";
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import type { RobustObjective } from "./image_batch.ts";
import { pgdTrainingObjective, type PgdTrainingOptions } from "./pgd_training.ts";
import { inverseFrequencyWeights } from "./class_weights.ts";

export interface ReweightedObjective {
  objective: RobustObjective;
  classWeights: number[];
  /** Frees the weights tensor. */
  dispose: () => void;
}

export function reweightedRobustObjective(
  model: Classifier,
  trainClassCounts: readonly number[],
  opts: Omit<PgdTrainingOptions, "classWeights">,
): ReweightedObjective {
  const classWeights = inverseFrequencyWeights(trainClassCounts);
  const weights = tf.tensor1d(classWeights);
  return {
    objective: pgdTrainingObjective(model, { ...opts, classWeights: weights }),
    classWeights,
    dispose: () => weights.dispose(),
  };
}
