/**
 * Training of the hand-written MLP (UvA practical 1, Question 1.2) by mini-batch SGD, step by step
 * with an evaluation on the whole test set every `evalFreq` steps, mirroring lib/train/loop.ts's
 * fit for a model that has no tape: each step is forward → loss → loss backward → the modules'
 * backward in reverse → SGD, all inside one tf.tidy, so the caches and gradients of the step are
 * freed with it and only the updated parameters survive. Loss and accuracy sums stay on the device
 * until the period ends (one read per evaluation). Evaluation reuses lib/train's `evaluate`.
 */
import { tf } from "../../lib/tf.ts";
import type { ScratchSequential } from "../../lib/scratch/sequential.ts";
import type { ScratchSGD } from "../../lib/scratch/sgd.ts";
import { oneHotTargets, ScratchCrossEntropy } from "../../lib/scratch/cross_entropy.ts";
import { countCorrect } from "../../lib/train/losses.ts";
import { evaluate, type Objective } from "../../lib/train/loop.ts";
import { Progress } from "../../lib/report/progress.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { evaluationChunks, imageBatch, type ImageFeatures } from "./inputs.ts";
import { evaluationPeriods, StepBatches } from "./step_batches.ts";
import { formatStepRow, type StepRow, type StepTrainingResult } from "./step_history.ts";
import type { ImageRows } from "./step_training.ts";

export interface ScratchTrainingOptions {
  model: ScratchSequential;
  optimizer: ScratchSGD;
  classes: number;
  train: ImageFeatures;
  test: ImageFeatures;
  maxSteps: number;
  evalFreq: number;
  batchSize: number;
  rng: Rng;
  silent?: boolean;
}

/** Flattened images [n, h·w·c] and one-hot targets of some rows. */
function flatBatch(set: ImageFeatures, rows: Int32Array, classes: number) {
  const { imagesNHWC, labels } = imageBatch(set, rows);
  return { x: tf.reshape(imagesNHWC, [rows.length, -1]), labels, targets: oneHotTargets(labels, classes) };
}

/** Loss and correct count of the model in inference mode, for lib/train's evaluate. */
export function scratchObjective(model: ScratchSequential, classes: number): Objective<ImageRows> {
  const loss = new ScratchCrossEntropy();
  return ({ set, rows }) => {
    const { x, labels, targets } = flatBatch(set, rows, classes);
    const probabilities = model.forward(x, false);
    return { loss: loss.forward(probabilities, targets), correct: countCorrect(probabilities, labels) };
  };
}

/** One SGD step; returns [loss·n, correct] kept for the period's sums. */
function trainStep(opts: ScratchTrainingOptions, loss: ScratchCrossEntropy, rows: Int32Array): tf.Tensor1D {
  return tf.tidy(() => {
    const { x, labels, targets } = flatBatch(opts.train, rows, opts.classes);
    const probabilities = opts.model.forward(x, true);
    const meanLoss = loss.forward(probabilities, targets);
    opts.model.backward(loss.backward(probabilities, targets));
    opts.optimizer.step(opts.model.layers);
    return tf.keep(tf.stack([tf.mul(meanLoss, rows.length), countCorrect(probabilities, labels)]) as tf.Tensor1D);
  });
}

async function sumAndDispose(parts: tf.Tensor1D[]): Promise<[number, number]> {
  const total = tf.tidy(() => tf.addN(parts));
  const [lossSum, correct] = await total.data();
  tf.dispose([total, ...parts]);
  return [lossSum, correct];
}

export async function trainScratchMLP(opts: ScratchTrainingOptions): Promise<StepTrainingResult> {
  const loss = new ScratchCrossEntropy();
  const sampler = new StepBatches(opts.train.n, opts.batchSize, opts.rng);
  const testChunks = evaluationChunks(opts.test.n, 1000);
  const objective = scratchObjective(opts.model, opts.classes);
  const history: StepRow[] = [];
  let step = 0;
  const periods = evaluationPeriods(opts.maxSteps, opts.evalFreq);
  for (const [p, stepsInPeriod] of periods.entries()) {
    const started = performance.now();
    const bar = new Progress(`scratch MLP period ${p + 1}/${periods.length}`, stepsInPeriod, {
      unit: "step",
      silent: opts.silent,
    });
    const parts = sampler.take(stepsInPeriod).map((rows) => {
      const part = trainStep(opts, loss, rows);
      bar.tick();
      return part;
    });
    const [lossSum, correct] = await sumAndDispose(parts);
    step += stepsInPeriod;
    const seen = stepsInPeriod * opts.batchSize;
    const test = await evaluate(
      objective,
      testChunks.map((rows) => ({ data: { set: opts.test, rows }, size: rows.length })),
    );
    const row: StepRow = {
      step,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds: (performance.now() - started) / 1000,
    };
    bar.finish(formatStepRow(row));
    history.push(row);
    if (!Number.isFinite(row.trainLoss)) {
      return { history, stopped: `training loss became ${row.trainLoss} at step ${step}: lower --learning-rate` };
    }
  }
  return { history, stopped: null };
}
