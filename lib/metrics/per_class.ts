/**
 * Per-class precision, recall and F1 from a confusion matrix C (rows true, columns predicted):
 *   precision_c = C[c][c] / Σ_t C[t][c],   recall_c = C[c][c] / Σ_p C[c][p],
 *   F1_c = 2·precision_c·recall_c / (precision_c + recall_c),   support_c = Σ_p C[c][p],
 * with 0 where a denominator is 0 (scikit-learn's zero_division=0), and their macro (plain) and
 * weighted (by support) means, as scikit-learn's classification_report.
 */

export interface ClassScores {
  precision: number[];
  recall: number[];
  f1: number[];
  support: number[];
}

/** Precision, recall and F1 averaged over classes. */
export interface Averages {
  precision: number;
  recall: number;
  f1: number;
}

/** Precision, recall, F1 and support of every class, from a confusion matrix. */
export function perClassScores(matrix: number[][]): ClassScores {
  const k = matrix.length;
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const support = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = Array.from({ length: k }, (_, c) => matrix.reduce((sum, row) => sum + row[c], 0));
  const precision = matrix.map((row, c) => ratio(row[c], predicted[c]));
  const recall = matrix.map((row, c) => ratio(row[c], support[c]));
  const f1 = precision.map((p, c) => ratio(2 * p * recall[c], p + recall[c]));
  return { precision, recall, f1, support };
}

/** Macro averages (each class counts once) and weighted averages (each class by its support). */
export function averageScores(scores: ClassScores): { macro: Averages; weighted: Averages } {
  const total = scores.support.reduce((a, b) => a + b, 0);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / Math.max(v.length, 1);
  const weightedMean = (v: number[]) => (total ? v.reduce((a, x, c) => a + x * scores.support[c], 0) / total : 0);
  const of = (f: (v: number[]) => number): Averages => ({
    precision: f(scores.precision),
    recall: f(scores.recall),
    f1: f(scores.f1),
  });
  return { macro: of(mean), weighted: of(weightedMean) };
}
