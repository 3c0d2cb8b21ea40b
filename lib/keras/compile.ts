/**
 * What `compile()` resolves: Keras' names for losses, optimisers and metrics mapped onto lib/train.
 *
 * Models end in logits (no Softmax layer), so "categoricalCrossentropy" is Keras'
 * `CategoricalCrossentropy(from_logits=True)`: numerically stabler than a softmax layer followed by
 * a log, with the same value and gradient.
 */
import type { tf } from "../tf.ts";
import { crossEntropy, mse } from "../train/losses.ts";
import type { Optimizer } from "../train/optimizer.ts";
import { SGD } from "../train/sgd.ts";
import { Adam } from "../train/adam.ts";
import { AdaGrad } from "../train/adagrad.ts";

/** A loss from model outputs and targets to the batch mean. */
export type LossFn = (outputs: tf.Tensor, targets: tf.Tensor) => tf.Scalar;

export const LOSSES = {
  meanSquaredError: mse,
  /** Targets may be one-hot [n, k] (Keras' to_categorical) or integer labels [n]. */
  categoricalCrossentropy: crossEntropy,
} as const satisfies Record<string, LossFn>;
export type LossName = keyof typeof LOSSES;

/** Keras 2's default learning rates for its named optimisers. */
export const OPTIMIZER_DEFAULT_LR = { sgd: 0.01, adam: 0.001, adagrad: 0.01 } as const;
export type OptimizerName = keyof typeof OPTIMIZER_DEFAULT_LR;

export const METRICS = ["accuracy"] as const;
export type MetricName = typeof METRICS[number];

/** What `compile()` takes: a loss, an optimiser (name or factory), its learning rate, metrics. */
export interface CompileOptions {
  loss: LossName | LossFn;
  /** A name (plain SGD, Adam, AdaGrad with Keras' default rates) or a factory over the parameters. */
  optimizer: OptimizerName | ((params: tf.Variable[]) => Optimizer);
  /** Overrides the named optimiser's default learning rate. */
  learningRate?: number;
  metrics?: MetricName[];
}

export function resolveLoss(loss: CompileOptions["loss"]): LossFn {
  if (typeof loss === "function") return loss;
  if (!(loss in LOSSES)) throw new Error(`unknown loss '${loss}': use one of ${Object.keys(LOSSES).join(", ")}`);
  return LOSSES[loss];
}

export function makeOptimizer(options: CompileOptions, params: tf.Variable[]): Optimizer {
  const { optimizer, learningRate } = options;
  if (typeof optimizer === "function") return optimizer(params);
  if (!(optimizer in OPTIMIZER_DEFAULT_LR)) {
    throw new Error(`unknown optimizer '${optimizer}': use one of ${Object.keys(OPTIMIZER_DEFAULT_LR).join(", ")}`);
  }
  const lr = learningRate ?? OPTIMIZER_DEFAULT_LR[optimizer];
  switch (optimizer) {
    case "sgd":
      return new SGD(params, lr);
    case "adam":
      return new Adam(params, lr);
    case "adagrad":
      return new AdaGrad(params, lr);
  }
}

export function resolveMetrics(metrics: string[] = []): MetricName[] {
  for (const m of metrics) {
    if (!(METRICS as readonly string[]).includes(m)) {
      throw new Error(`unknown metric '${m}': use one of ${METRICS.join(", ")}`);
    }
  }
  return metrics as MetricName[];
}
