/**
 * Step-counted training of an autodiff classifier (lib/nn) on the shared loop, lib/train/loop.ts:
 * each of fit's "epochs" is one evaluation period of `evalFreq` steps drawn by StepBatches, and
 * the test set is evaluated (in eval mode, in chunks) after every period. Loss: cross-entropy on
 * the logits, i.e. Softmax + the handout's cross-entropy fused for numerical stability.
 */
import type { Layer } from "../../lib/nn/module.ts";
import type { Optimizer } from "../../lib/train/optimizer.ts";
import { countCorrect, crossEntropy } from "../../lib/train/losses.ts";
import { evaluate, fit, type Objective } from "../../lib/train/loop.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { evaluationChunks, imageBatch, type ImageFeatures } from "./inputs.ts";
import { evaluationPeriods, StepBatches } from "./step_batches.ts";
import type { StepRow, StepTrainingResult } from "./step_history.ts";

export interface ImageRows {
  set: ImageFeatures;
  rows: Int32Array;
}

/** Mean cross-entropy and correct count of `model` on a batch of images (NHWC in, logits out). */
export function classifierObjective(model: Layer): Objective<ImageRows> {
  return ({ set, rows }) => {
    const { imagesNHWC, labels } = imageBatch(set, rows);
    const logits = model.forward(imagesNHWC);
    return { loss: crossEntropy(logits, labels), correct: countCorrect(logits, labels) };
  };
}

export interface StepTrainingOptions {
  model: Layer;
  optimizer: Optimizer;
  train: ImageFeatures;
  test: ImageFeatures;
  maxSteps: number;
  evalFreq: number;
  batchSize: number;
  rng: Rng;
  /** Test images per evaluation forward pass (memory, not maths). */
  evalChunk?: number;
  /** Evaluate on this many test images after each period (default: all). */
  evalImages?: number;
  label?: string;
  silent?: boolean;
}

export async function trainBySteps(opts: StepTrainingOptions): Promise<StepTrainingResult> {
  const periods = evaluationPeriods(opts.maxSteps, opts.evalFreq);
  const sampler = new StepBatches(opts.train.n, opts.batchSize, opts.rng);
  const testChunks = evaluationChunks(Math.min(opts.evalImages ?? opts.test.n, opts.test.n), opts.evalChunk ?? 1000);
  const { history, stopped } = await fit<ImageRows>({
    params: opts.model.parameters(),
    objective: classifierObjective(opts.model),
    optimizer: opts.optimizer,
    epochs: periods.length,
    trainBatches: (period) =>
      sampler.take(periods[period]).map((rows) => ({ data: { set: opts.train, rows }, size: rows.length })),
    testBatches: () => testChunks.map((rows) => ({ data: { set: opts.test, rows }, size: rows.length })),
    setTraining: (on) => opts.model.train(on),
    label: opts.label ?? `${opts.evalFreq} steps/evaluation,`,
    silent: opts.silent,
  });
  let step = 0;
  const rows: StepRow[] = history.map((r, i) => ({
    step: step += periods[i],
    trainLoss: r.trainLoss,
    trainAccuracy: r.trainAccuracy,
    testLoss: r.testLoss ?? NaN,
    testAccuracy: r.testAccuracy ?? NaN,
    seconds: r.seconds,
  }));
  return { history: rows, stopped };
}

/** Loss and accuracy of `model` (in eval mode) on a whole set, in chunks. */
export async function evaluateClassifier(
  model: Layer,
  set: ImageFeatures,
  chunk = 500,
): Promise<{ loss: number; accuracy: number }> {
  model.eval();
  return await evaluate(
    classifierObjective(model),
    evaluationChunks(set.n, chunk).map((rows) => ({ data: { set, rows }, size: rows.length })),
  );
}
