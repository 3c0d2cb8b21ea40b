/** Losses, optimisers, schedules and the training loop. */
export * from "./losses.ts";
export { Optimizer, type OptimizerState } from "./optimizer.ts";
export { SGD } from "./sgd.ts";
export { Adam } from "./adam.ts";
export { AdaGrad } from "./adagrad.ts";
export { stepLR } from "./step_lr.ts";
export { cosineDecay, linearWarmup, warmupCosine } from "./schedules.ts";
export * from "./callbacks/mod.ts";
export {
  autodiffStep,
  type Batch,
  type BatchStats,
  evaluate,
  fit,
  type FitOptions,
  type FitResult,
  formatRow,
  type HistoryRow,
  type Metrics,
  type Objective,
  type StepStats,
  type TrainStep,
} from "./loop.ts";
export {
  type CheckpointMeta,
  type CheckpointState,
  loadCheckpoint,
  moduleState,
  restoreModuleState,
  saveCheckpoint,
  type SavedState,
} from "./checkpoint.ts";
