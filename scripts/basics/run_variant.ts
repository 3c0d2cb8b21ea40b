/**
 * One run of the basics experiment: one model trained in one style on given examples, returned as
 * a results-JSON record. Both styles see the same training/validation rows (Keras' split: the last
 * 20% before shuffling), the same per-epoch batch order (one seeded stream), the same optimiser
 * (plain SGD from lib/train) and, with the "pytorch" initialiser, the same initial weights.
 */
import { tf } from "../../lib/tf.ts";
import type { BackendInfo } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { SGD } from "../../lib/train/sgd.ts";
import { trainValidationSplit } from "../../lib/data/batches.ts";
import { environment, makeResult, type RunResult } from "../../lib/report/results.ts";
import type { FitRow, History } from "../../lib/keras/history.ts";
import type { SummaryRow } from "../../lib/keras/summary.ts";
import { isClassifier, type ModelName, type StyleName } from "./models.ts";
import type { Examples } from "./examples.ts";
import { buildHighLevelModel } from "./high_level_models.ts";
import { buildExplicitModel, disposeExplicitModel, explicitParameterCount } from "./explicit_models.ts";
import { type InitScheme, makeInitializer } from "./initial_values.ts";
import { evaluateRows, fitWithTape } from "./tape_loop.ts";
import { classificationTask, regressionTask } from "./tf_style_losses.ts";

export const EXPERIMENT = "basics";

export interface VariantConfig {
  model: ModelName;
  style: StyleName;
  /** Examples before the validation split. */
  trainSize: number;
  validationSplit: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Initial values of the low-level style (the high-level style always uses lib/nn's). */
  lowInit: InitScheme;
  /** MNIST test images evaluated at the end (0: none). */
  testSize: number;
  /** Std of the noise added to the line's targets (0 in the seed). */
  linregNoise: number;
  seed: number;
  quick: boolean;
}

export interface VariantData {
  train: Examples;
  test: Examples | null;
}

/** The last epoch's metrics (accuracies for classifiers only), the test set's, and what the run learnt. */
export interface VariantFinal {
  parameters: number;
  trainLoss: number;
  trainAccuracy?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Fitted slope and intercept (linear regression). */
  w?: number;
  b?: number;
  trainRows: number;
  validationRows: number;
  stopped: string | null;
  /** The high-level model's summary() rows and totals. */
  summary?: { rows: SummaryRow[]; total: number; trainable: number; nonTrainable: number };
}

export type VariantResult = RunResult<VariantConfig, FitRow, VariantFinal>;

export const NOTES = [
  "Both styles train on the same rows: Keras' validation_split (the last 20% of the examples, before " +
  "shuffling). The seed's low-level cells used a random train_test_split and also took optimiser steps on " +
  "their validation minibatches; here validation rows are only evaluated.",
  "An epoch is one pass over a fresh permutation of the training rows (the seed's low-level cells drew each " +
  "minibatch independently with np.random.choice).",
  "Models output logits and the loss is cross-entropy from logits (Keras: Dense(softmax) + " +
  "categorical_crossentropy; same function, numerically stabler). Keras' default SGD (lr 0.01, no momentum).",
  "Initial weights: PyTorch's default U(±1/√fan_in) (lib/nn), not Keras' Glorot uniform. The low-level " +
  "style draws them in the same order from the same stream (--low-init pytorch) or uses the seed's " +
  "TensorFlow initialisers (--low-init seed).",
  "The seed's low-level linear regression used batch size 10 and its Keras cell 5; both styles use 5 here. " +
  "The seed's low-level MLP used sigmoid and no biases; both styles use the Keras cell's ReLU with biases " +
  "(25,450 parameters).",
  "The seed's data: x = randn(100), y = 0.5x + 1 without noise (--linreg-noise adds some); MNIST pixels / 255.",
];

export async function runVariant(
  config: VariantConfig,
  data: VariantData,
  backend: BackendInfo,
  options: { silent?: boolean } = {},
): Promise<VariantResult> {
  const started = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const outcome = config.style === "high"
    ? await runHighLevel(config, data, options)
    : await runLowLevel(config, data, options);
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) throw new Error(`${config.model}-${config.style} left ${leaked} tensors behind`);
  const last = outcome.history.rows[outcome.history.rows.length - 1];
  const { epoch: _epoch, lr: _lr, seconds: _seconds, ...lastMetrics } = last ?? { trainLoss: NaN };
  return makeResult<VariantConfig, FitRow, VariantFinal>({
    experiment: EXPERIMENT,
    run: `${config.model}-${config.style}`,
    seconds: (performance.now() - started) / 1000,
    config,
    environment: environment(backend),
    history: outcome.history.rows,
    final: { ...lastMetrics, ...outcome.extra, stopped: outcome.history.stopped },
    notes: NOTES,
  });
}

interface Outcome {
  history: History;
  extra: Omit<VariantFinal, "trainLoss" | "stopped">;
}

function split(config: VariantConfig, n: number) {
  return trainValidationSplit(n, config.validationSplit);
}

function progressLabel(config: VariantConfig): string {
  return `${config.model} ${config.style}`;
}

async function runHighLevel(config: VariantConfig, data: VariantData, options: { silent?: boolean }): Promise<Outcome> {
  const classifier = isClassifier(config.model);
  const model = buildHighLevelModel(config.model, Rng.derive(config.seed, config.model, "init"));
  try {
    const { text: _text, ...summary } = model.summary({ print: !options.silent });
    model.compile({
      loss: classifier ? "categoricalCrossentropy" : "meanSquaredError",
      optimizer: "sgd",
      learningRate: config.lr,
      metrics: classifier ? ["accuracy"] : [],
    });
    const history = await model.fit(data.train.x, data.train.y, {
      epochs: config.epochs,
      batchSize: config.batchSize,
      validationSplit: config.validationSplit,
      shuffleRng: Rng.derive(config.seed, config.model, "shuffle"),
      verbose: options.silent ? 0 : 1,
      label: progressLabel(config),
    });
    const { train, validation } = split(config, data.train.n);
    const extra: Outcome["extra"] = {
      parameters: model.parameterCount(),
      trainRows: train.length,
      validationRows: validation.length,
      summary,
    };
    if (data.test) {
      const test = await model.evaluate(data.test.x, data.test.y, { batchSize: 500 });
      extra.testLoss = test.loss;
      if (test.accuracy !== undefined) extra.testAccuracy = test.accuracy;
    }
    if (config.model === "linreg") {
      const [weight, bias] = await model.getWeights();
      extra.w = weight.values[0];
      extra.b = bias.values[0];
    }
    return { history, extra };
  } finally {
    model.dispose();
  }
}

async function runLowLevel(config: VariantConfig, data: VariantData, options: { silent?: boolean }): Promise<Outcome> {
  const task = isClassifier(config.model) ? classificationTask : regressionTask;
  const initializer = makeInitializer(config.lowInit, config.model, Rng.derive(config.seed, config.model, "init"));
  const model = buildExplicitModel(config.model, initializer);
  const optimizer = new SGD(Object.values(model.variables), config.lr);
  try {
    const { train, validation } = split(config, data.train.n);
    if (!options.silent) {
      console.log(
        `${config.model} low-level: ${explicitParameterCount(model).toLocaleString("en-US")} parameters in ${
          Object.keys(model.variables).join(", ")
        }`,
      );
    }
    const history = await fitWithTape({
      model,
      task,
      optimizer,
      x: data.train.x,
      y: data.train.y,
      trainRows: train,
      validationRows: validation,
      epochs: config.epochs,
      batchSize: config.batchSize,
      shuffleRng: Rng.derive(config.seed, config.model, "shuffle"),
      label: progressLabel(config),
      silent: options.silent,
    });
    const extra: Outcome["extra"] = {
      parameters: explicitParameterCount(model),
      trainRows: train.length,
      validationRows: validation.length,
    };
    if (data.test) {
      const allRows = Int32Array.from({ length: data.test.n }, (_, i) => i);
      const test = await evaluateRows(model, task, data.test.x, data.test.y, allRows, 500);
      extra.testLoss = test.loss;
      if (task.correct) extra.testAccuracy = test.accuracy;
    }
    if (config.model === "linreg") {
      extra.w = (await model.variables.W.data())[0];
      extra.b = (await model.variables.b.data())[0];
    }
    return { history, extra };
  } finally {
    optimizer.dispose();
    disposeExplicitModel(model);
  }
}
