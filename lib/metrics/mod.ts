/** Classification metrics on the host: accuracy, top-k, confusion matrices, per-class scores and the report. */
export { accuracy, confusionMatrix, matrixAccuracy } from "./confusion_matrix.ts";
export { type Averages, averageScores, type ClassScores, perClassScores } from "./per_class.ts";
export { classificationReport } from "./classification_report.ts";
export { predictedClasses, topKAccuracy } from "./top_k.ts";
