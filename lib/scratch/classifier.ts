/**
 * The seed's Scratch2dCNNClassifier: a scratch network ending in logits, trained with fused softmax
 * cross-entropy and a scratch optimiser, with fit (per-epoch train loss/accuracy and validation
 * loss/accuracy), predict, predictProba and accuracy.
 *
 * A training step is forward → loss → backward → optimiser step inside one tf.tidy; only the new
 * parameters (kept by the optimiser) survive it. Losses and correct counts are summed on the device
 * and read once per epoch, as in lib/train/loop.ts, whose `evaluate` scores held-out data here too.
 */
import { DeviceSums } from "../train/device_sums.ts";
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { minibatches, shuffledBatches } from "../data/batches.ts";
import { countCorrect } from "../train/losses.ts";
import { type Batch, evaluate, type Objective } from "../train/loop.ts";
import { Progress } from "../report/progress.ts";
import type { ScratchLayer } from "./layer.ts";
import type { ScratchSequential } from "./sequential.ts";
import { SoftmaxCrossEntropy } from "./softmax_cross_entropy.ts";

/** Anything that updates layers' params from their grads (ScratchAdaGrad, ScratchSGD). */
export interface ScratchOptimizer {
  step(layers: ScratchLayer[]): void;
}

/** Images [n, h, w, c] float32 and integer labels [n], on the device. */
export interface LabelledImages {
  imagesNHWC: tf.Tensor4D;
  labels: tf.Tensor1D;
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

export interface ScratchEpochRow {
  epoch: number;
  /** Mean over the epoch's minibatches (weighted by size) of the loss while training, as the seed. */
  trainLoss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  seconds: number;
}

export interface ScratchFitResult {
  history: ScratchEpochRow[];
  /** Why training stopped early (a non-finite loss), or null. */
  stopped: string | null;
}

/** Rows of a labelled set, gathered into tensors inside the caller's tidy. */
export function gatherBatch(set: LabelledImages, rows: Int32Array): LabelledImages {
  if (rows.length === set.labels.shape[0] && rows.every((r, i) => r === i)) return set;
  const idx = tf.tensor1d(rows, "int32");
  return { imagesNHWC: tf.gather(set.imagesNHWC, idx), labels: tf.gather(set.labels, idx) };
}

/** Consecutive, unshuffled batches of rows 0..n−1, for evaluation. */
export function inOrder(n: number, batchSize: number): Batch<Int32Array>[] {
  return minibatches(Int32Array.from({ length: n }, (_, i) => i), batchSize).map((rows) => ({
    data: rows,
    size: rows.length,
  }));
}

export class ScratchClassifier {
  readonly loss = new SoftmaxCrossEntropy();

  constructor(
    readonly network: ScratchSequential,
    readonly optimizer: ScratchOptimizer,
    readonly evalBatchSize = 500,
  ) {}

  async fit(train: LabelledImages, opts: ScratchFitOptions): Promise<ScratchFitResult> {
    const history: ScratchEpochRow[] = [];
    const n = train.labels.shape[0];
    for (let epoch = 0; epoch < opts.epochs; epoch++) {
      const started = performance.now();
      const batches = shuffledBatches(n, opts.batchSize, opts.rng);
      const label = `${opts.label ?? "scratch"} epoch ${epoch + 1}/${opts.epochs}`;
      const bar = new Progress(label, batches.length, { unit: "step", silent: opts.silent });
      const sums = new DeviceSums();
      for (const rows of batches) {
        tf.tidy(() => this.#trainStep(gatherBatch(train, rows), sums));
        bar.tick();
      }
      const { loss, accuracy } = await sums.readAndDispose();
      let row: ScratchEpochRow = { epoch: epoch + 1, trainLoss: loss, trainAccuracy: accuracy, seconds: 0 };
      if (opts.validation) {
        const v = await this.evaluate(opts.validation);
        row = { ...row, validationLoss: v.loss, validationAccuracy: v.accuracy };
      }
      row.seconds = (performance.now() - started) / 1000;
      bar.finish(formatScratchRow(row));
      history.push(row);
      if (!Number.isFinite(row.trainLoss)) {
        return {
          history,
          stopped: `training loss became ${row.trainLoss} in epoch ${row.epoch}: lower the learning rate`,
        };
      }
    }
    return { history, stopped: null };
  }

  #trainStep(batch: LabelledImages, sums: DeviceSums): void {
    const logits = this.network.forward(batch.imagesNHWC, true);
    const loss = this.loss.forward(logits, batch.labels);
    this.network.backward(this.loss.backward());
    this.optimizer.step(this.network.layers);
    sums.add(loss as tf.Scalar, countCorrect(logits, batch.labels) as tf.Scalar, batch.labels.shape[0]);
  }

  /** The objective lib/train's `evaluate` needs: mean loss and correct count of a batch of rows. */
  objective(set: LabelledImages): Objective<Int32Array> {
    return (rows) => {
      const batch = gatherBatch(set, rows);
      const logits = this.network.forward(batch.imagesNHWC, false);
      return { loss: this.loss.forward(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
    };
  }

  /** Mean loss and accuracy over a set, in batches of evalBatchSize. */
  evaluate(set: LabelledImages): Promise<{ loss: number; accuracy: number }> {
    return evaluate(this.objective(set), inOrder(set.labels.shape[0], this.evalBatchSize));
  }

  async accuracy(set: LabelledImages): Promise<number> {
    return (await this.evaluate(set)).accuracy;
  }

  /** Class probabilities [n, classes] (the caller disposes them). */
  predictProba(imagesNHWC: tf.Tensor4D): tf.Tensor2D {
    const parts = inOrder(imagesNHWC.shape[0], this.evalBatchSize).map(({ data: rows }) =>
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

export function formatScratchRow(r: ScratchEpochRow): string {
  const v = r.validationLoss !== undefined
    ? ` val loss ${r.validationLoss.toFixed(4)} acc ${r.validationAccuracy!.toFixed(4)}`
    : "";
  return `train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAccuracy.toFixed(4)}${v}`;
}
