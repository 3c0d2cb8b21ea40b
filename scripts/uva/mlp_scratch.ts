/**
 * deno task uva-mlp-scratch — UvA Deep Learning 2020, practical 1, Question 1.2: an MLP whose
 * modules (Linear, ELU, Softmax, cross-entropy) have hand-written backward passes, trained by
 * mini-batch SGD with the handout's defaults (hidden 100, lr 1e-3, 1400 steps, batch 200, test
 * evaluation every 100 steps). The handout expects ≈0.48 test accuracy on CIFAR-10; without
 * CIFAR-10 (see deno task fetch-cifar10) it runs on Fashion-MNIST or MNIST and says so.
 */
import { tf } from "../../lib/tf.ts";
import { cli, commonFlags, flag, type FlagSpecs } from "../../lib/cli/args.ts";
import { Rng } from "../../lib/random/rng.ts";
import { SCRATCH_INITS, type ScratchInit, scratchMLP } from "../../lib/scratch/mlp.ts";
import { ScratchSGD } from "../../lib/scratch/sgd.ts";
import { datasetFlags, hiddenUnitsFlag, parseHiddenUnits, stepFlags } from "./flags.ts";
import { datasetConfig, setUpExperiment, stepFinal, stepResultPath, writeStepResult } from "./experiment.ts";
import { featureCount } from "./inputs.ts";
import { trainScratchMLP } from "./scratch_training.ts";
import { formatRow } from "../../lib/train/loop.ts";
import { writeFigures } from "./figures.ts";
import { printReportPage } from "../../lib/report/page.ts";

const EXPERIMENT = "uva-mlp-scratch";
const SPECS = {
  ...commonFlags(EXPERIMENT),
  ...datasetFlags(),
  "dnn-hidden-units": hiddenUnitsFlag("100"),
  ...stepFlags({ lr: 1e-3, maxSteps: 1400, batchSize: 200, evalFreq: 100 }),
  init: flag({
    type: "string",
    default: "uva",
    choices: SCRATCH_INITS,
    help: "uva = weights N(0, 1e-4²), biases 0 (the handout); pytorch = U(±1/√fan_in)",
  }),
} satisfies FlagSpecs;

const flags = cli(
  SPECS,
  `deno task ${EXPERIMENT}`,
  "UvA practical 1, Q1.2: MLP with hand-written backward passes (Linear, ELU, Softmax, cross-entropy), " +
    "mini-batch SGD.\n--quick: 300 steps, a test evaluation every 50, on 10,000 training and 2,000 test images " +
    "(smaller --max-steps / --eval-freq are kept).",
);

const started = performance.now();
const quick = flags.quick;
const maxSteps = quick ? Math.min(flags["max-steps"], 300) : flags["max-steps"];
const evalFreq = quick ? Math.min(flags["eval-freq"], 50) : flags["eval-freq"];
const setup = await setUpExperiment(flags, quick ? { train: 10_000, test: 2_000 } : {});
const hidden = parseHiddenUnits(flags["dnn-hidden-units"]);
const config = {
  ...datasetConfig(setup),
  hidden,
  activation: "elu",
  init: flags.init as ScratchInit,
  optimizer: "sgd",
  lr: flags.lr,
  maxSteps,
  batchSize: flags["batch-size"],
  evalFreq,
  seed: flags.seed,
  quick,
};
const model = scratchMLP({
  inputs: featureCount(setup.train),
  hidden,
  classes: setup.dataset.classes.length,
  init: config.init,
}, Rng.derive(flags.seed, "init"));
console.log(`model: ${model.name} (${model.parameterCount()} parameters)`);

const tensorsBefore = tf.memory().numTensors;
const { history, stopped } = await trainScratchMLP({
  model,
  optimizer: new ScratchSGD(config.lr),
  classes: setup.dataset.classes.length,
  train: setup.train,
  test: setup.test,
  maxSteps,
  evalFreq,
  batchSize: config.batchSize,
  rng: Rng.derive(flags.seed, "batches"),
});
const tensorsAfter = tf.memory().numTensors;
if (stopped) console.error(`stopped early: ${stopped}`);

const final = stepFinal(setup, history, { parameters: model.parameterCount(), stopped, tensorsBefore, tensorsAfter });
const run = `mlp-scratch-${hidden.join("x") || "linear"}-seed${flags.seed}${quick ? "-quick" : ""}`;
const path = stepResultPath(flags.out, run, config);
await writeStepResult(path, {
  experiment: EXPERIMENT,
  run,
  seconds: (performance.now() - started) / 1000,
  config,
  setup,
  history,
  final,
  notes: [
    "Minibatches: a fresh permutation every epoch, the first one included (the handout's DataSet starts in file order).",
    "Training loss/accuracy per row: mean over the minibatches of the preceding evaluation period.",
    "Handout target: ≈0.48 test accuracy on CIFAR-10 with the defaults.",
  ],
});
model.dispose();
const figures = await writeFigures(flags.out);
const last = history[history.length - 1];
console.log(`final step ${last.step}: ${formatRow(last)}`);
console.log(`wrote ${path} and ${figures.join(", ")}`);
await printReportPage(flags.out);
