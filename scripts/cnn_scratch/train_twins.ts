/**
 * One architecture trained twice from the same initial parameters, on the same minibatch order, with
 * the same AdaGrad, both through lib/train's `fit`: once with hand-written backward passes
 * (lib/scratch's training step) and once with tfjs' tape (lib/nn, the loop's autodiff step). The two
 * differ only in how gradients are computed, so their curves should agree up to float32 rounding.
 */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { shuffledBatches } from "../../lib/data/batches.ts";
import { countCorrect, crossEntropy } from "../../lib/train/losses.ts";
import { evaluate, fit, type HistoryRow, type Objective } from "../../lib/train/loop.ts";
import { AdaGrad } from "../../lib/train/adagrad.ts";
import type { Sequential } from "../../lib/nn/sequential.ts";
import { ScratchAdaGrad } from "../../lib/scratch/adagrad.ts";
import {
  gatherBatch,
  inOrder,
  type LabelledImages,
  ScratchClassifier,
  setBatches,
  type SetRows,
} from "../../lib/scratch/classifier.ts";
import type { ScratchSequential } from "../../lib/scratch/sequential.ts";
import { type Architecture, buildAutodiff, buildScratch } from "./architectures.ts";
import type { SeedSplits } from "./data.ts";

export const IMPLEMENTATIONS = ["scratch", "autodiff"] as const;
export type Implementation = typeof IMPLEMENTATIONS[number];

export interface TrainingConfig {
  epochs: number;
  batchSize: number;
  lr: number;
  eps: number;
  initialAccumulator: number;
  seed: number;
}

export interface FinalMetrics {
  trainAccuracy: number;
  validationAccuracy: number;
  testAccuracy: number;
  testLoss: number;
  parameters: number;
}

export interface TwinOutcome {
  implementation: Implementation;
  history: HistoryRow[];
  final: FinalMetrics;
  stopped: string | null;
  seconds: number;
}

export interface TwinPair {
  scratch: TwinOutcome;
  autodiff: TwinOutcome;
  /** Fraction of test images on which the two trained models predict the same class. */
  testPredictionAgreement: number;
}

const EVAL_BATCH = 500;

/** Trains `arch` both ways; each run reports through `onRun` as soon as it finishes. */
export async function trainTwins(
  arch: Architecture,
  data: SeedSplits,
  cfg: TrainingConfig,
  onRun: (outcome: TwinOutcome) => Promise<void>,
): Promise<TwinPair> {
  const scratchNet = buildScratch(arch, Rng.derive(cfg.seed, "init", arch.name));
  // Built now, so it copies the initial parameters before the scratch run replaces them.
  const autodiffNet = buildAutodiff(arch, Rng.derive(cfg.seed, "twin", arch.name), scratchNet);
  const scratch = await trainScratch(arch, scratchNet, data, cfg);
  await onRun(scratch.outcome);
  const autodiff = await trainAutodiff(arch, autodiffNet, data, cfg);
  await onRun(autodiff);
  const agreement = await predictionAgreement(scratch.classifier, autodiffNet, data.test);
  scratchNet.dispose();
  autodiffNet.dispose();
  return { scratch: scratch.outcome, autodiff, testPredictionAgreement: agreement };
}

/** The same minibatch order for both twins: one stream per architecture, drawn epoch by epoch. */
function shuffleRng(cfg: TrainingConfig, arch: Architecture): Rng {
  return Rng.derive(cfg.seed, "shuffle", arch.name);
}

async function trainScratch(arch: Architecture, net: ScratchSequential, data: SeedSplits, cfg: TrainingConfig) {
  const started = performance.now();
  const optimizer = new ScratchAdaGrad(cfg.lr, { eps: cfg.eps, initialAccumulator: cfg.initialAccumulator });
  const classifier = new ScratchClassifier(net, optimizer, EVAL_BATCH);
  const { history, stopped } = await classifier.fit(data.train, {
    epochs: cfg.epochs,
    batchSize: cfg.batchSize,
    rng: shuffleRng(cfg, arch),
    validation: data.validation,
    label: `${arch.name}/scratch`,
  });
  optimizer.dispose();
  const test = await classifier.evaluate(data.test);
  const final: FinalMetrics = {
    trainAccuracy: await classifier.accuracy(data.train),
    validationAccuracy: await classifier.accuracy(data.validation),
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    parameters: net.parameterCount(),
  };
  const seconds = (performance.now() - started) / 1000;
  return { classifier, outcome: { implementation: "scratch" as const, history, final, stopped, seconds } };
}

/** Mean cross-entropy and correct count of the rows through the lib/nn model. */
export function autodiffObjective(net: Sequential): Objective<SetRows> {
  return ({ set, rows }) => {
    const batch = gatherBatch(set, rows);
    const logits = net.forward(batch.imagesNHWC);
    return { loss: crossEntropy(logits, batch.labels), correct: countCorrect(logits, batch.labels) };
  };
}

async function trainAutodiff(
  arch: Architecture,
  net: Sequential,
  data: SeedSplits,
  cfg: TrainingConfig,
): Promise<TwinOutcome> {
  const started = performance.now();
  const params = net.parameters();
  const optimizer = new AdaGrad(params, cfg.lr, { eps: cfg.eps, initialAccumulator: cfg.initialAccumulator });
  const rng = shuffleRng(cfg, arch);
  const n = data.sizes.train;
  const { history, stopped } = await fit({
    params,
    objective: autodiffObjective(net),
    optimizer,
    epochs: cfg.epochs,
    trainBatches: () => setBatches(data.train, shuffledBatches(n, cfg.batchSize, rng)),
    validationBatches: () => inOrder(data.validation, EVAL_BATCH),
    setTraining: (on) => net.train(on),
    label: `${arch.name}/autodiff`,
  });
  optimizer.dispose();
  const score = (set: LabelledImages) => evaluate(autodiffObjective(net), inOrder(set, EVAL_BATCH));
  const test = await score(data.test);
  const final: FinalMetrics = {
    trainAccuracy: (await score(data.train)).accuracy,
    validationAccuracy: (await score(data.validation)).accuracy,
    testAccuracy: test.accuracy,
    testLoss: test.loss,
    parameters: net.parameterCount(),
  };
  return {
    implementation: "autodiff",
    history,
    final,
    stopped,
    seconds: (performance.now() - started) / 1000,
  };
}

async function predictionAgreement(
  classifier: ScratchClassifier,
  net: Sequential,
  test: LabelledImages,
): Promise<number> {
  const scratchClasses = await classifier.predict(test.imagesNHWC);
  const logits = tf.tidy(() => tf.argMax(net.forward(test.imagesNHWC), 1));
  const autodiffClasses = await logits.data();
  logits.dispose();
  return scratchClasses.filter((c, i) => c === autodiffClasses[i]).length / scratchClasses.length;
}
