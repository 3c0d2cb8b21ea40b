/** The optimisers the uva-* scripts offer, from lib/train: plain/momentum SGD and Adam, each with L2 weight decay. */
import type { tf } from "../../lib/tf.ts";
import { Adam, type Optimizer, SGD } from "../../lib/train/mod.ts";

export const OPTIMIZERS = ["sgd", "adam"] as const;
export type OptimizerName = typeof OPTIMIZERS[number];

export interface OptimizerConfig {
  optimizer: OptimizerName;
  lr: number;
  momentum: number;
  weightDecay: number;
}

export function makeOptimizer(params: tf.Variable[], cfg: OptimizerConfig): Optimizer {
  return cfg.optimizer === "adam"
    ? new Adam(params, cfg.lr, { weightDecay: cfg.weightDecay })
    : new SGD(params, cfg.lr, { momentum: cfg.momentum, weightDecay: cfg.weightDecay });
}
