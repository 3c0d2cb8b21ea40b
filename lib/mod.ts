/**
 * The library's one entry module for ad-hoc scripts:
 *
 *   import { initBackend, loadMnist, Sequential, Linear, ReLU, Adam, fit, crossEntropy } from "./lib/mod.ts";
 *
 * Everything here is also importable from its own file (lib/nn/linear.ts, …).
 */
export { type BackendChoice, type BackendInfo, describeBackend, initBackend, tf } from "./tf.ts";
export { Rng } from "./random/rng.ts";
export * from "./nn/mod.ts";
export * from "./train/mod.ts";
export * from "./keras/mod.ts";
export * from "./attacks/mod.ts";
export { DataFileError, parseIdx, readIdx } from "./data/idx.ts";
export {
  FASHION_MNIST_DIR,
  type ImageSet,
  loadFashionMnist,
  loadMnist,
  mnistDir,
  type TrainTest,
} from "./data/mnist.ts";
export { gatherRows, minibatches, shuffledBatches, trainValidationSplit } from "./data/batches.ts";
export { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from "./report/atomic.ts";
export { environment, makeResult, type RunResult, writeResult } from "./report/results.ts";
export { Progress } from "./report/progress.ts";
export { barChart, heatmap, learningCurves, lineChart, pointsWithErrorBars } from "./report/figures.ts";
export { cli, commonFlags, flag, type FlagSpecs, parseFlags, positive, UsageError, wasGiven } from "./cli/args.ts";
