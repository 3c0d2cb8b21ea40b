/** Keras' "accuracy" metric for classifiers: arg-max of the outputs against the class. */
import { tf } from "../tf.ts";
import { countCorrect } from "../train/losses.ts";

/** Correct predictions in a batch; targets are one-hot [n, k] or integer labels [n]. */
export function countCorrectClasses(outputs: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const labels = targets.rank === outputs.rank ? tf.argMax(targets, -1) : targets;
    return countCorrect(outputs, labels);
  });
}
