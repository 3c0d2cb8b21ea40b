/**
 * basics (seed 001): linear regression, logistic regression, an MLP and a CNN, each trained twice —
 * through the Keras-style high-level API (lib/keras) and as explicit tf.Variables with a
 * hand-written gradient-tape loop (lib/basics) — with results JSON, learning curves and a summary.
 *
 *   deno task basics [--model linreg|logreg|mlp|cnn|all] [--style high|low|both] [--quick] …
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, type FlagSpecs } from "../../lib/cli/args.ts";
import { loadMnist, type TrainTest } from "../../lib/data/mnist.ts";
import { Rng } from "../../lib/random/rng.ts";
import { writeResult } from "../../lib/report/results.ts";
import { isClassifier, MODEL_NAMES, type ModelName, SEED_SETTINGS, STYLE_NAMES } from "./models.ts";
import { disposeExamples, lineExamples, mnistExamples } from "./examples.ts";
import { INIT_SCHEMES, type InitScheme } from "./initial_values.ts";
import { runVariant, type VariantConfig, type VariantData } from "./run_variant.ts";
import { runPath } from "./run_files.ts";
import { writeFigures } from "./figures.ts";
import { summarizeRuns } from "./summary_table.ts";
import { readRuns } from "./run_files.ts";

/** --quick: fewer MNIST images, epochs and test images (the linear regression is instant and keeps the seed's). */
const QUICK = { samples: 300, epochs: 3, testSamples: 500 };

const DESCRIPTION = `basics — the seed-001 models (linear regression on y = 0.5x + 1, logistic regression 784→10,
MLP 784→32→10, CNN conv5×5×32 → pool → conv5×5×64 → pool → 1024 → 10) trained twice: with the
Keras-style API (lib/keras: Sequential, compile, fit with validation split, summary) and with explicit
tf.Variables and a hand-written tf.variableGrads loop (lib/basics). Both styles use the same rows, the
same batch order and plain SGD; the low-level style never steps on validation rows (the seed's bug).
Defaults are the seed's: 10 epochs, SGD lr 0.01, 20% validation split, batch 5 (linreg), 128 (logreg,
MLP), 32 (CNN), the first 1000 MNIST training images (--samples 60000: the full set, as the seed's
Keras logistic-regression and MLP cells). Final accuracy on the MNIST test set is also reported.
--quick: ${QUICK.samples} images, ${QUICK.epochs} epochs, ${QUICK.testSamples} test images for the MNIST models.
Writes <out>/<model>-<style>.json, <model>-curves.svg, summary.{json,md,svg}.`;

/** A flag check: the value lies in [lo, hi]. */
function inRange(lo: number, hi: number) {
  return (v: unknown) =>
    (Number(v) >= lo && Number(v) <= hi) || (hi === Infinity ? `must be ≥ ${lo}` : `must be in ${lo}..${hi}`);
}

const FLAGS = {
  ...commonFlags("basics"),
  model: { type: "string", default: "all", choices: [...MODEL_NAMES, "all"], help: "which model to train" },
  style: { type: "string", default: "both", choices: ["high", "low", "both"], help: "which style(s) to train it in" },
  samples: {
    type: "int",
    default: 0,
    help:
      `MNIST training images before the validation split; 0 = the seed's ${SEED_SETTINGS.cnn.samples} (${QUICK.samples} with --quick), 60000 = the full set`,
    check: inRange(0, 60000),
  },
  "test-samples": {
    type: "int",
    default: 10000,
    help: `MNIST test images evaluated after training (0: none; --quick caps it at ${QUICK.testSamples})`,
    check: inRange(0, 10000),
  },
  epochs: {
    type: "int",
    default: 0,
    help: `epochs; 0 = the seed's ${SEED_SETTINGS.cnn.epochs} (${QUICK.epochs} for the MNIST models with --quick)`,
    check: inRange(0, Infinity),
  },
  "batch-size": {
    type: "int",
    default: 0,
    help: "minibatch size; 0 = the seed's per model (linreg 5, logreg 128, mlp 128, cnn 32)",
    check: inRange(0, Infinity),
  },
  lr: {
    type: "number",
    default: 0.01,
    help: "SGD learning rate (Keras' default)",
    check: (v: unknown) => Number(v) > 0 || "must be > 0",
  },
  "validation-split": {
    type: "number",
    default: 0.2,
    help: "fraction of the examples held out for validation (the last ones, as Keras)",
    check: (v: unknown) => (Number(v) > 0 && Number(v) < 1) || "must be in (0, 1)",
  },
  "low-init": {
    type: "string",
    default: "pytorch",
    choices: INIT_SCHEMES,
    help:
      "low-level initial values: pytorch = the same draws as the high-level layers; seed = the seed's TF initialisers",
  },
  "linreg-points": {
    type: "int",
    default: SEED_SETTINGS.linreg.samples,
    help: "points of the linear-regression line",
    check: inRange(2, Infinity),
  },
  "linreg-noise": {
    type: "number",
    default: 0,
    help: "std of Gaussian noise on the line's targets (the seed has none)",
    check: inRange(0, Infinity),
  },
} as const satisfies FlagSpecs;

const flags = cli(FLAGS, "deno task basics", DESCRIPTION);

const backend = await initBackend(flags.backend as "auto");
console.log(describeBackend(backend));

const models = flags.model === "all" ? [...MODEL_NAMES] : [flags.model as ModelName];
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
  const show = (v: number) => (c.metric === "val_accuracy" ? `${(100 * v).toFixed(2)}%` : v.toExponential(3));
  console.log(
    `  ${c.model.padEnd(7)} ${c.metric.padEnd(13)} high ${show(c.high).padStart(10)}  low ${show(c.low).padStart(10)}`,
  );
}
console.log(`\nwrote ${written.length + models.length * styles.length} files to ${flags.out}`);

function variantConfig(model: ModelName): Omit<VariantConfig, "style"> {
  const seed = SEED_SETTINGS[model];
  const samples = model === "linreg"
    ? flags["linreg-points"]
    : flags.samples || (flags.quick ? QUICK.samples : seed.samples);
  return {
    model,
    samples,
    validationSplit: flags["validation-split"],
    epochs: flags.epochs || (flags.quick && isClassifier(model) ? QUICK.epochs : seed.epochs),
    batchSize: flags["batch-size"] || seed.batchSize,
    learningRate: flags.lr,
    lowInit: flags["low-init"] as InitScheme,
    testSamples: isClassifier(model)
      ? (flags.quick ? Math.min(flags["test-samples"], QUICK.testSamples) : flags["test-samples"])
      : 0,
    linregNoise: flags["linreg-noise"],
    seed: flags.seed,
    quick: flags.quick,
  };
}

function makeData(model: ModelName, config: Omit<VariantConfig, "style">, mnist: TrainTest | null): VariantData {
  if (!isClassifier(model)) {
    return {
      train: lineExamples(config.samples, config.linregNoise, Rng.derive(config.seed, "linreg", "data")),
      test: null,
    };
  }
  const layout = model === "cnn" ? "nhwc" : "flat";
  return {
    train: mnistExamples(mnist!.train, config.samples, layout),
    test: config.testSamples > 0 ? mnistExamples(mnist!.test, config.testSamples, layout) : null,
  };
}
