/**
 * Softmax and cross-entropy fused, the output layer of seed 004's classifier: for logits Z [n, k]
 * and labels y [n],
 *   p = softmax(Z),   L = −(1/n) Σᵢ log p[i, yᵢ] = (1/n) Σᵢ (logsumexp(Zᵢ) − Z[i, yᵢ]),
 *   ∂L/∂Z = (p − onehot(y)) / n.
 * Fusing skips the softmax Jacobian, and the log-sum-exp form (max subtracted) keeps the loss finite
 * where a float32 softmax underflows to 0.
 */
import { tf } from "../tf.ts";

export class SoftmaxCrossEntropy {
  #cache: { probabilities: tf.Tensor2D; onehot: tf.Tensor2D } | null = null;

  /** Softmax over the last axis (max subtracted first: same value, no overflow). */
  static probabilities(logits: tf.Tensor): tf.Tensor2D {
    const e = tf.exp(tf.sub(logits, tf.max(logits, -1, true)));
    return tf.div(e, tf.sum(e, -1, true)) as tf.Tensor2D;
  }

  /** Mean loss over the batch; `labels` are integer classes [n]. */
  forward(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
    if (logits.rank !== 2 || labels.rank !== 1 || labels.shape[0] !== logits.shape[0]) {
      throw new Error(
        `SoftmaxCrossEntropy: expected logits [n, k] and labels [n], got [${logits.shape}] and [${labels.shape}]`,
      );
    }
    const k = logits.shape[1]!;
    const onehot = tf.cast(tf.oneHot(tf.cast(labels, "int32"), k), "float32") as tf.Tensor2D;
    const max = tf.max(logits, -1, true);
    const logSumExp = tf.add(tf.log(tf.sum(tf.exp(tf.sub(logits, max)), -1)), tf.squeeze(max, [1]));
    const picked = tf.sum(tf.mul(logits, onehot), -1);
    this.#cache = { probabilities: SoftmaxCrossEntropy.probabilities(logits), onehot };
    return tf.mean(tf.sub(logSumExp, picked)) as tf.Scalar;
  }

  /** ∂L/∂logits = (p − onehot) / n. */
  backward(): tf.Tensor2D {
    if (!this.#cache) throw new Error("SoftmaxCrossEntropy: backward called before forward");
    const { probabilities, onehot } = this.#cache;
    return tf.div(tf.sub(probabilities, onehot), probabilities.shape[0]) as tf.Tensor2D;
  }
}
