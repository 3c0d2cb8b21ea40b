/**
 * The low-level training loop, written out as the seed's TensorFlow cells are: for each minibatch
 * of training rows, the gradient of the loss with respect to the model's variables from the tape
 * (tf.variableGrads) and one optimiser step (lib/train). After the epoch the validation rows are
 * only evaluated. The loop is spelled out here rather than handed to lib/train's `fit` because that
 * contrast with the high-level style is the experiment; its rows are the same HistoryRows `fit`
 * writes, so both styles' results read alike.
 *
 * The seed's cells (a) also took optimiser steps on its validation minibatches, so its
 * "val_acc = 1.0" was measured on data it had just trained on, and (b) drew every training minibatch
 * independently with np.random.choice while its progress bar counted samples. Here an epoch is one
 * pass over a fresh permutation of the training rows, and the bar counts steps.
 */
import { tf } from "../../lib/tf.ts";
import type { Optimizer } from "../../lib/train/optimizer.ts";
import { DeviceSums } from "../../lib/train/device_sums.ts";
import { evaluate, type HistoryRow, type Metrics, type Objective } from "../../lib/train/loop.ts";
import { minibatches, shuffledBatches } from "../../lib/data/batches.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { Progress } from "../../lib/report/progress.ts";
import { epochLogs, fitRow, formatLogs, type History, makeHistory } from "../../lib/keras/history.ts";
import type { ExplicitModel } from "./explicit_models.ts";
import type { TapeTask } from "./tf_style_losses.ts";

export interface TapeFitOptions {
  model: ExplicitModel;
  task: TapeTask;
  optimizer: Optimizer;
  /** All examples; the loop reads only the rows it is given. */
  x: tf.Tensor;
  y: tf.Tensor;
  trainRows: Int32Array;
  /** Evaluated after every epoch, never stepped on. */
  validationRows: Int32Array;
  epochs: number;
  batchSize: number;
  /** Order of the training rows, reshuffled every epoch. */
  shuffleRng: Rng;
  label?: string;
  silent?: boolean;
}

export async function fitWithTape(opts: TapeFitOptions): Promise<History> {
  const rows: HistoryRow[] = [];
  const withAccuracy = opts.task.correct !== undefined;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    const started = performance.now();
    const batches = shuffledBatches(opts.trainRows.length, opts.batchSize, opts.shuffleRng)
      .map((positions) => Int32Array.from(positions, (i) => opts.trainRows[i]));
    const bar = new Progress(`${opts.label ? opts.label + " " : ""}Epoch ${epoch + 1}/${opts.epochs}`, batches.length, {
      unit: "step",
      silent: opts.silent,
    });
    const sums = new DeviceSums();
    for (const batchRows of batches) {
      gradientStep(opts, batchRows, sums);
      bar.tick();
    }
    const train = await sums.readAndDispose();
    const metrics: Omit<HistoryRow, "seconds"> = {
      epoch: epoch + 1,
      lr: opts.optimizer.lr,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
    };
    if (opts.validationRows.length > 0) {
      const validation = await evaluateRows(opts.model, opts.task, opts.x, opts.y, opts.validationRows, opts.batchSize);
      metrics.validationLoss = validation.loss;
      metrics.validationAccuracy = validation.accuracy;
    }
    const row: HistoryRow = { ...metrics, seconds: (performance.now() - started) / 1000 };
    rows.push(row);
    bar.finish(formatLogs(epochLogs(fitRow(row, withAccuracy))));
    const bad = nonFiniteLoss(row);
    if (bad) {
      return makeHistory(rows, withAccuracy, `${bad} in epoch ${epoch + 1}: lower the learning rate`);
    }
  }
  return makeHistory(rows, withAccuracy, null);
}

/** "training loss became NaN" when a loss of the row is not finite (as lib/train's `fit` stops), else null. */
function nonFiniteLoss(row: HistoryRow): string | null {
  if (!Number.isFinite(row.trainLoss)) return `training loss became ${row.trainLoss}`;
  if (row.validationLoss !== undefined && !Number.isFinite(row.validationLoss)) {
    return `validation loss became ${row.validationLoss}`;
  }
  return null;
}

/** One minibatch: loss and gradients from the tape, one optimiser step, sums kept on the device. */
function gradientStep(opts: TapeFitOptions, batchRows: Int32Array, sums: DeviceSums): void {
  tf.tidy(() => {
    const index = tf.tensor1d(batchRows, "int32");
    const xBatch = tf.gather(opts.x, index), yBatch = tf.gather(opts.y, index);
    const variables = Object.values(opts.model.variables);
    let correct: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const outputs = opts.model.forward(xBatch);
      correct = tf.keep(opts.task.correct ? opts.task.correct(outputs, yBatch) : tf.scalar(0));
      return opts.task.loss(outputs, yBatch);
    }, variables);
    opts.optimizer.step(variables.map((v) => grads[v.name]));
    sums.add(value, correct!, batchRows.length);
    correct!.dispose();
  });
}

/** Mean loss and accuracy over `rows` in minibatches (forward passes only). */
export function evaluateRows(
  model: ExplicitModel,
  task: TapeTask,
  x: tf.Tensor,
  y: tf.Tensor,
  rows: Int32Array,
  batchSize: number,
): Promise<Metrics> {
  const objective: Objective<Int32Array> = (batchRows) => {
    const index = tf.tensor1d(batchRows, "int32");
    const outputs = model.forward(tf.gather(x, index)), targets = tf.gather(y, index);
    return { loss: task.loss(outputs, targets), correct: task.correct ? task.correct(outputs, targets) : tf.scalar(0) };
  };
  return evaluate(objective, minibatches(rows, batchSize).map((data) => ({ data, size: data.length })));
}
