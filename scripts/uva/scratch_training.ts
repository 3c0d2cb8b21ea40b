/**
 * Training of the hand-written MLP (UvA practical 1, Question 1.2) by mini-batch SGD on the shared
 * step-counted loop (step_training.ts → lib/train's fit). The model has no tape, so its TrainStep
 * does by hand what autodiff would: forward → loss → ∂L/∂X of the loss → the modules' backward in
 * reverse (the chain rule, one module at a time) → SGD, p ← p − lr·∂L/∂p. fit runs each step inside
 * a tf.tidy, so the step's caches and gradients are freed with it and only the updated parameters
 * (kept by ScratchSGD) survive. Held-out batches are scored by lib/train's `evaluate`.
 */
import { tf } from "../../lib/tf.ts";
import type { ScratchSequential } from "../../lib/scratch/sequential.ts";
import type { ScratchSGD } from "../../lib/scratch/sgd.ts";
import { oneHotTargets, ScratchCrossEntropy } from "../../lib/scratch/cross_entropy.ts";
import { countCorrect } from "../../lib/train/losses.ts";
import { evaluate, type Objective, type TrainStep } from "../../lib/train/loop.ts";
import { imageBatch, type ImageFeatures } from "./inputs.ts";
import { type ImageRows, type StepTrainingOptions, type StepTrainingResult, trainBySteps } from "./step_training.ts";

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

/** One SGD step of the hand-written modules per batch; returns the batch's mean loss and correct count. */
export function scratchStep(
  model: ScratchSequential,
  optimizer: ScratchSGD,
  classes: number,
): TrainStep<ImageRows> {
  const loss = new ScratchCrossEntropy();
  const objective = scratchObjective(model, classes);
  return {
    get lr() {
      return optimizer.lr;
    },
    set lr(value: number) {
      optimizer.lr = value;
    },
    train({ set, rows }) {
      const { x, labels, targets } = flatBatch(set, rows, classes);
      const probabilities = model.forward(x, true);
      const meanLoss = loss.forward(probabilities, targets);
      model.backward(loss.backward(probabilities, targets));
      optimizer.step(model.layers);
      return { loss: meanLoss, correct: countCorrect(probabilities, labels) };
    },
    evaluate: (batches) => evaluate(objective, batches),
  };
}

/** trainBySteps' options, with the hand-written model and its SGD in place of a training step. */
export type ScratchTrainingOptions = Omit<StepTrainingOptions, "step"> & {
  model: ScratchSequential;
  optimizer: ScratchSGD;
  classes: number;
};

/** `maxSteps` SGD steps, the whole test set scored every `evalFreq` steps. */
export async function trainScratchMLP(opts: ScratchTrainingOptions): Promise<StepTrainingResult> {
  const { model, optimizer, classes, ...schedule } = opts;
  return await trainBySteps({
    label: `scratch MLP, ${opts.evalFreq} steps/evaluation,`,
    ...schedule,
    step: scratchStep(model, optimizer, classes),
  });
}
