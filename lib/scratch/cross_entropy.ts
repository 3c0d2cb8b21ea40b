/**
 * Categorical cross-entropy on probabilities, the loss module of UvA practical 1, Question 1.1 c-ii:
 *   L = −(1/S) Σ_i Σ_k T_ik log X_ik,   ∂L/∂X = −(1/S) · T ⊘ X   (⊘: element-wise division),
 * for probabilities X [S, C] (a Softmax's output) and targets T [S, C] whose rows sum to 1
 * (one-hot labels here). Probabilities are floored at `floor` before the log and the division, so a
 * float32 softmax that underflows to 0 gives a large finite loss instead of ∞ (and the gradient
 * through Softmax stays exact for X ≥ floor, where Y ∘ (−T ⊘ Y) = −T).
 */
import { tf } from "../tf.ts";

export class ScratchCrossEntropy {
  constructor(readonly floor = 1e-12) {}

  /** Mean loss over the batch. */
  forward(probabilities: tf.Tensor, targets: tf.Tensor): tf.Scalar {
    const logX = tf.log(tf.maximum(probabilities, this.floor));
    return tf.div(tf.neg(tf.sum(tf.mul(targets, logX))), probabilities.shape[0]) as tf.Scalar;
  }

  /** ∂L/∂X, same shape as the probabilities. */
  backward(probabilities: tf.Tensor, targets: tf.Tensor): tf.Tensor {
    const s = probabilities.shape[0];
    return tf.div(tf.neg(targets), tf.mul(tf.maximum(probabilities, this.floor), s));
  }
}

/** One-hot targets [n, classes] from integer labels [n]. */
export function oneHotTargets(labels: tf.Tensor, classes: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(labels, "int32"), classes), "float32") as tf.Tensor2D;
}
