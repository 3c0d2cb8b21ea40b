/** Standard training: empirical risk minimisation of the cross-entropy on clean images. */
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { cleanStats, type RobustObjective } from "./image_batch.ts";

export function standardObjective(model: Classifier): RobustObjective {
  return (batch) => cleanStats(model, batch);
}
