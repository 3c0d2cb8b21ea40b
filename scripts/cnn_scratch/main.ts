/**
 * cnn-scratch — a CNN with hand-written layers (seed 004, "CNN 2D desde scratch").
 *
 * Trains seed 004's small net (conv 3×3×8 pad 1 → ReLU → max pool 2 → dense 64 → ReLU → dense 10)
 * and LeNet-5 on the first 10,000 MNIST training images (80/20 train/validation) with AdaGrad for
 * 5 epochs, and scores them on the first 2,000 test images. Every model is trained twice through
 * lib/train's fit from the same initial weights on the same minibatches: with the hand-written
 * backward passes of lib/scratch, and with lib/nn's layers on tfjs' tape, so the two curves check
 * each other.
 *
 *   deno task cnn-scratch            # both models, both implementations (a few minutes on wasm)
 *   deno task cnn-scratch --quick    # 1,000 images, 2 epochs
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, wasGiven } from "../../lib/cli/args.ts";
import { above, between } from "../../lib/cli/checks.ts";
import { Rng } from "../../lib/random/rng.ts";
import { ARCHITECTURES, MODEL_NAMES, type ModelName } from "./architectures.ts";
import { disposeSplits, loadSeedSplits } from "./data.ts";
import { type TrainingConfig, trainTwins, type TwinOutcome } from "./train_twins.ts";
import { type CnnScratchResult, EXPERIMENT, resultPath, runName } from "./results.ts";
import { writeFigures } from "./figures.ts";
import { environment, makeResult, writeResult } from "../../lib/report/results.ts";
import { printReportPage } from "../../lib/report/page.ts";

const NOTES = [
  "Initialisation: PyTorch's default U(±1/√fan_in) for weights and biases (the project's convention); " +
  "the seed used N(0, 1/fan_in) weights and zero biases.",
  "AdaGrad (p ← p − lr·g/(√s + ε), s ← s + g²) is one optimiser over all layers with torch.optim.Adagrad's s₀ = 0, " +
  "ε = 1e-10; the seed gave each layer its own with s₀ = 1, ε = 0 (--adagrad-initial-accumulator 1 --adagrad-eps 0).",
  "LeNet-5 is LeCun et al. 1998's (6@5×5 pad 2, 16@5×5, 120, 84, 10) with ReLU and max pooling; the seed's 'LeNet' " +
  "cell (FC 200 → 120, no padding) trained its small net again instead.",
  "The 80/20 split is a seeded shuffle of the first 10,000 training images (the seed: sklearn, random_state 42).",
  "Fixed relative to the seed: conv output size for stride > 1, padding cropped from H and W (not W and C) in the " +
  "conv backward, average-pool backward dividing by kh·kw (not kh + kw).",
];

const FLAGS = {
  ...commonFlags(EXPERIMENT),
  models: flag.strings([...MODEL_NAMES], "models to train", {
    choices: MODEL_NAMES,
    check: (v) => v.length > 0 || "name at least one model",
  }),
  epochs: flag.int(5, "epochs (--quick: 2)", { check: between(1, 10000) }),
  "batch-size": flag.int(50, "training minibatch size (the seed's 50)", { check: between(1, 60000) }),
  lr: flag.number(0.01, "AdaGrad learning rate (the seed's 0.01), in (0, 10]", { check: above(0, 10) }),
  "adagrad-eps": flag.number(1e-10, "AdaGrad ε added to √s (torch.optim.Adagrad's 1e-10; the seed's 0)", {
    check: between(0, 1),
  }),
  "adagrad-initial-accumulator": flag.number(0, "AdaGrad s₀ (torch's 0; the seed's 1)", {
    check: between(0, 1e6),
  }),
  "train-size": flag.int(10000, "leading MNIST training images, split into train/validation (--quick: 1000)", {
    check: (v) => (v >= 2 && v <= 60000) || "must be in [2, 60000]",
  }),
  "test-size": flag.int(2000, "leading MNIST test images (--quick: 500)", {
    check: (v) => (v >= 1 && v <= 10000) || "must be in [1, 10000]",
  }),
  "validation-split": flag.number(0.2, "fraction of the training images held out for validation (the seed's 0.2)", {
    check: (v) => (v > 0 && v < 1) || "must be in (0, 1)",
  }),
};

const flags = cli(
  FLAGS,
  "deno task cnn-scratch",
  "Seed 004's small CNN and LeNet-5 on MNIST, trained with hand-written backward passes and with autodiff.\n\n" +
    `Departures from the seed (also in each result's notes):\n${NOTES.map((n) => `  - ${n}`).join("\n")}`,
);
const quick = (name: string, full: number, small: number) => (flags.quick && !wasGiven(name) ? small : full);
const epochs = quick("epochs", flags.epochs, 2);
const trainSize = quick("train-size", flags["train-size"], 1000);
const testSize = quick("test-size", flags["test-size"], 500);
const validationSplit = flags["validation-split"];
if (flags["adagrad-eps"] === 0 && flags["adagrad-initial-accumulator"] === 0) {
  console.error("error: --adagrad-eps 0 needs --adagrad-initial-accumulator > 0 (the first step would divide by 0)");
  Deno.exit(2);
}

const backend = await initBackend(flags.backend as never);
console.log(describeBackend(backend));
const env = environment(backend);
await Deno.mkdir(flags.out, { recursive: true });

const data = await loadSeedSplits(
  { trainSize, testSize, validationSplit },
  Rng.derive(flags.seed, "split"),
);
console.log(`MNIST: ${data.sizes.train} train, ${data.sizes.validation} validation, ${data.sizes.test} test images`);
const training: TrainingConfig = {
  epochs,
  batchSize: flags["batch-size"],
  lr: flags.lr,
  eps: flags["adagrad-eps"],
  initialAccumulator: flags["adagrad-initial-accumulator"],
  seed: flags.seed,
};

const summary: string[] = [];
for (const model of flags.models as ModelName[]) {
  const arch = ARCHITECTURES[model];
  console.log(`\n${arch.description}`);
  const pair = await trainTwins(arch, data, training, (outcome) => save(model, outcome));
  await save(model, pair.autodiff, pair.testPredictionAgreement);
  for (const o of [pair.scratch, pair.autodiff]) {
    summary.push(
      `${runName(model, o.implementation).padEnd(16)} test acc ${o.final.testAccuracy.toFixed(4)}  ` +
        `train acc ${o.final.trainAccuracy.toFixed(4)}  ${o.seconds.toFixed(1)} s`,
    );
  }
  summary.push(
    `${model}: scratch and autodiff agree on ${(100 * pair.testPredictionAgreement).toFixed(2)}% of test images`,
  );
}
disposeSplits(data);

async function save(model: ModelName, outcome: TwinOutcome, agreement?: number): Promise<void> {
  const run = runName(model, outcome.implementation);
  const result: CnnScratchResult = makeResult({
    experiment: EXPERIMENT,
    run,
    seconds: outcome.seconds,
    config: {
      model,
      architecture: ARCHITECTURES[model].description,
      implementation: outcome.implementation,
      trainSize,
      testSize,
      validationSplit,
      epochs,
      batchSize: training.batchSize,
      lr: training.lr,
      optimizer: { name: "AdaGrad", eps: training.eps, initialAccumulator: training.initialAccumulator },
      data: { dataset: "mnist", ...data.sizes },
      seed: flags.seed,
      quick: flags.quick,
    },
    environment: env,
    history: outcome.history,
    final: {
      ...outcome.final,
      stopped: outcome.stopped,
      ...(agreement !== undefined ? { testPredictionAgreement: agreement } : {}),
    },
    notes: NOTES,
  });
  await writeResult(resultPath(flags.out, run), result);
}

console.log(`\n${summary.join("\n")}`);
const figures = await writeFigures(flags.out);
console.log(`results and figures in ${flags.out}: ${figures.map((f) => f.split("/").pop()).join(", ")}`);
await printReportPage(flags.out);
