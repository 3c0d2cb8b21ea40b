/**
 * `deno task adversarial` — robustness of the seed-003 LeNet-style CNN: standard training, FGSM-RS
 * adversarial training, PGD adversarial training, TRADES, perceptual adversarial training and
 * class-reweighted robust training, each evaluated clean, under Gaussian noise, FGSM and PGD across
 * an ε grid. Writes <out>/<method>.json (+ .safetensors weights), table.md, summary.json and SVG
 * figures; a rerun with the same settings reuses finished methods (--fresh retrains).
 */
import { type BackendChoice, describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, type FlagSpecs, wasGiven } from "../../lib/cli/args.ts";
import { above, between } from "../../lib/cli/checks.ts";
import type { ExperimentConfig, NormalizationName } from "./config.ts";
import { NORMALIZATIONS } from "./config.ts";
import { type Method, METHODS } from "./methods.ts";
import { runExperiment } from "./experiment.ts";
import type { DatasetChoice } from "../../lib/data/image_dataset.ts";
import { printReportPage } from "../../lib/report/page.ts";

// Ranges: what the datasets hold (MNIST 60000/10000, CIFAR-10 50000/10000), else far beyond any sensible run.
const count = (max: number) => between(1, max);
const weight = between(0, 1e6);

const FLAGS = {
  ...commonFlags("adversarial"),
  dataset: flag.string("mnist", "image dataset (auto = CIFAR-10 if present, else Fashion-MNIST, else MNIST)", {
    choices: ["mnist", "fashion-mnist", "cifar10", "auto"],
  }),
  methods: flag.strings(
    METHODS.filter((m) => m !== "pgd"),
    "training methods to compare (pgd = PGD AT, which robal equals on a balanced training set)",
    { choices: METHODS },
  ),
  normalization: flag.string(
    "symmetric",
    "network inputs: symmetric = (p−0.5)/0.5 ∈ [−1,1] (the seed's), unit = p ∈ [0,1]; ε stays in pixel units",
    { choices: Object.keys(NORMALIZATIONS) },
  ),
  "train-size": flag.int(24000, "training images (balanced unless --imbalance)", { check: count(60000) }),
  "test-size": flag.int(1000, "test images evaluated (the first N of the test set)", { check: count(10000) }),
  imbalance: flag.number(1, "long-tailed training set with n_max/n_min = this ratio (1 = balanced)", {
    check: between(1, 1000),
  }),
  width: flag.int(1, "multiplier of the conv widths 6 and 16", { check: count(64) }),
  init: flag.string("standard", "robust methods start from the standard-trained model or from scratch", {
    choices: ["standard", "scratch"],
  }),
  epochs: flag.int(4, "training epochs per method", { check: count(10000) }),
  "batch-size": flag.int(64, "minibatch size (at most --train-size)", { check: count(60000) }),
  lr: flag.number(1e-3, "Adam learning rate, in (0, 10]", { check: above(0, 10) }),
  "train-epsilon": flag.number(0.3, "training ε (pixel units), in (0, 1]", { check: above(0, 1) }),
  "train-steps": flag.int(10, "attack steps during training (PGD, TRADES, perceptual)", { check: count(10000) }),
  "ramp-epochs": flag.number(1, "epochs over which the training ε ramps up linearly from 0", {
    check: between(0, 10000),
  }),
  "train-step-factor": flag.number(2.5, "training attack step = factor·ε/steps", { check: above(0, 100) }),
  "fgsm-step": flag.number(1.25, "FGSM-RS step as a multiple of ε (Wong et al.: 1.25)", { check: above(0, 100) }),
  beta: flag.number(6, "TRADES β (the paper's 1/λ; 6 for its MNIST/CIFAR models)", { check: weight }),
  "pat-lambda": flag.number(100, "perceptual AT: weight λ of the adversary's penalty λ·max(0, d − η)", {
    check: weight,
  }),
  "pat-bound": flag.number(
    0.25,
    "perceptual AT: free perceptual budget η (LPIPS-style; on MNIST uniform ±0.3 noise is ≈ 0.2, PGD at ε 0.3 ≈ 0.65)",
    { check: between(0, 100) },
  ),
  epsilons: flag.numbers([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3], "evaluation ε grid (pixel units)", {
    check: (v) => v.every((e) => e >= 0 && e <= 1) || "each ε must be in [0, 1]",
  }),
  "eval-steps": flag.int(40, "PGD steps in evaluation", { check: count(10000) }),
  "eval-step-factor": flag.number(2.5, "evaluation PGD step = factor·ε/steps", { check: above(0, 100) }),
  restarts: flag.int(1, "PGD random restarts in evaluation", { check: count(100) }),
  "eval-batch-size": flag.int(500, "evaluation batch size", { check: count(10000) }),
  fresh: flag.boolean("retrain every method even if a finished run with the same settings exists"),
} satisfies FlagSpecs;

/** --quick replaces these defaults (flags given explicitly keep their value). */
const QUICK: Partial<Record<keyof typeof FLAGS, unknown>> = {
  "train-size": 1000,
  "test-size": 200,
  epochs: 2,
  "train-steps": 3,
  "eval-steps": 5,
  epsilons: [0, 0.1, 0.2, 0.3],
};

const DESCRIPTION = `Adversarial robustness of a small LeNet-style CNN (seed 003).

Methods: standard | fgsm (FGSM-RS adversarial training, Wong et al. 2020, step 1.25ε, catastrophic-
overfitting guard) | pgd (PGD adversarial training, Madry et al. 2018) | trades (Zhang et al. 2019:
CE + β·KL, inner PGD on the KL) | perceptual (perceptual adversarial training after Laidlaw et al. 2021:
the adversary is penalised by an LPIPS-style distance of a frozen feature extractor; no pretrained
ImageNet weights ship with the project, so the extractor is this run's standard-trained LeNet, trained first) |
robal (PGD adversarial training with inverse-frequency class weights, the reweighting of RoBal,
Wu et al. 2021; add --imbalance 10 to make the training set long-tailed so the weights matter).

Evaluation: clean, Gaussian noise σ = ε (a corruption, not an attack), FGSM and PGD (random start,
step 2.5ε/steps; an example broken at a smaller grid ε counts as broken at larger ones) over the ε
grid. ε is in [0,1] pixel units whatever --normalization; attacks project onto the ε-ball and the
valid pixel range in the network's input units.

Default budget (sized for CPU training on wasm; the README gives timings): 24000
balanced MNIST training images, 4 epochs, Adam 1e-3, batch 64; the robust methods fine-tune the
standard-trained model (--init) with the training ε = 0.3 ramped up over the first epoch and 10
attack steps; evaluation PGD-40 on the first 1000 test images. Published MNIST models train 100
epochs on 60k images: expect less robustness than their ≈ 90 % at ε = 0.3.
--quick: 1000 training / 200 test images, 2 epochs, 3 training steps, PGD-5, ε 0,0.1,0.2,0.3.
CIFAR-10 (deno task fetch-cifar10 first) uses the same LeNet on 32×32×3; give it CIFAR's ε, e.g.
--dataset cifar10 --train-epsilon 0.031 --epsilons 0,0.008,0.016,0.024,0.031.`;

function withQuickDefaults(flags: Record<string, unknown>): void {
  if (!flags.quick) return;
  for (const [name, value] of Object.entries(QUICK)) if (!wasGiven(name)) flags[name] = value;
}

const flags = cli(FLAGS, "deno task adversarial", DESCRIPTION);
withQuickDefaults(flags as Record<string, unknown>);

const backend = await initBackend(flags.backend as BackendChoice);
console.error(describeBackend(backend));

const config: ExperimentConfig = {
  dataset: flags.dataset as DatasetChoice,
  normalization: flags.normalization as NormalizationName,
  trainSize: flags["train-size"],
  testSize: flags["test-size"],
  imbalance: flags.imbalance,
  widthFactor: flags.width,
  init: flags.init as ExperimentConfig["init"],
  epochs: flags.epochs,
  batchSize: flags["batch-size"],
  lr: flags.lr,
  seed: flags.seed,
  backend: backend.backend,
  trainEpsilon: flags["train-epsilon"],
  trainSteps: flags["train-steps"],
  trainStepSize: flags["train-step-factor"] * flags["train-epsilon"] / flags["train-steps"],
  rampEpochs: flags["ramp-epochs"],
  fgsmStepFactor: flags["fgsm-step"],
  tradesBeta: flags.beta,
  tradesStartNoise: 0.001,
  patLambda: flags["pat-lambda"],
  patBound: flags["pat-bound"],
  patStartNoise: 0.001,
  guardMaxDrop: 0.2,
  evalEpsilons: [...new Set(flags.epsilons)].sort((a, b) => a - b),
  evalSteps: flags["eval-steps"],
  evalStepFactor: flags["eval-step-factor"],
  evalRestarts: flags.restarts,
  evalBatchSize: flags["eval-batch-size"],
};

const started = performance.now();
const output = await runExperiment({
  config,
  methods: flags.methods as Method[],
  outDir: flags.out,
  fresh: flags.fresh,
  backend,
}).catch((e: Error) => {
  // Data and configuration problems carry their remedy in the message; finished methods are kept.
  console.error(`error: ${e.message}`);
  Deno.exit(1);
});
console.log(output.table);
console.log(`wrote ${output.files.join(", ")}`);
await printReportPage(flags.out);
console.error(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
