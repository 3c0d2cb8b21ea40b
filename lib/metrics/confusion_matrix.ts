/**
 * The confusion matrix C of a classifier: C[t][p] = how many samples of true class t were predicted
 * as class p (rows true, columns predicted, as scikit-learn's confusion_matrix). Accuracy is its
 * trace over its sum.
 */

/** C[t][p] over `classes` classes (default: the largest label or prediction + 1). */
export function confusionMatrix(
  labels: ArrayLike<number>,
  predictions: ArrayLike<number>,
  classes?: number,
): number[][] {
  if (labels.length !== predictions.length) {
    throw new Error(`confusionMatrix: ${labels.length} labels but ${predictions.length} predictions`);
  }
  let k = classes ?? 0;
  if (classes === undefined) {
    for (let i = 0; i < labels.length; i++) k = Math.max(k, labels[i] + 1, predictions[i] + 1);
  }
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i], p = predictions[i];
    if (!(t >= 0 && t < k && p >= 0 && p < k)) {
      throw new Error(`confusionMatrix: sample ${i} has label ${t} and prediction ${p}, outside 0…${k - 1}`);
    }
    m[t][p] += 1;
  }
  return m;
}

/** Fraction of predictions equal to the labels. */
export function accuracy(labels: ArrayLike<number>, predictions: ArrayLike<number>): number {
  if (labels.length !== predictions.length) {
    throw new Error(`accuracy: ${labels.length} labels but ${predictions.length} predictions`);
  }
  let correct = 0;
  for (let i = 0; i < labels.length; i++) correct += labels[i] === predictions[i] ? 1 : 0;
  return labels.length ? correct / labels.length : 0;
}

/** trace(C) / ΣC: the accuracy a confusion matrix records. */
export function matrixAccuracy(matrix: number[][]): number {
  const total = matrix.flat().reduce((a, b) => a + b, 0);
  return total ? matrix.reduce((sum, row, i) => sum + row[i], 0) / total : 0;
}
