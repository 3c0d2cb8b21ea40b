/**
 * Step-counted training on the shared loop, lib/train/loop.ts, as the UvA practical counts it: the
 * scripts count optimisation steps, not epochs, so each of fit's "epochs" is one evaluation period
 * of `evalFreq` steps drawn by StepBatches (`countSteps`: rows carry `step`), and the test set is
 * scored (in eval mode, in chunks) after every period. A row's training numbers are the means over
 * the minibatches of the period that ended there, not a separate pass over the training set.
 *
 * How a batch trains is the caller's `TrainStep`: tfjs autodiff for the lib/nn classifiers
 * (`classifierStep`), hand-written backward passes for the scratch MLP (scratch_training.ts).
 * Loss of the classifiers: cross-entropy on the logits, i.e. Softmax + the handout's cross-entropy
 * fused for numerical stability.
 */
import type { Layer } from "../../lib/nn/module.ts";
import type { Optimizer } from "../../lib/train/optimizer.ts";
import { countCorrect, crossEntropy } from "../../lib/train/losses.ts";
import { autodiffStep, evaluate, fit, type FitResult, type Objective, type TrainStep } from "../../lib/train/loop.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { evaluationChunks, imageBatch, type ImageFeatures } from "./inputs.ts";
import { evaluationPeriods, StepBatches } from "./step_batches.ts";

export interface ImageRows {
  set: ImageFeatures;
  rows: Int32Array;
}

/** fit's rows (one per evaluation period) and why training stopped early (a non-finite loss), or null. */
export type StepTrainingResult = Pick<FitResult, "history" | "stopped">;

/** Mean cross-entropy and correct count of `model` on a batch of images (NHWC in, logits out). */
export function classifierObjective(model: Layer): Objective<ImageRows> {
  return ({ set, rows }) => {
    const { imagesNHWC, labels } = imageBatch(set, rows);
    const logits = model.forward(imagesNHWC);
    return { loss: crossEntropy(logits, labels), correct: countCorrect(logits, labels) };
  };
}

/** tfjs autodiff of the classifier's cross-entropy, one `optimizer` step per batch. */
export function classifierStep(model: Layer, optimizer: Optimizer): TrainStep<ImageRows> {
  return autodiffStep({
    params: model.parameters(),
    objective: classifierObjective(model),
    optimizer,
    setTraining: (on) => model.train(on),
  });
}

export interface StepTrainingOptions {
  step: TrainStep<ImageRows>;
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
    step: opts.step,
    epochs: periods.length,
    countSteps: true,
    trainBatches: (period) =>
      sampler.take(periods[period]).map((rows) => ({ data: { set: opts.train, rows }, size: rows.length })),
    testBatches: () => testChunks.map((rows) => ({ data: { set: opts.test, rows }, size: rows.length })),
    label: opts.label ?? `${opts.evalFreq} steps/evaluation,`,
    silent: opts.silent,
  });
  return { history, stopped };
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
