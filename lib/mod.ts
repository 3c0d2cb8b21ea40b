/**
 * The library's public surface for ad-hoc scripts: one import gives a Keras-style model, the
 * low-level training loop with a pluggable step, datasets, callbacks, metrics, layers, optimisers and
 * schedules, the data loaders, results and figures, and the command-line helper.
 *
 * @example Keras-style (examples/keras_mnist.ts)
 * ```ts
 * const { train, validation } = Dataset.fromImages((await loadMnist()).train).split(0.1, 0);
 * const model = new SequentialModel([28, 28, 1], [new Flatten(), new Linear(784, 10)]);
 * model.compile({ loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] });
 * await model.fit(train, { epochs: 5, validationData: validation, callbacks: [new EarlyStopping({ patience: 2 })] });
 * ```
 *
 * Experiment-only modules (the native engine, hand-written layers, the siamese models) are imported
 * from their own files.
 *
 * @module
 */

// Backend and randomness
export { type BackendChoice, type BackendInfo, initBackend, tf } from "./tf.ts";
export { Rng } from "./random/rng.ts";
export { defaultRng, setSeed } from "./random/default_rng.ts";

// The Keras-style model
export { type EvaluateResult, type ModelFitOptions, SequentialModel } from "./keras/sequential_model.ts";
export type { CompileOptions } from "./keras/compile.ts";
export type { History } from "./keras/history.ts";
export { type ModelSummary, summarize } from "./keras/summary.ts";

// Layers and model state
export { Layer, Module } from "./nn/module.ts";
export { Sequential } from "./nn/sequential.ts";
export { Linear } from "./nn/linear.ts";
export { Conv2d, type Padding } from "./nn/conv2d.ts";
export { AvgPool2d, MaxPool2d } from "./nn/pool.ts";
export { Dropout } from "./nn/dropout.ts";
export { ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from "./nn/activations.ts";
export { Flatten } from "./nn/flatten.ts";
export { BatchNorm } from "./nn/batchnorm.ts";
export { LayerNorm } from "./nn/layernorm.ts";
export { loadState, saveState } from "./nn/state.ts";

// Losses, optimisers, schedules
export { bceWithLogits, countCorrect, countCorrectBinary, crossEntropy, mse } from "./train/losses.ts";
export { Optimizer } from "./train/optimizer.ts";
export { SGD } from "./train/sgd.ts";
export { Adam } from "./train/adam.ts";
export { AdaGrad } from "./train/adagrad.ts";
export { stepLR } from "./train/step_lr.ts";
export { cosineDecay, linearWarmup, warmupCosine } from "./train/schedules.ts";

// The low-level loop and its steps
export {
  autodiffStep,
  type Batch,
  type BatchStats,
  evaluate,
  fit,
  type FitOptions,
  type FitResult,
  type HistoryRow,
  type Metrics,
  type Objective,
  type StepStats,
  type TrainStep,
} from "./train/loop.ts";
export { type CheckpointState, loadCheckpoint, saveCheckpoint, type SavedState } from "./train/checkpoint.ts";

// Callbacks
export type { Callback, FitContext } from "./train/callbacks/callback.ts";
export type { MonitorKey, MonitorOptions } from "./train/callbacks/monitor.ts";
export { EarlyStopping, type EarlyStoppingOptions } from "./train/callbacks/early_stopping.ts";
export { CheckpointBest } from "./train/callbacks/checkpoint_best.ts";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./train/callbacks/reduce_lr_on_plateau.ts";
export { CsvLogger, historyCsv } from "./train/callbacks/csv_logger.ts";
export { LearningRateScheduler } from "./train/callbacks/lr_scheduler.ts";

// Data
export { type DataBatch, Dataset, type FromImagesOptions } from "./data/dataset.ts";
export { type ImageSet, loadFashionMnist, loadMnist, type TrainTest } from "./data/mnist.ts";
export { type Cifar10, type ColorImageSet, loadCifar10 } from "./data/cifar10.ts";
export { CLASS_NAMES } from "./data/image_dataset.ts";

// Metrics
export { accuracy, confusionMatrix, matrixAccuracy } from "./metrics/confusion_matrix.ts";
export { type Averages, averageScores, type ClassScores, perClassScores } from "./metrics/per_class.ts";
export { classificationReport } from "./metrics/classification_report.ts";
export { predictedClasses, topKAccuracy } from "./metrics/top_k.ts";

// Adversarial examples (for custom training steps)
export { fgsm } from "./attacks/fgsm.ts";
export { pgd, type PgdOptions } from "./attacks/pgd.ts";
export { type LinfThreat, linfThreat, UNIT_PIXELS } from "./attacks/threat_model.ts";

// Results, figures, command line
export { writeFileAtomic, writeJsonAtomic } from "./report/atomic.ts";
export { environment, makeResult, type RunResult, writeResult } from "./report/results.ts";
export { confusionMatrixFigure, heatmap, historyCurves, learningCurves, lineChart } from "./report/figures.ts";
export { toCsv } from "./report/csv.ts";
export { writeRunTables, writeSummaryTable } from "./report/tables.ts";
export { writeReportPage } from "./report/page.ts";
export { cli, commonFlags, flag } from "./cli/args.ts";
