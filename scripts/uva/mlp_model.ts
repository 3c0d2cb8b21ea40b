/**
 * The autodiff MLP of UvA practical 1, Question 2 (the PyTorch MLP), on lib/nn, with the options a
 * user tunes (Question 2.1): depth and widths, activation (ELU as the handout, tanh for Question
 * 2.2, ReLU, LeakyReLU), batch or layer normalisation after each hidden Linear, dropout after each
 * activation. Images are flattened first (NHWC order; the handout flattens NCHW — a fixed
 * permutation of the inputs, immaterial to an MLP). Initialisation is PyTorch's default.
 *
 *   Flatten → [Linear → (BatchNorm | LayerNorm)? → activation → Dropout?] × hidden → Linear
 */
import { BatchNorm, Dropout, ELU, Flatten, LeakyReLU, Linear, ReLU, Sequential, Tanh } from "../../lib/nn/mod.ts";
import type { Layer } from "../../lib/nn/module.ts";
import { LayerNorm } from "../../lib/nn/layernorm.ts";
import { CustomGradLayerNorm } from "../../lib/nn/layernorm_op.ts";
import type { Rng } from "../../lib/random/rng.ts";

export const ACTIVATIONS = ["elu", "tanh", "relu", "leaky-relu"] as const;
export type Activation = typeof ACTIVATIONS[number];

/** layer = the autodiff LayerNorm (a); layer-custom = the custom-gradient op (b). */
export const NORMS = ["none", "batch", "layer", "layer-custom"] as const;
export type Norm = typeof NORMS[number];

export interface MLPConfig {
  inputs: number;
  hidden: number[];
  classes: number;
  activation: Activation;
  norm: Norm;
  dropout: number;
}

function activation(name: Activation): Layer {
  switch (name) {
    case "elu":
      return new ELU();
    case "tanh":
      return new Tanh();
    case "relu":
      return new ReLU();
    case "leaky-relu":
      return new LeakyReLU();
  }
}

function normalization(name: Norm, features: number): Layer[] {
  switch (name) {
    case "none":
      return [];
    case "batch":
      return [new BatchNorm(features)];
    case "layer":
      return [new LayerNorm(features)];
    case "layer-custom":
      return [new CustomGradLayerNorm(features)];
  }
}

export function buildMLP(cfg: MLPConfig, rng: Rng): Sequential {
  const layers: Layer[] = [new Flatten()];
  let width = cfg.inputs;
  for (const units of cfg.hidden) {
    layers.push(new Linear(width, units, rng), ...normalization(cfg.norm, units), activation(cfg.activation));
    if (cfg.dropout > 0) layers.push(new Dropout(cfg.dropout, rng));
    width = units;
  }
  layers.push(new Linear(width, cfg.classes, rng));
  return new Sequential(...layers);
}
