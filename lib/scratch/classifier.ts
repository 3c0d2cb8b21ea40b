/**
 * The seed's Scratch2dCNNClassifier: a scratch network ending in logits, trained with fused softmax
 * cross-entropy and a scratch optimiser, with fit (per-epoch train loss/accuracy and validation
 * loss/accuracy), predict, predictProba and accuracy.
 *
 * Training goes through lib/train's one epoch loop (`fit`): only the step differs from autodiff —
 * forward → loss → backward by hand → optimiser step — so epochs, metrics, progress and the NaN
 * stop are the loop's, and held-out sets are scored by its `evaluate`.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { allRows, minibatches, shuffledBatches } from "../data/batches.ts";
import { countCorrect } from "../train/losses.ts";
import {
  type Batch,
  evaluate,
  fit,
  type FitResult,
  type Metrics,
  type Objective,
  type TrainStep,
} from "../train/loop.ts";
import type { ScratchLayer } from "./layer.ts";
import type { ScratchSequential } from "./sequential.ts";
import { SoftmaxCrossEntropy } from "./softmax_cross_entropy.ts";

/** Anything that updates layers' params from their grads (ScratchAdaGrad, ScratchSGD). */
export interface ScratchOptimizer {
  lr: number;
  step(layers: ScratchLayer[]): void;
}

/** Images [n, h, w, c] float32 and integer labels [n], on the device. */
export interface LabelledImages {
  imagesNHWC: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/** Rows of one labelled set: the loop's batch, so training and held-out batches name their own set. */
export interface SetRows {
  set: LabelledImages;
  rows: Int32Array;
}

export interface ScratchFitOptions {
  epochs: number;
  batchSize: number;
  /** Shuffles the training set every epoch. */
  rng: Rng;
  validation?: LabelledImages;
  /** Progress-bar label. */
  label?: string;
  silent?: boolean;
}

/** Rows of a labelled set, gathered into tensors inside the caller's tidy. */
export function gatherBatch(set: LabelledImages, rows: Int32Array): LabelledImages {
  if (rows.length === set.labels.shape[0] && rows.every((r, i) => r === i)) return set;
  const idx = tf.tensor1d(rows, "int32");
  return { imagesNHWC: tf.gather(set.imagesNHWC, idx), labels: tf.gather(set.labels, idx) };
}

/** Row lists of `set` as the loop's batches. */
export function setBatches(set: LabelledImages, rowLists: Int32Array[]): Batch<SetRows>[] {
  return rowLists.map((rows) => ({ data: { set, rows }, size: rows.length }));
}

/** Consecutive, unshuffled batches of all of `set`, for evaluation. */
export function inOrder(set: LabelledImages, batchSize: number): Batch<SetRows>[] {
  return setBatches(set, minibatches(allRows(set.labels.shape[0]), batchSize));
}

export class ScratchClassifier {
  readonly loss = new SoftmaxCrossEntropy();

  constructor(
    readonly network: ScratchSequential,
    readonly optimizer: ScratchOptimizer,
    readonly evalBatchSize = 500,
  ) {}

  /** Trains on `train` through lib/train's `fit`, scoring `validation` after every epoch. */
  fit(train: LabelledImages, opts: ScratchFitOptions): Promise<FitResult> {
    const n = train.labels.shape[0];
    const validation = opts.validation;
    return fit({
      step: this.trainStep(),
      epochs: opts.epochs,
      trainBatches: () => setBatches(train, shuffledBatches(n, opts.batchSize, opts.rng)),
      validationBatches: validation ? () => inOrder(validation, this.evalBatchSize) : undefined,
      label: opts.label ?? "scratch",
      silent: opts.silent,
    });
  }

  /**
   * The loop's step for this network: forward → fused softmax cross-entropy → hand-written
   * backward → optimiser step. Only the new parameters (kept by the optimiser) survive fit's tidy;
   * the loss and correct count go to its device sums.
   */
  trainStep(): TrainStep<SetRows> {
    const optimizer = this.optimizer;
    return {
      get lr() {
        return optimizer.lr;
      },
      set lr(value: number) {
        optimizer.lr = value;
      },
      train: ({ set, rows }) => {
        const batch = gatherBatch(set, rows);
        const logits = this.network.forward(batch.imagesNHWC, true);
        const loss = this.loss.forward(logits, batch.labels);
        this.network.backward(this.loss.backward(), false);
        optimizer.step(this.network.layers);
        return { loss, correct: countCorrect(logits, batch.labels) };
      },
      evaluate: (batches) => evaluate(this.objective, batches),
    };
  }

  /** Mean loss and correct count of a batch of rows, the objective lib/train's `evaluate` needs. */
  readonly objective: Objective<SetRows> = ({ set, rows }, training) => {
    const batch = gatherBatch(set, rows);
    const logits = this.network.forward(batch.imagesNHWC, training);
    return { loss: this.loss.forward(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
  };

  /** Mean loss and accuracy over a set, in batches of evalBatchSize. */
  evaluate(set: LabelledImages): Promise<Metrics> {
    return evaluate(this.objective, inOrder(set, this.evalBatchSize));
  }

  async accuracy(set: LabelledImages): Promise<number> {
    return (await this.evaluate(set)).accuracy;
  }

  /** Class probabilities [n, classes] (the caller disposes them). */
  predictProba(imagesNHWC: tf.Tensor4D): tf.Tensor2D {
    const parts = minibatches(allRows(imagesNHWC.shape[0]), this.evalBatchSize).map((rows) =>
      tf.tidy(() => {
        const x = tf.slice(imagesNHWC, [rows[0], 0, 0, 0], [rows.length, -1, -1, -1]);
        return SoftmaxCrossEntropy.probabilities(this.network.forward(x, false));
      })
    );
    if (parts.length === 1) return parts[0];
    const all = tf.concat(parts, 0);
    tf.dispose(parts);
    return all;
  }

  /** Most probable class of each image. */
  async predict(imagesNHWC: tf.Tensor4D): Promise<Int32Array> {
    const probabilities = this.predictProba(imagesNHWC);
    const classes = tf.argMax(probabilities, 1);
    const out = new Int32Array(await classes.data());
    tf.dispose([probabilities, classes]);
    return out;
  }
}
