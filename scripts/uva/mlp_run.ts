/** One training run of the autodiff MLP (uva-mlp and each variant of its sweep). */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { type Activation, buildMLP, type Norm } from "./mlp_model.ts";
import { makeOptimizer, type OptimizerConfig } from "./optimizers.ts";
import type { ExperimentSetup } from "./experiment.ts";
import { featureCount } from "./inputs.ts";
import { classifierStep, type StepTrainingResult, trainBySteps } from "./step_training.ts";

export interface MlpRunConfig extends OptimizerConfig {
  hidden: number[];
  activation: Activation;
  norm: Norm;
  dropout: number;
  maxSteps: number;
  batchSize: number;
  evalFreq: number;
  seed: number;
}

export interface MlpRun extends StepTrainingResult {
  model: string;
  parameters: number;
  tensorsBefore: number;
  tensorsAfter: number;
}

export async function trainMlp(
  setup: ExperimentSetup,
  cfg: MlpRunConfig,
  label?: string,
  silent = false,
): Promise<MlpRun> {
  const classes = setup.dataset.classes.length;
  const model = buildMLP({ ...cfg, inputs: featureCount(setup.train), classes }, Rng.derive(cfg.seed, "init"));
  const optimizer = makeOptimizer(model.parameters(), cfg);
  const tensorsBefore = tf.memory().numTensors;
  const result = await trainBySteps({
    step: classifierStep(model, optimizer),
    train: setup.train,
    test: setup.test,
    maxSteps: cfg.maxSteps,
    evalFreq: cfg.evalFreq,
    batchSize: cfg.batchSize,
    rng: Rng.derive(cfg.seed, "batches"),
    label,
    silent,
  });
  const tensorsAfter = tf.memory().numTensors;
  const run = { ...result, model: model.toString(), parameters: model.parameterCount(), tensorsBefore, tensorsAfter };
  optimizer.dispose();
  model.dispose();
  return run;
}
