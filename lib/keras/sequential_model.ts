/**
 * A Keras-style sequential model over lib/nn layers:
 *
 *   const model = new SequentialModel([784], [new Linear(784, 10)]);
 *   model.compile({ loss: "categoricalCrossentropy", optimizer: "sgd", metrics: ["accuracy"] });
 *   model.summary();
 *   const history = await model.fit(xTrain, yTrain, { epochs: 10, batchSize: 128, validationSplit: 0.2 });
 *   const history = await model.fit(train, { validationData, callbacks: [new EarlyStopping({ patience: 2 })] });
 *
 * `fit` is the project's one training loop (lib/train/loop.ts) with Keras' semantics around it: the
 * validation rows are the last `validationSplit` of the data, taken before any shuffling and never
 * trained on (the loop only evaluates its validation batches), or a separate `validationData`; the
 * training rows are reshuffled every epoch from a seeded Rng; the per-epoch metrics come back under
 * Keras' keys in `history.history` and as the loop's rows in `history.rows`. Data is a lib/data
 * Dataset, or x and y tensors (then a Dataset of their rows); callbacks are lib/train's, run by the
 * loop itself. `save` / `load` write and read the weights as safetensors.
 */
import { tf } from "../tf.ts";
import type { Layer } from "../nn/module.ts";
import { Sequential } from "../nn/sequential.ts";
import { loadState, readState, saveState } from "../nn/state.ts";
import type { Optimizer } from "../train/optimizer.ts";
import { evaluate as evaluateBatches, fit as fitLoop, type HistoryRow, type Objective } from "../train/loop.ts";
import type { Callback } from "../train/callbacks/callback.ts";
import { type DataBatch, Dataset } from "../data/dataset.ts";
import { Rng } from "../random/rng.ts";
import { Progress } from "../report/progress.ts";
import { predictedClasses } from "../metrics/top_k.ts";
import { type CompileOptions, type LossFn, makeOptimizer, resolveLoss, resolveMetrics } from "./compile.ts";
import { countCorrectClasses } from "./accuracy.ts";
import { epochLogs, fitRow, formatLogs, type History, makeHistory } from "./history.ts";
import { type ModelSummary, summarize } from "./summary.ts";

/** Options of SequentialModel.fit (Keras' names, camel-cased), plus callbacks. */
export interface ModelFitOptions {
  /** Default 1, as Keras. */
  epochs?: number;
  /** Default 32, as Keras. */
  batchSize?: number;
  /** Fraction of rows held out for validation, taken from the end before shuffling (Keras). */
  validationSplit?: number;
  /** Held-out rows scored after every epoch; overrides `validationSplit` (Keras' validation_data). */
  validationData?: Dataset;
  /** Reshuffle the training rows every epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffling order (default 0); ignored when `shuffleRng` is given. */
  seed?: number | string;
  /** The stream the shuffling order is drawn from. */
  shuffleRng?: Rng;
  /** Early stopping, checkpoint-best, reduce-on-plateau, CSV logging, schedules (lib/train/callbacks). */
  callbacks?: Callback[];
  /** 0: silent; 1: the "Train on …" line and a progress bar per epoch (default). */
  verbose?: 0 | 1;
  /** Prefix of the progress label. */
  label?: string;
}

/** What `evaluate` returns: the mean loss, and the accuracy when compiled with it. */
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

/** A Keras-style model: compile / fit / evaluate / predict / summary / save / load over lib/nn layers. */
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

  /** Trains on a Dataset (or x and y tensors) with Keras' semantics; returns Keras' History. */
  fit(data: Dataset, options?: ModelFitOptions): Promise<History>;
  fit(x: tf.Tensor, y: tf.Tensor, options?: ModelFitOptions): Promise<History>;
  async fit(a: Dataset | tf.Tensor, b?: tf.Tensor | ModelFitOptions, c?: ModelFitOptions): Promise<History> {
    const compiled = this.#requireCompiled("fit");
    const [data, options] = asDataset(a, b, c);
    const { epochs = 1, batchSize = 32, validationSplit = 0, shuffle = true, seed = 0, verbose = 1 } = options;
    // Views (not the caller's dataset), so disposing them below frees only their batches.
    const { train, validation } = options.validationData
      ? { train: data.take(data.size), validation: options.validationData.take(options.validationData.size) }
      : data.split(validationSplit);
    if (train.size === 0) {
      throw new Error(`validationSplit ${validationSplit} leaves no training rows out of ${data.size}`);
    }
    if (verbose) console.log(`Train on ${train.size} samples, validate on ${validation.size} samples`);
    const order = options.shuffleRng ?? Rng.derive(seed, "keras-fit-shuffle");
    const progress = new EpochProgress(train.batchCount(batchSize), epochs, compiled.withAccuracy, options, verbose);
    try {
      const result = await fitLoop<DataBatch>({
        params: this.net.parameters(),
        objective: this.#objective(compiled),
        optimizer: compiled.optimizer,
        module: this.net,
        epochs,
        trainBatches: () => train.batches(batchSize, shuffle ? order : undefined),
        validationBatches: validation.size > 0 ? () => validation.batches(batchSize) : undefined,
        setTraining: (on) => this.net.train(on),
        callbacks: [progress, ...(options.callbacks ?? [])],
        label: options.label,
        silent: true,
      });
      const history = makeHistory(result.history, compiled.withAccuracy, result.stopped, result.seconds);
      progress.end(history);
      return history;
    } finally {
      train.dispose();
      validation.dispose();
    }
  }

  /** Loss (and accuracy when compiled with it) over all rows, in eval mode. */
  evaluate(data: Dataset, options?: { batchSize?: number }): Promise<EvaluateResult>;
  evaluate(x: tf.Tensor, y: tf.Tensor, options?: { batchSize?: number }): Promise<EvaluateResult>;
  async evaluate(
    a: Dataset | tf.Tensor,
    b?: tf.Tensor | { batchSize?: number },
    c?: { batchSize?: number },
  ): Promise<EvaluateResult> {
    const compiled = this.#requireCompiled("evaluate");
    const [data, options] = asDataset(a, b, c);
    const view = data.take(data.size);
    this.net.eval();
    try {
      const batches = view.batches(options.batchSize ?? 32);
      const { loss, accuracy } = await evaluateBatches(this.#objective(compiled), batches);
      return compiled.withAccuracy ? { loss, accuracy } : { loss };
    } finally {
      view.dispose();
    }
  }

  /** Model outputs (logits for classifiers) for every row, in eval mode; the caller disposes them. */
  predict(data: tf.Tensor | Dataset, options: { batchSize?: number } = {}): tf.Tensor {
    this.net.eval();
    const view = data instanceof Dataset ? data.take(data.size) : Dataset.fromTensors(data, data);
    try {
      return tf.tidy(() => tf.concat(view.batches(options.batchSize ?? 32).map((b) => this.net.forward(b.data.x))));
    } finally {
      view.dispose();
    }
  }

  /** The arg-max class of every row, on the host (for confusionMatrix and classificationReport). */
  async predictClasses(data: tf.Tensor | Dataset, options: { batchSize?: number } = {}): Promise<Int32Array> {
    const outputs = this.predict(data, options);
    try {
      return await predictedClasses(outputs);
    } finally {
      outputs.dispose();
    }
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

  /** Writes every weight and buffer to a safetensors file (lib/nn/state.ts), the layers named in its metadata. */
  async save(path: string): Promise<void> {
    const layers = this.#layers.map(String).join(", ");
    await saveState(this.net, path, { format: "tsdl-sequential-model", inputShape: `${this.inputShape}`, layers });
  }

  /** Loads weights written by `save` into this model; its layers must be the same (names and shapes are checked). */
  async load(path: string): Promise<this> {
    await loadState(this.net, path);
    return this;
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

  /** The loop's objective: a batch → mean loss and correct count. */
  #objective(compiled: Compiled): Objective<DataBatch> {
    return ({ x, y }) => {
      const outputs = this.net.forward(x);
      const correct = compiled.withAccuracy ? countCorrectClasses(outputs, y) : tf.scalar(0);
      return { loss: compiled.loss(outputs, y), correct };
    };
  }
}

/** fit/evaluate's two call forms, (data, options) and (x, y, options), as (data, options). */
function asDataset<O>(a: Dataset | tf.Tensor, b?: tf.Tensor | O, c?: O): [Dataset, O] {
  if (a instanceof Dataset) return [a, (b ?? {}) as O];
  if (!(b instanceof tf.Tensor)) throw new Error("fit/evaluate(x, y): y must be a tensor with one row per row of x");
  return [Dataset.fromTensors(a, b), (c ?? {}) as O];
}

/** Keras' per-epoch progress bar and end-of-epoch line, as a callback of the loop. */
class EpochProgress implements Callback {
  #bar: Progress | null = null;
  #finished = 0;

  constructor(
    readonly batches: number,
    readonly epochs: number,
    readonly withAccuracy: boolean,
    readonly options: ModelFitOptions,
    readonly verbose: 0 | 1,
  ) {}

  onEpochBegin(epoch: number): void {
    const label = `${this.options.label ? this.options.label + " " : ""}Epoch ${epoch + 1}/${this.epochs}`;
    this.#bar = new Progress(label, this.batches, { unit: "step", silent: this.verbose === 0 });
  }

  onBatchEnd(): void {
    this.#bar?.tick();
  }

  onEpochEnd(row: HistoryRow): void {
    this.#finished += 1;
    this.#bar?.finish(formatLogs(epochLogs(fitRow(row, this.withAccuracy))));
  }

  /** A non-finite loss ends an epoch without onEpochEnd: finish its bar; print why training stopped. */
  end(history: History): void {
    if (!history.stopped) return;
    if (this.#finished < history.rows.length) {
      this.#bar?.finish(`${formatLogs(epochLogs(history.rows.at(-1)!))} (stopped)`);
    }
    if (this.verbose) console.log(history.stopped);
  }
}
