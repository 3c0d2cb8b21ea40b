/**
 * Top-k accuracy: the fraction of rows whose label is among the k largest outputs (k = 1 is
 * accuracy), by tf.inTopKAsync.
 */
import { tf } from "../tf.ts";

/** Fraction of rows of `outputs` [n, classes] whose label (int [n]) is in the top `k`. */
export async function topKAccuracy(
  outputs: tf.Tensor,
  labels: tf.Tensor | ArrayLike<number>,
  k: number,
): Promise<number> {
  const n = outputs.shape[0];
  if (n === 0) return 0;
  const targets = labels instanceof tf.Tensor
    ? tf.cast(labels, "int32")
    : tf.tensor1d(Int32Array.from(labels), "int32");
  const hits = await tf.inTopKAsync(outputs, targets, k);
  const count = Array.from(await hits.data()).reduce((a, b) => a + Number(b), 0);
  tf.dispose([targets, hits]);
  return count / n;
}

/** The arg-max class of every row of `outputs` [n, classes], on the host. */
export async function predictedClasses(outputs: tf.Tensor): Promise<Int32Array> {
  const classes = tf.argMax(outputs, -1);
  const values = Int32Array.from(await classes.data());
  classes.dispose();
  return values;
}
