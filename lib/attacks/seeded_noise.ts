/**
 * Noise tensors drawn from the project's seeded generator (lib/random/rng.ts), so attacks with a
 * random start are reproducible: tfjs' own random ops ignore a global seed.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** U(lo, hi) elementwise. */
export function uniformNoise(shape: number[], lo: number, hi: number, rng: Rng): tf.Tensor {
  return tf.tensor(rng.fillUniform(new Float32Array(sizeOf(shape)), lo, hi), shape);
}

/** N(0, std²) elementwise. */
export function normalNoise(shape: number[], std: number, rng: Rng): tf.Tensor {
  return tf.tensor(rng.fillNormal(new Float32Array(sizeOf(shape)), 0, std), shape);
}
