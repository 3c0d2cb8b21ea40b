/** A Keras-style high-level API (Sequential, compile, fit, evaluate, predict, summary) over lib/nn and lib/train. */
export { type EvaluateResult, type ModelFitOptions, type NamedWeights, SequentialModel } from "./sequential_model.ts";
export {
  type CompileOptions,
  LOSSES,
  type LossFn,
  type LossName,
  type MetricName,
  METRICS,
  OPTIMIZER_DEFAULT_LR,
  type OptimizerName,
} from "./compile.ts";
export { countCorrectClasses } from "./accuracy.ts";
export {
  type EpochLogs,
  epochLogs,
  type FitRow,
  fitRow,
  formatLogs,
  type History,
  makeHistory,
  METRIC_KEYS,
  type MetricKey,
} from "./history.ts";
export { formatSummary, type ModelSummary, summarize, type SummaryRow } from "./summary.ts";
