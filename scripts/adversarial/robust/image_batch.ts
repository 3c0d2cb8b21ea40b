/**
 * The batch every robust-training objective takes, and the clean statistics they share.
 * Objectives here map an ImageBatch to the loop's BatchStats (lib/train/loop.ts); with
 * `training = false` (the loop's held-out evaluation) each returns clean cross-entropy and accuracy,
 * so per-epoch test curves of all methods measure the same thing.
 */
import type { tf } from "../../../lib/tf.ts";
import type { Classifier } from "../../../lib/attacks/classifier.ts";
import { countCorrect, crossEntropy } from "../../../lib/train/losses.ts";
import type { BatchStats } from "../../../lib/train/loop.ts";

export interface ImageBatch {
  /** [n, h, w, c] in network-input units. */
  imagesNHWC: tf.Tensor4D;
  /** [n] int32 class indices. */
  labels: tf.Tensor1D;
}

/** An objective over image batches: the loop's Objective with the batch already gathered. */
export type RobustObjective = (batch: ImageBatch, training: boolean) => BatchStats;

/** Mean cross-entropy and number correct on the clean images. */
export function cleanStats(model: Classifier, batch: ImageBatch): BatchStats {
  const logits = model(batch.imagesNHWC);
  return { loss: crossEntropy(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
}
