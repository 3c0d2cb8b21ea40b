/**
 * scikit-learn's classification_report as text: precision, recall, F1 and support per class, then
 * accuracy and the macro and weighted averages.
 */
import { matrixAccuracy } from "./confusion_matrix.ts";
import { averageScores, perClassScores } from "./per_class.ts";

/** The report of a confusion matrix, classes named by `classNames` (default 0, 1, …). */
export function classificationReport(matrix: number[][], classNames?: readonly string[], digits = 4): string {
  const scores = perClassScores(matrix), { macro, weighted } = averageScores(scores);
  const names = matrix.map((_, c) => classNames?.[c] ?? String(c));
  const total = scores.support.reduce((a, b) => a + b, 0);
  const width = Math.max(12, ...names.map((n) => n.length));
  const num = (v: number) => v.toFixed(digits).padStart(10);
  const line = (name: string, cells: string[], support: number) =>
    name.padStart(width) + cells.join("") + String(support).padStart(10);
  const header = "".padStart(width) +
    ["precision", "recall", "f1-score", "support"].map((h) => h.padStart(10)).join("");
  const rows = names.map((n, c) =>
    line(n, [num(scores.precision[c]), num(scores.recall[c]), num(scores.f1[c])], scores.support[c])
  );
  return [
    header,
    "",
    ...rows,
    "",
    line("accuracy", ["".padStart(20), num(matrixAccuracy(matrix))], total),
    line("macro avg", [num(macro.precision), num(macro.recall), num(macro.f1)], total),
    line("weighted avg", [num(weighted.precision), num(weighted.recall), num(weighted.f1)], total),
  ].join("\n");
}
