/**
 * Initial values of the low-level models' tf.Variables, from our seeded Rng (tfjs' initialisers
 * ignore their seed).
 *
 * - "pytorch": U(±1/√fan_in) for weights and biases, drawn in the order lib/nn's layers draw them
 *   from the same stream, so both styles start from identical weights and differ only in how the
 *   training is written — their curves must then coincide up to float rounding.
 * - "seed": the initialisers of the seed's TensorFlow cells: linear regression N(0,1) scalars
 *   (tf.random_normal(shape=[])); logistic regression zeros; MLP weights N(0, 0.1²) (the seed's MLP
 *   had no biases: ours are zero-initialised); CNN weights truncated N(0, 0.1²) (redrawn beyond 2σ,
 *   as tf.truncated_normal) and biases 0.1.
 */
import { tf } from "../../lib/tf.ts";
import { pytorchDefaultBound, uniformTensor } from "../../lib/nn/init.ts";
import type { Rng } from "../../lib/random/rng.ts";
import type { ModelName } from "./models.ts";

export const INIT_SCHEMES = ["pytorch", "seed"] as const;
export type InitScheme = typeof INIT_SCHEMES[number];

/** Makes trainable variables; `fanIn` is the number of inputs feeding each output unit. */
export interface Initializer {
  weight(shape: number[], fanIn: number): tf.Variable;
  bias(shape: number[], fanIn: number): tf.Variable;
}

export function makeInitializer(scheme: InitScheme, model: ModelName, rng: Rng): Initializer {
  return scheme === "pytorch" ? pytorchInitializer(rng) : seedInitializer(model, rng);
}

function pytorchInitializer(rng: Rng): Initializer {
  const draw = (shape: number[], fanIn: number) => toVariable(uniformTensor(shape, pytorchDefaultBound(fanIn), rng));
  return { weight: draw, bias: draw };
}

function seedInitializer(model: ModelName, rng: Rng): Initializer {
  const normal = (std: number) => (shape: number[]) =>
    toVariable(tf.tensor(rng.fillNormal(new Float32Array(sizeOf(shape)), 0, std), shape));
  const constant = (value: number) => (shape: number[]) => toVariable(tf.fill(shape, value));
  switch (model) {
    case "linreg":
      return { weight: normal(1), bias: normal(1) };
    case "logreg":
      return { weight: constant(0), bias: constant(0) };
    case "mlp":
      return { weight: normal(0.1), bias: constant(0) };
    case "cnn":
      return {
        weight: (shape) => toVariable(tf.tensor(truncatedNormal(sizeOf(shape), 0.1, rng), shape)),
        bias: constant(0.1),
      };
  }
}

/** N(0, std²) redrawn until within 2 std (tf.truncated_normal). */
export function truncatedNormal(size: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let z = rng.normal();
    while (Math.abs(z) > 2) z = rng.normal();
    out[i] = z * std;
  }
  return out;
}

function toVariable(value: tf.Tensor): tf.Variable {
  const v = tf.variable(value, true);
  value.dispose();
  return v;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
