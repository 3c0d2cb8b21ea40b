/**
 * The seed-000 loss: BCE on the comparison, and with the auxiliary loss
 *   L = α·BCE + (1−α)/2 · (CE(digits₁, class₁) + CE(digits₂, class₂)).
 * Without the auxiliary loss L = BCE (the seed's α·BCE would vanish at α = 0).
 * The same α is used for the test loss (the seed evaluated with α = 0.5 whatever the run's α).
 */
import { tf } from "../../lib/tf.ts";
import { bceWithLogits, countCorrectBinary, crossEntropy } from "../../lib/train/losses.ts";
import type { BatchStats, Objective } from "../../lib/train/loop.ts";
import type { PairModel } from "./siamese.ts";
import type { PairTensors } from "./pair_tensors.ts";

import type { PairBatch } from "./pair_tensors.ts";

export function pairLoss(
  out: { digits1: tf.Tensor | null; digits2: tf.Tensor | null; logit: tf.Tensor },
  batch: PairBatch,
  aux: { enabled: boolean; alpha: number | null },
): BatchStats {
  const bce = bceWithLogits(out.logit, batch.target);
  let loss = bce;
  if (aux.enabled && aux.alpha !== null && out.digits1 && out.digits2) {
    const [c1, c2] = tf.split(batch.classes, 2, 1).map((c) => tf.reshape(c, [-1]));
    const ce = tf.add(crossEntropy(out.digits1, c1), crossEntropy(out.digits2, c2));
    loss = tf.add(tf.mul(bce, aux.alpha), tf.mul(ce, (1 - aux.alpha) / 2)) as tf.Scalar;
  }
  return { loss, correct: countCorrectBinary(out.logit, batch.target) };
}

/** Rows of a pair set; the batch tensors are made inside the loop's tidy. */
export interface PairRows {
  set: PairTensors;
  rows: Int32Array;
}

export function pairObjective(model: PairModel, aux: { enabled: boolean; alpha: number | null }): Objective<PairRows> {
  return ({ set, rows }) => {
    const batch = set.batch(rows);
    return pairLoss(model.forward(batch.x), batch, aux);
  };
}
