/** Losses, each the mean over the batch as PyTorch's default reduction. */
import { tf } from "../tf.ts";

/**
 * Binary cross-entropy on logits z with targets t ∈ {0,1}:
 *   ℓ = max(z,0) − z·t + log(1 + e^−|z|),
 * the stable form of −[t·log σ(z) + (1−t)·log(1−σ(z))] (= PyTorch's BCEWithLogitsLoss; equal
 * to BCELoss after a Sigmoid without its log clamp at −100).
 */
export function bceWithLogits(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(bceWithLogitsElementwise(logits, targets)) as tf.Scalar);
}

/** The per-element terms of bceWithLogits (no reduction). */
export function bceWithLogitsElementwise(z: tf.Tensor, t: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(z), tf.mul(z, t)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
}

/** BCE on probabilities, with PyTorch BCELoss' clamp of each log at −100. */
export function bce(probabilities: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.maximum(tf.log(probabilities), -100);
    const log1mP = tf.maximum(tf.log(tf.sub(1, probabilities)), -100);
    return tf.neg(tf.mean(tf.add(tf.mul(targets, logP), tf.mul(tf.sub(1, targets), log1mP)))) as tf.Scalar;
  });
}

/** Cross-entropy from logits [n, k] and integer labels [n] (or one-hot/probability targets [n, k]). */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(crossEntropyPerRow(logits, labels)) as tf.Scalar);
}

/** −log softmax(logits)[label] for every row (no reduction over the leading axes). */
export function crossEntropyPerRow(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  const k = logits.shape[logits.rank - 1];
  const targets = labels.rank === logits.rank ? labels : tf.oneHot(tf.cast(labels, "int32"), k);
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), -1));
}

/** Cross-entropy with a weight per class: Σᵢ w_yᵢ·ℓᵢ / Σᵢ w_yᵢ (PyTorch's weighted mean). */
export function weightedCrossEntropy(logits: tf.Tensor, labels: tf.Tensor, classWeights: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[logits.rank - 1];
    const onehot = tf.oneHot(tf.cast(labels, "int32"), k);
    const perSample = tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), -1));
    const w = tf.sum(tf.mul(onehot, classWeights), -1);
    return tf.div(tf.sum(tf.mul(w, perSample)), tf.sum(w)) as tf.Scalar;
  });
}

/** Mean squared error over all elements. */
export function mse(predictions: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(predictions, targets)) as tf.Scalar);
}

/**
 * KL(p ‖ q) = Σ p·(log p − log q) per sample, averaged over the batch, with p = softmax(pLogits)
 * and q = softmax(qLogits) — PyTorch's kl_div(log q, p, reduction="batchmean").
 */
export function klDivergence(pLogits: tf.Tensor, qLogits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const logP = tf.logSoftmax(pLogits), logQ = tf.logSoftmax(qLogits);
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), -1)) as tf.Scalar;
  });
}

/** Number of rows whose arg-max equals the label. */
export function countCorrect(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.argMax(logits, -1), tf.cast(labels, "int32")), "float32")) as tf.Scalar
  );
}

/** Number of binary predictions (logit > 0 ⇔ p > ½) equal to targets ∈ {0,1}. */
export function countCorrectBinary(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(logits, 0), "float32"), targets), "float32")) as tf.Scalar
  );
}
