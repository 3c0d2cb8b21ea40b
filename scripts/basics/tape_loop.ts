import { DeviceSums } from "../../lib/train/device_sums.ts";
/**
 * The low-level training loop, written out as the seed's TensorFlow cells are: for each minibatch
 * of training rows, the gradient of the loss with respect to the model's variables from the tape
 * (tf.variableGrads) and one optimiser step (lib/train). After the epoch the validation rows are
 * only evaluated.
 *
 * The seed's cells (a) also took optimiser steps on its validation minibatches, so its
 * "val_acc = 1.0" was measured on data it had just trained on, and (b) drew every training minibatch
 * independently with np.random.choice while its progress bar counted samples. Here an epoch is one
 * pass over a fresh permutation of the training rows, and the bar counts steps.
 */
import { tf } from "../../lib/tf.ts";
import type { Optimizer } from "../../lib/train/optimizer.ts";
import { evaluate, type Objective } from "../../lib/train/loop.ts";
import { minibatches, shuffledBatches } from "../../lib/data/batches.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { Progress } from "../../lib/report/progress.ts";
import { type EpochLogs, formatLogs, type History, makeHistory } from "../../lib/keras/history.ts";
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
  const rows: EpochLogs[] = [];
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
    const logs: EpochLogs = { epoch: epoch + 1, seconds: 0, loss: train.loss };
    if (opts.task.correct) logs.accuracy = train.accuracy;
    if (opts.validationRows.length > 0) {
      const validation = await evaluateRows(opts.model, opts.task, opts.x, opts.y, opts.validationRows, opts.batchSize);
      logs.val_loss = validation.loss;
      if (opts.task.correct) logs.val_accuracy = validation.accuracy;
    }
    logs.seconds = (performance.now() - started) / 1000;
    rows.push(logs);
    bar.finish(formatLogs(logs));
    if (!Number.isFinite(logs.loss)) {
      return makeHistory(rows, `training loss became ${logs.loss} in epoch ${epoch + 1}: lower the learning rate`);
    }
  }
  return makeHistory(rows, null);
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
): Promise<{ loss: number; accuracy: number }> {
  const objective: Objective<Int32Array> = (batchRows) => {
    const index = tf.tensor1d(batchRows, "int32");
    const outputs = model.forward(tf.gather(x, index)), targets = tf.gather(y, index);
    return { loss: task.loss(outputs, targets), correct: task.correct ? task.correct(outputs, targets) : tf.scalar(0) };
  };
  return evaluate(objective, minibatches(rows, batchSize).map((data) => ({ data, size: data.length })));
}
