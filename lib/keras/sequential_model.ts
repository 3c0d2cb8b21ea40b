/**
 * A Keras-style sequential model over lib/nn layers:
 *
 *   const model = new SequentialModel([784], [new Linear(784, 10, rng)]);
 *   model.compile({ loss: "categoricalCrossentropy", optimizer: "sgd", metrics: ["accuracy"] });
 *   model.summary();
 *   const history = await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 128, validationSplit: 0.2 });
 *
 * `fit` is the project's one training loop (lib/train/loop.ts) with Keras' semantics around it: the
 * validation rows are the last `validationSplit` of the data, taken before any shuffling and never
 * trained on (the loop only evaluates its validation batches); the training rows are reshuffled
 * every epoch from a seeded Rng; the per-epoch metrics come back under Keras' keys in
 * `history.history` and as the loop's rows in `history.rows`.
 */
import { tf } from "../tf.ts";
import type { Layer } from "../nn/module.ts";
import { Sequential } from "../nn/sequential.ts";
import { readState } from "../nn/state.ts";
import type { Optimizer } from "../train/optimizer.ts";
import { type Batch, evaluate as evaluateBatches, fit as fitLoop, type Objective } from "../train/loop.ts";
import { minibatches, shuffledBatches, trainValidationSplit } from "../data/batches.ts";
import { Rng } from "../random/rng.ts";
import { Progress } from "../report/progress.ts";
import { type CompileOptions, type LossFn, makeOptimizer, resolveLoss, resolveMetrics } from "./compile.ts";
import { countCorrectClasses } from "./accuracy.ts";
import { epochLogs, fitRow, formatLogs, type History, makeHistory } from "./history.ts";
import { type ModelSummary, summarize } from "./summary.ts";

export interface ModelFitOptions {
  /** Default 1, as Keras. */
  epochs?: number;
  /** Default 32, as Keras. */
  batchSize?: number;
  /** Fraction of rows held out for validation, taken from the end before shuffling (Keras). */
  validationSplit?: number;
  /** Reshuffle the training rows every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling order (default 0); ignored when `shuffleRng` is given. */
  seed?: number | string;
  /** The stream the shuffling order is drawn from. */
  shuffleRng?: Rng;
  /** 0: silent; 1: the "Train on …" line and a progress bar per epoch (default). */
  verbose?: 0 | 1;
  /** Prefix of the progress label. */
  label?: string;
}

export interface EvaluateResult {
  loss: number;
  accuracy?: number;
}

export interface NamedWeights {
  name: string;
  shape: number[];
  values: Float32Array;
}

interface Compiled {
  loss: LossFn;
  optimizer: Optimizer;
  withAccuracy: boolean;
}

/**
 * A minibatch for the loop: row indices into the model's x and y, and for training steps those rows
 * already gathered. Training batches are gathered per epoch outside the gradient tape: recorded
 * inside it, tf.gather saves its input for the backward pass, and wasm's Identity kernel copies it,
 * i.e. the whole dataset once per step, a cost that grows with the dataset rather than the batch.
 * Evaluation runs untaped and gathers inside the objective.
 */
interface RowBatch {
  rows: Int32Array;
  gathered?: { x: tf.Tensor; y: tf.Tensor };
}

export class SequentialModel {
  readonly #layers: Layer[] = [];
  #net: Sequential | null = null;
  #compiled: Compiled | null = null;

  /** `inputShape` excludes the batch dimension, as Keras' `input_shape`. */
  constructor(readonly inputShape: number[], layers: Layer[] = []) {
    for (const layer of layers) this.add(layer);
  }

  add(layer: Layer): this {
    if (this.#net) throw new Error("add() after compile(): build the model first, then compile it");
    this.#layers.push(layer);
    return this;
  }

  get layers(): readonly Layer[] {
    return this.#layers;
  }

  /** The lib/nn module holding the layers (created by the first use). */
  get net(): Sequential {
    this.#net ??= new Sequential(...this.#layers);
    return this.#net;
  }

  compile(options: CompileOptions): void {
    this.#compiled?.optimizer.dispose();
    this.#compiled = {
      loss: resolveLoss(options.loss),
      optimizer: makeOptimizer(options, this.net.parameters()),
      withAccuracy: resolveMetrics(options.metrics).includes("accuracy"),
    };
  }

  async fit(x: tf.Tensor, y: tf.Tensor, options: ModelFitOptions = {}): Promise<History> {
    const compiled = this.#requireCompiled("fit");
    const { epochs = 1, batchSize = 32, validationSplit = 0, shuffle = true, seed = 0, verbose = 1 } = options;
    const n = checkedRows(x, y);
    const { train, validation } = trainValidationSplit(n, validationSplit);
    if (train.length === 0) throw new Error(`validationSplit ${validationSplit} leaves no training rows out of ${n}`);
    if (verbose) console.log(`Train on ${train.length} samples, validate on ${validation.length} samples`);
    const order = options.shuffleRng ?? Rng.derive(seed, "keras-fit-shuffle");
    let bar: Progress | null = null;
    let epochTensors: tf.Tensor[] = [];
    try {
      const result = await fitLoop<RowBatch>({
        params: this.net.parameters(),
        objective: this.#objective(x, y, compiled, () => bar?.tick()),
        optimizer: compiled.optimizer,
        epochs,
        trainBatches: (epoch) => {
          tf.dispose(epochTensors);
          const positions = shuffle
            ? shuffledBatches(train.length, batchSize, order)
            : minibatches(identity(train.length), batchSize);
          const label = `${options.label ? options.label + " " : ""}Epoch ${epoch + 1}/${epochs}`;
          bar = new Progress(label, positions.length, { unit: "step", silent: verbose === 0 });
          const batches = positions.map((p) => gatheredBatch(x, y, Int32Array.from(p, (i) => train[i])));
          epochTensors = batches.flatMap((b) => [b.data.gathered!.x, b.data.gathered!.y]);
          return batches;
        },
        validationBatches: validation.length > 0 ? () => minibatches(validation, batchSize).map(rowBatch) : undefined,
        setTraining: (on) => this.net.train(on),
        onEpochEnd: (row) => bar?.finish(formatLogs(epochLogs(fitRow(row, compiled.withAccuracy)))),
        label: options.label,
        silent: true,
      });
      const history = makeHistory(result.history, compiled.withAccuracy, result.stopped);
      if (result.stopped) {
        (bar as Progress | null)?.finish(`${formatLogs(epochLogs(history.rows[history.rows.length - 1]))} (stopped)`);
      }
      return history;
    } finally {
      tf.dispose(epochTensors);
    }
  }

  /** Loss (and accuracy when compiled with it) over all rows, in eval mode. */
  async evaluate(x: tf.Tensor, y: tf.Tensor, options: { batchSize?: number } = {}): Promise<EvaluateResult> {
    const compiled = this.#requireCompiled("evaluate");
    const n = checkedRows(x, y);
    this.net.eval();
    const batches = minibatches(identity(n), options.batchSize ?? 32).map(rowBatch);
    const { loss, accuracy } = await evaluateBatches(this.#objective(x, y, compiled, () => {}), batches);
    return compiled.withAccuracy ? { loss, accuracy } : { loss };
  }

  /** Model outputs (logits for classifiers) for every row of x, in eval mode; the caller disposes them. */
  predict(x: tf.Tensor, options: { batchSize?: number } = {}): tf.Tensor {
    this.net.eval();
    const batches = minibatches(identity(x.shape[0]), options.batchSize ?? 32);
    return tf.tidy(() => tf.concat(batches.map((rows) => this.net.forward(gatherRowsOf(x, rows)))));
  }

  /** Prints the layer table (unless `print` is false) and returns its rows and totals. */
  summary(options: { print?: boolean } = {}): ModelSummary {
    const summary = summarize(this.#layers, this.inputShape);
    if (options.print !== false) console.log(summary.text);
    return summary;
  }

  /** Every weight and buffer with its dotted name ("0.weight", "0.bias", …), read from the device. */
  async getWeights(): Promise<NamedWeights[]> {
    return (await readState(this.net)).map(([name, { shape, data }]) => ({ name, shape, values: data }));
  }

  parameterCount(): number {
    return this.net.parameterCount();
  }

  dispose(): void {
    this.#compiled?.optimizer.dispose();
    this.net.dispose();
  }

  #requireCompiled(what: string): Compiled {
    if (!this.#compiled) {
      throw new Error(`${what}() needs compile() first: model.compile({ loss, optimizer, metrics })`);
    }
    return this.#compiled;
  }

  /** The loop's objective: rows → mean loss and correct count; `onTrainStep` advances the progress bar. */
  #objective(x: tf.Tensor, y: tf.Tensor, compiled: Compiled, onTrainStep: () => void): Objective<RowBatch> {
    return (batch, training) => {
      if (training) onTrainStep();
      const inputs = batch.gathered?.x ?? gatherRowsOf(x, batch.rows);
      const targets = batch.gathered?.y ?? gatherRowsOf(y, batch.rows);
      const outputs = this.net.forward(inputs);
      const correct = compiled.withAccuracy ? countCorrectClasses(outputs, targets) : tf.scalar(0);
      return { loss: compiled.loss(outputs, targets), correct };
    };
  }
}

function checkedRows(x: tf.Tensor, y: tf.Tensor): number {
  if (x.shape[0] !== y.shape[0]) throw new Error(`x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
  return x.shape[0];
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function rowBatch(rows: Int32Array): Batch<RowBatch> {
  return { data: { rows }, size: rows.length };
}

function gatheredBatch(x: tf.Tensor, y: tf.Tensor, rows: Int32Array): Batch<RowBatch> {
  const gathered = tf.tidy(() => ({ x: gatherRowsOf(x, rows), y: gatherRowsOf(y, rows) }));
  return { data: { rows, gathered }, size: rows.length };
}

function gatherRowsOf(t: tf.Tensor, rows: Int32Array): tf.Tensor {
  return tf.gather(t, tf.tensor1d(rows, "int32"));
}
