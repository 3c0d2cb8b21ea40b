/**
 * The two networks of seed 004, described once and built three ways: as scratch layers (hand-written
 * backward), as lib/nn layers (tfjs' tape) with the same parameters, and as a calculator description
 * (lib/calc) for their shape/parameter tables.
 */
import type { Rng } from "../../lib/random/rng.ts";
import type { FeatureShape, LayerSpec, NetworkSpec } from "../cnn_calc/layer_spec.ts";
import { ScratchSequential } from "../../lib/scratch/sequential.ts";
import type { ScratchLayer } from "../../lib/scratch/layer.ts";
import { ScratchConv2D } from "../../lib/scratch/conv2d.ts";
import { ScratchReLU } from "../../lib/scratch/relu.ts";
import { ScratchAvgPool2D, ScratchMaxPool2D } from "../../lib/scratch/pool.ts";
import { ScratchFlatten } from "../../lib/scratch/flatten.ts";
import { ScratchLinear } from "../../lib/scratch/linear.ts";
import { Sequential } from "../../lib/nn/sequential.ts";
import type { Layer } from "../../lib/nn/module.ts";
import { Conv2d } from "../../lib/nn/conv2d.ts";
import { ReLU } from "../../lib/nn/activations.ts";
import { AvgPool2d, MaxPool2d } from "../../lib/nn/pool.ts";
import { Flatten } from "../../lib/nn/flatten.ts";
import { Linear } from "../../lib/nn/linear.ts";
import { layerOutput } from "../cnn_calc/shape_table.ts";
import { pair } from "../../lib/scratch/output_size.ts";

export type ArchitectureLayer = LayerSpec | { kind: "relu" };

export interface Architecture {
  name: string;
  description: string;
  input: [number, number, number];
  layers: ArchitectureLayer[];
}

export const MODEL_NAMES = ["small", "lenet5"] as const;
export type ModelName = typeof MODEL_NAMES[number];

/** Seed 004's CN: conv 3×3×8 pad 1 → ReLU → max pool 2 → dense 64 → ReLU → dense 10 (logits). */
export const SMALL_NET: Architecture = {
  name: "small",
  description: "conv 3×3×8 pad 1, ReLU, max pool 2, dense 64, ReLU, dense 10 (seed 004's CN)",
  input: [28, 28, 1],
  layers: [
    { kind: "conv", filters: 8, kernel: 3, padding: 1 },
    { kind: "relu" },
    { kind: "maxpool", window: 2 },
    { kind: "flatten" },
    { kind: "dense", units: 64 },
    { kind: "relu" },
    { kind: "dense", units: 10 },
  ],
};

/**
 * LeNet-5 (LeCun et al. 1998) on 28×28 MNIST: C1's padding 2 stands in for the paper's 32×32 input,
 * so every later shape is the paper's; ReLU and max pooling replace its scaled tanh and trainable
 * subsampling, as in modern reimplementations. (The seed's "LeNet" cell, FC 200 → 120 without
 * padding, was never trained: it refitted the small net.)
 */
export const LENET5_MNIST: Architecture = {
  name: "lenet5",
  description:
    "LeNet-5: conv 5×5×6 pad 2, ReLU, max pool 2, conv 5×5×16, ReLU, max pool 2, dense 120, ReLU, dense 84, ReLU, dense 10",
  input: [28, 28, 1],
  layers: [
    { kind: "conv", filters: 6, kernel: 5, padding: 2 },
    { kind: "relu" },
    { kind: "maxpool", window: 2 },
    { kind: "conv", filters: 16, kernel: 5 },
    { kind: "relu" },
    { kind: "maxpool", window: 2 },
    { kind: "flatten" },
    { kind: "dense", units: 120 },
    { kind: "relu" },
    { kind: "dense", units: 84 },
    { kind: "relu" },
    { kind: "dense", units: 10 },
  ],
};

export const ARCHITECTURES: Record<ModelName, Architecture> = { small: SMALL_NET, lenet5: LENET5_MNIST };

/** Each layer paired with the shape it receives. */
function withInputShapes(arch: Architecture): [ArchitectureLayer, FeatureShape][] {
  let shape: FeatureShape = arch.input;
  return arch.layers.map((layer) => {
    const input = shape;
    if (layer.kind !== "relu") shape = layerOutput(layer, shape).outputShape;
    return [layer, input];
  });
}

export function buildScratch(arch: Architecture, rng: Rng): ScratchSequential {
  const layers = withInputShapes(arch).map(([layer, input]): ScratchLayer => {
    switch (layer.kind) {
      case "conv":
        return new ScratchConv2D(input[2]!, layer.filters, layer.kernel, rng, {
          stride: layer.stride,
          padding: layer.padding,
        });
      case "relu":
        return new ScratchReLU();
      case "maxpool":
        return new ScratchMaxPool2D(layer.window, layer.stride);
      case "avgpool":
        return new ScratchAvgPool2D(layer.window, layer.stride);
      case "flatten":
        return new ScratchFlatten();
      case "dense":
        return new ScratchLinear(input[0], layer.units, rng);
    }
  });
  return new ScratchSequential(...layers);
}

/** The lib/nn twin; its parameters start as copies of `from`'s (same order and shapes). */
export function buildAutodiff(arch: Architecture, rng: Rng, from?: ScratchSequential): Sequential {
  const layers = withInputShapes(arch).map(([layer, input]): Layer => {
    switch (layer.kind) {
      case "conv": {
        const [sh, sw] = pair(layer.stride ?? 1), [ph, pw] = pair(layer.padding ?? 0);
        if (sh !== sw || ph !== pw) throw new Error("lib/nn Conv2d takes one stride and one padding for both axes");
        return new Conv2d(input[2]!, layer.filters, pair(layer.kernel), rng, { stride: sh, padding: ph });
      }
      case "relu":
        return new ReLU();
      case "maxpool":
        return new MaxPool2d(pair(layer.window), pair(layer.stride ?? layer.window));
      case "avgpool":
        return new AvgPool2d(pair(layer.window), pair(layer.stride ?? layer.window));
      case "flatten":
        return new Flatten();
      case "dense":
        return new Linear(input[0], layer.units, rng);
    }
  });
  const net = new Sequential(...layers);
  if (from) copyParameters(from, net);
  return net;
}

function copyParameters(from: ScratchSequential, to: Sequential): void {
  const source = from.params, target = to.parameters();
  if (source.length !== target.length) throw new Error(`cannot copy ${source.length} parameters into ${target.length}`);
  target.forEach((v, i) => {
    if (v.shape.join() !== source[i].shape.join()) {
      throw new Error(`parameter ${i}: [${source[i].shape}] into [${v.shape}]`);
    }
    v.assign(source[i]);
  });
}

/** The calculator's view: shapes and parameter counts (activations dropped). */
export function shapeSpec(arch: Architecture): NetworkSpec {
  return {
    name: `cnn-scratch ${arch.name} (28×28 MNIST)`,
    source: arch.description,
    input: arch.input,
    layers: arch.layers.filter((l): l is LayerSpec => l.kind !== "relu"),
  };
}
