/**
 * Classification metrics on known confusion matrices, checked against scikit-learn's definitions
 * (values worked out by hand): confusion matrix orientation, per-class precision/recall/F1 with
 * zero division → 0, macro and weighted averages, the printed report, top-k accuracy, the figure.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import {
  accuracy,
  averageScores,
  classificationReport,
  confusionMatrix,
  matrixAccuracy,
  perClassScores,
  predictedClasses,
  topKAccuracy,
} from "../lib/metrics/mod.ts";
import { confusionMatrixFigure } from "../lib/report/figures.ts";

await initBackend("cpu");

const close = (a: number[], b: number[]) => a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-12, `${a} vs ${b}`));
const labels = [0, 0, 1, 1, 2, 2, 2], predictions = [0, 1, 1, 1, 2, 0, 2];

Deno.test("confusionMatrix: rows are true classes, columns predictions", () => {
  assert.deepEqual(confusionMatrix(labels, predictions), [[1, 1, 0], [0, 2, 0], [1, 0, 2]]);
  assert.deepEqual(confusionMatrix([1], [1], 3), [[0, 0, 0], [0, 1, 0], [0, 0, 0]]);
  assert.equal(accuracy(labels, predictions), 5 / 7);
  assert.equal(matrixAccuracy(confusionMatrix(labels, predictions)), 5 / 7);
  assert.throws(() => confusionMatrix([0, 1], [0]), /2 labels but 1 predictions/);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), /sample 1 has label 3/);
});

Deno.test("per-class precision, recall, F1, support and their averages", () => {
  const scores = perClassScores(confusionMatrix(labels, predictions));
  close(scores.precision, [1 / 2, 2 / 3, 1]);
  close(scores.recall, [1 / 2, 1, 2 / 3]);
  close(scores.f1, [1 / 2, 4 / 5, 4 / 5]);
  assert.deepEqual(scores.support, [2, 2, 3]);
  const { macro, weighted } = averageScores(scores);
  close([macro.precision, macro.recall, macro.f1], [(1 / 2 + 2 / 3 + 1) / 3, (1 / 2 + 1 + 2 / 3) / 3, 7 / 10]);
  close([weighted.f1, weighted.recall], [(2 * 0.5 + 2 * 0.8 + 3 * 0.8) / 7, 5 / 7]);
});

Deno.test("a class never predicted (or absent) scores 0, not NaN", () => {
  const scores = perClassScores([[2, 0, 0], [1, 0, 0], [0, 0, 0]]);
  close(scores.precision, [2 / 3, 0, 0]);
  close(scores.recall, [1, 0, 0]);
  close(scores.f1, [0.8, 0, 0]);
});

Deno.test("classificationReport prints scikit-learn's layout", () => {
  const report = classificationReport(confusionMatrix(labels, predictions), ["cat", "dog", "bird"], 2);
  const lines = report.split("\n");
  assert.match(lines[0], /^\s+precision\s+recall\s+f1-score\s+support$/);
  assert.match(lines[2], /^\s+cat\s+0\.50\s+0\.50\s+0\.50\s+2$/);
  assert.match(lines[3], /^\s+dog\s+0\.67\s+1\.00\s+0\.80\s+2$/);
  assert.match(lines[6], /^\s+accuracy\s+0\.71\s+7$/);
  assert.match(lines[7], /^\s+macro avg\s+0\.72\s+0\.72\s+0\.70\s+7$/);
});

Deno.test("topKAccuracy and predictedClasses on known logits", async () => {
  const logits = tf.tensor2d([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2], [0.2, 0.3, 0.5], [0.6, 0.1, 0.3]]);
  const y = [1, 1, 0, 2];
  assert.equal(await topKAccuracy(logits, y, 1), 1 / 4);
  assert.equal(await topKAccuracy(logits, tf.tensor1d(y, "int32"), 2), 3 / 4);
  assert.equal(await topKAccuracy(logits, y, 3), 1);
  assert.deepEqual(Array.from(await predictedClasses(logits)), [1, 0, 2, 0]);
  logits.dispose();
});

Deno.test("confusionMatrixFigure: one cell per entry, class names in class order", () => {
  const svg = confusionMatrixFigure([[5, 1], [0, 7]], { classes: ["zebra", "ant"] });
  assert.match(svg, /^<\?xml[\s\S]*<svg/);
  assert.ok(svg.indexOf(">zebra<") < svg.indexOf(">ant<"), "classes must keep their order, not be sorted");
  for (const count of ["5", "1", "0", "7"]) assert.match(svg, new RegExp(`>${count}<`));
});
