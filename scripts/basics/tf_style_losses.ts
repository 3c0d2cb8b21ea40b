/**
 * The seed's TensorFlow-cell losses and accuracy, written with tfjs' own ops (tf.losses.*), so the
 * low-level style shares no loss code with the high-level one (which uses lib/train/losses.ts).
 */
import { tf } from "../../lib/tf.ts";

export interface TapeTask {
  /** Mean loss of a batch. */
  loss(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar;
  /** Correct predictions in a batch; absent for regression. */
  correct?(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar;
}

/** tf.losses.mean_squared_error(labels=Y, predictions=Y_predicted). */
export const regressionTask: TapeTask = {
  loss: (predictions, targets) => tf.losses.meanSquaredError(targets, predictions) as tf.Scalar,
};

/** softmax_cross_entropy_with_logits on one-hot targets, and the count of tf.equal(argmax, argmax). */
export const classificationTask: TapeTask = {
  loss: (logits, oneHot) => tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar,
  correct: (logits, oneHot) => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(oneHot, 1)), "float32")),
};
