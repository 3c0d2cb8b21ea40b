/**
 * The multi-layer perceptron of UvA practical 1, Question 1.2, from hand-written modules:
 *   Linear → ELU → … → Linear → ELU → Linear → Softmax,
 * one Linear + ELU per entry of `hidden` (none: multinomial logistic regression), with the loss
 * (lib/scratch/cross_entropy.ts) on the Softmax's probabilities, as the handout separates them.
 *
 * Initialisation: the handout's modules.py draws weights from N(0, 0.0001²) and sets biases to 0
 * ("uva"); "pytorch" uses U(±1/√fan_in) for both, as lib/nn/linear.ts does.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import type { ScratchLayer } from "./layer.ts";
import { type LinearInit, ScratchLinear } from "./linear.ts";
import { ScratchELU } from "./elu.ts";
import { ScratchSoftmax } from "./softmax.ts";
import { ScratchSequential } from "./sequential.ts";

export const SCRATCH_INITS = ["uva", "pytorch"] as const;
export type ScratchInit = typeof SCRATCH_INITS[number];

/** The handout's weight standard deviation. */
export const UVA_WEIGHT_STD = 1e-4;

export interface ScratchMLPConfig {
  inputs: number;
  hidden: number[];
  classes: number;
  init: ScratchInit;
}

function uvaLinearInit(inputs: number, outputs: number, rng: Rng): LinearInit {
  const weight = rng.fillNormal(new Float32Array(inputs * outputs), 0, UVA_WEIGHT_STD);
  return { weight: tf.tensor2d(weight, [inputs, outputs]), bias: tf.zeros([outputs]) as tf.Tensor1D };
}

function linear(inputs: number, outputs: number, init: ScratchInit, rng: Rng): ScratchLinear {
  return new ScratchLinear(inputs, outputs, init === "uva" ? uvaLinearInit(inputs, outputs, rng) : rng);
}

/** Linear/ELU pairs, the output Linear and the Softmax, in one ScratchSequential. */
export function scratchMLP(cfg: ScratchMLPConfig, rng: Rng): ScratchSequential {
  const widths = [cfg.inputs, ...cfg.hidden];
  const layers: ScratchLayer[] = [];
  for (let i = 0; i < cfg.hidden.length; i++) {
    layers.push(linear(widths[i], widths[i + 1], cfg.init, rng), new ScratchELU());
  }
  layers.push(linear(widths[widths.length - 1], cfg.classes, cfg.init, rng), new ScratchSoftmax());
  return new ScratchSequential(...layers);
}
