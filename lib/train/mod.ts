/** Losses, optimisers, schedules and the training loop. */
export * from "./losses.ts";
export { Optimizer, type OptimizerState } from "./optimizer.ts";
export { SGD } from "./sgd.ts";
export { Adam } from "./adam.ts";
export { AdaGrad } from "./adagrad.ts";
export { stepLR } from "./step_lr.ts";
export {
  type Batch,
  type BatchStats,
  type EpochRow,
  evaluate,
  fit,
  type FitOptions,
  type FitResult,
  formatRow,
  type Objective,
} from "./loop.ts";
