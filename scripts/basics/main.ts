/**
 * basics (seed 001): linear regression, logistic regression, an MLP and a CNN, each trained twice —
 * through the Keras-style high-level API (lib/keras) and as explicit tf.Variables with a
 * hand-written gradient-tape loop (scripts/basics/tape_loop.ts) — with results JSON, learning
 * curves and a summary.
 *
 *   deno task basics [--models linreg,logreg,mlp,cnn|all] [--style high|low|both] [--quick] …
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, wasGiven } from "../../lib/cli/args.ts";
import { UsageError } from "../../lib/cli/errors.ts";
import { loadMnist, type TrainTest } from "../../lib/data/mnist.ts";
import { Rng } from "../../lib/random/rng.ts";
import { writeResult } from "../../lib/report/results.ts";
import { isClassifier, MODEL_NAMES, type ModelName, SEED_SETTINGS, STYLE_NAMES } from "./models.ts";
import { disposeExamples, lineExamples, mnistExamples } from "./examples.ts";
import { INIT_SCHEMES, type InitScheme } from "./initial_values.ts";
import { runVariant, type VariantConfig, type VariantData } from "./run_variant.ts";
import { readRuns, runPath } from "./run_files.ts";
import { writeFigures } from "./figures.ts";
import { summarizeRuns } from "./summary_table.ts";
import { printReportPage } from "../../lib/report/page.ts";

/**
 * --quick: fewer MNIST images, epochs and test images, each unless its flag is given (the linear
 * regression is instant and keeps the seed's).
 */
const QUICK = { "train-size": 300, epochs: 3, "test-size": 500 };

/** The seed's settings shared by the MNIST models (they differ only in batch size). */
const MNIST_SEED = SEED_SETTINGS.cnn;

const PER_MODEL_BATCH = MODEL_NAMES.map((m) => `${m} ${SEED_SETTINGS[m].batchSize}`).join(", ");

const DESCRIPTION = `basics — the seed-001 models (linear regression on y = 0.5x + 1, logistic regression 784→10,
MLP 784→32→10, CNN conv5×5×32 → pool → conv5×5×64 → pool → 1024 → 10) trained twice: with the
Keras-style API (lib/keras: Sequential, compile, fit with validation split, summary) and with explicit
tf.Variables and a hand-written tf.variableGrads loop (scripts/basics/tape_loop.ts). Both styles use the
same rows, the same batch order and plain SGD; the low-level style never steps on validation rows (the
seed's bug). Defaults are the seed's: ${MNIST_SEED.epochs} epochs, SGD lr ${MNIST_SEED.lr}, 20% validation split, the
first ${MNIST_SEED.trainSize} MNIST training images (--train-size 60000: the full set, as the seed's Keras
logistic-regression and MLP cells) and batch sizes per model (${PER_MODEL_BATCH}).
Final accuracy on the MNIST test set is also reported.
--quick: ${QUICK["train-size"]} images, ${QUICK.epochs} epochs, ${QUICK["test-size"]} test images for the MNIST models
(flags given explicitly win). Writes <out>/<model>-<style>.json, <model>-curves.svg, summary.{json,md,svg}.`;

/** A flag check: the value lies in [lo, hi]. */
function inRange(lo: number, hi: number) {
  return (v: number) => (v >= lo && v <= hi) || (hi === Infinity ? `must be ≥ ${lo}` : `must be in ${lo}..${hi}`);
}

const FLAGS = {
  ...commonFlags("basics"),
  models: flag.strings([...MODEL_NAMES], "models to train (all: every one)", {
    choices: [...MODEL_NAMES, "all"],
    check: (v) => v.length > 0 || "name at least one model",
  }),
  style: flag.string("both", "which style(s) to train them in", { choices: ["high", "low", "both"] }),
  "train-size": flag.int(
    MNIST_SEED.trainSize,
    `MNIST training images before the validation split (60000: the full set; --quick: ${QUICK["train-size"]})`,
    { check: inRange(1, 60000) },
  ),
  "test-size": flag.int(
    10000,
    `MNIST test images evaluated after training (0: none; --quick: ${QUICK["test-size"]})`,
    { check: inRange(0, 10000) },
  ),
  epochs: flag.int(MNIST_SEED.epochs, `epochs (--quick: ${QUICK.epochs} for the MNIST models)`, {
    check: inRange(1, 10000),
  }),
  // 0 stands for "per model" internally only: --batch-size 0 itself is refused below.
  "batch-size": flag.int(0, "minibatch size (at most the training rows)", {
    check: inRange(0, 60000),
    shown: `the seed's per model: ${PER_MODEL_BATCH}`,
  }),
  lr: flag.number(MNIST_SEED.lr, "SGD learning rate (Keras' default), in (0, 10]", {
    check: (v) => (v > 0 && v <= 10) || "must be in (0, 10]",
  }),
  "validation-split": flag.number(0.2, "fraction of the examples held out for validation (the last ones, as Keras)", {
    check: (v) => (v > 0 && v < 1) || "must be in (0, 1)",
  }),
  "low-init": flag.string(
    "pytorch",
    "low-level initial values: pytorch = the same draws as the high-level layers; seed = the seed's TF initialisers",
    { choices: INIT_SCHEMES },
  ),
  "linreg-points": flag.int(SEED_SETTINGS.linreg.trainSize, "points of the linear-regression line", {
    check: inRange(2, 1_000_000),
  }),
  "linreg-noise": flag.number(0, "std of Gaussian noise on the line's targets (the seed has none)", {
    check: inRange(0, 1e6),
  }),
};

const flags = cli(FLAGS, "deno task basics", DESCRIPTION);
if (wasGiven("batch-size") && flags["batch-size"] === 0) throw new UsageError("--batch-size: must be ≥ 1");

const backend = await initBackend(flags.backend as "auto");
console.log(describeBackend(backend));

const models = MODEL_NAMES.filter((m) => flags.models.includes("all") || flags.models.includes(m));
const styles = flags.style === "both" ? [...STYLE_NAMES] : [flags.style as "high" | "low"];
const mnist = models.some(isClassifier) ? await loadMnist() : null;

for (const model of models) {
  const config = variantConfig(model);
  const data = makeData(model, config, mnist);
  try {
    for (const style of styles) {
      const result = await runVariant({ ...config, style }, data, backend);
      await writeResult(runPath(flags.out, model, style), result);
      if (result.final.stopped) console.error(`warning: ${model}-${style} stopped early: ${result.final.stopped}`);
    }
  } finally {
    disposeExamples(data.train);
    if (data.test) disposeExamples(data.test);
  }
}

const written = await writeFigures(flags.out);
const comparison = summarizeRuns(await readRuns(flags.out)).comparison;
console.log("\nFinal validation metrics (high-level vs low-level):");
for (const c of comparison) {
  const show = (v: number) => (c.metric === "validationAccuracy" ? `${(100 * v).toFixed(2)}%` : v.toExponential(3));
  console.log(
    `  ${c.model.padEnd(7)} ${c.metric.padEnd(18)} high ${show(c.high).padStart(10)}  low ${show(c.low).padStart(10)}`,
  );
}
console.log(`\nwrote ${written.length + models.length * styles.length} files to ${flags.out}`);
await printReportPage(flags.out);

function variantConfig(model: ModelName): Omit<VariantConfig, "style"> {
  const seed = SEED_SETTINGS[model];
  const quick = <K extends keyof typeof QUICK>(name: K): number =>
    flags.quick && !wasGiven(name) ? QUICK[name] : flags[name];
  const classifier = isClassifier(model);
  return {
    model,
    trainSize: classifier ? quick("train-size") : flags["linreg-points"],
    validationSplit: flags["validation-split"],
    epochs: classifier ? quick("epochs") : flags.epochs,
    batchSize: flags["batch-size"] || seed.batchSize,
    lr: flags.lr,
    lowInit: flags["low-init"] as InitScheme,
    testSize: classifier ? quick("test-size") : 0,
    linregNoise: flags["linreg-noise"],
    seed: flags.seed,
    quick: flags.quick,
  };
}

function makeData(model: ModelName, config: Omit<VariantConfig, "style">, mnist: TrainTest | null): VariantData {
  if (!isClassifier(model)) {
    return {
      train: lineExamples(config.trainSize, config.linregNoise, Rng.derive(config.seed, "linreg", "data")),
      test: null,
    };
  }
  const layout = model === "cnn" ? "nhwc" : "flat";
  return {
    train: mnistExamples(mnist!.train, config.trainSize, layout),
    test: config.testSize > 0 ? mnistExamples(mnist!.test, config.testSize, layout) : null,
  };
}
