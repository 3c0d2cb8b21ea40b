/**
 * Gradient checking for hand-written backward passes, the float64 way: tfjs computes in float32,
 * whose rounding (ε ≈ 1.2e-7) swamps a finite difference (error ≈ ε/h), so the differences are taken
 * of a plain-TypeScript float64 reference of the same layer, where central differences
 *   ∂f/∂xᵢ ≈ (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h      (truncation O(h²), rounding ≈ 1e-16/h)
 * are accurate to ~1e-9 at h = 1e-6. The float32 analytic gradients then agree to float32 accuracy.
 *
 * A layer is checked through a scalar L = Σ c ⊙ layer(x) with a random cotangent c: its backward(c)
 * must equal ∂L/∂x, and the `grads` it leaves must equal ∂L/∂θ. The same L also compares a layer
 * with its autodiff twin from lib/nn (tfjs' tape), in float32 on both sides.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import type { ScratchLayer } from "./layer.ts";
import type { Layer } from "../nn/module.ts";

/** A float64 reference of a layer's forward pass on flat row-major arrays (shapes are the caller's). */
export type ReferenceForward = (input: Float64Array, params: Float64Array[]) => Float64Array;

export interface GradientError {
  /** max |analytic − reference| / max(1, |reference|) over the elements. */
  worst: number;
  /** The element where it occurs (−1 for empty arrays). */
  index: number;
}

export interface LayerGradCheck {
  /** Forward output against the reference's. */
  output: GradientError;
  /** backward(c) against ∂L/∂x by central differences. */
  input: GradientError;
  /** Each of `grads` against ∂L/∂θ by central differences, in `params` order. */
  params: GradientError[];
}

/** ∂f/∂x by central differences, one coordinate at a time (x is restored). */
export function centralDifferences(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const grad = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    x[i] = xi + h;
    const up = f(x);
    x[i] = xi - h;
    const down = f(x);
    x[i] = xi;
    grad[i] = (up - down) / (2 * h);
  }
  return grad;
}

/** Mixed absolute/relative error: absolute for values below 1, relative above. */
export function gradientError(analytic: ArrayLike<number>, reference: ArrayLike<number>): GradientError {
  if (analytic.length !== reference.length) {
    throw new Error(`gradient sizes differ: ${analytic.length} analytic vs ${reference.length} reference`);
  }
  let worst = 0, index = -1;
  for (let i = 0; i < reference.length; i++) {
    const e = Math.abs(analytic[i] - reference[i]) / Math.max(1, Math.abs(reference[i]));
    if (!(e <= worst)) [worst, index] = [e, i]; // !(≤) also catches NaN
  }
  return { worst, index };
}

/** The largest error of a whole check. */
export function worstError(check: LayerGradCheck): number {
  return Math.max(check.output.worst, check.input.worst, ...check.params.map((p) => p.worst));
}

/**
 * Values of `shape` spread evenly over ±1 in random order, 2/size apart and none at 0:
 * no ties for max pooling, no input at ReLU's kink, so finite differences see a smooth function.
 */
export function kinkFreeInput(shape: number[], rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const order = rng.permutation(size);
  // Slot k of 2/size-wide bins over ±1, shifted off centre so no value is 0 (≥ 0.25/size away).
  const values = Float32Array.from(order, (k) => -1 + (2 * k + 1.25) / size);
  return tf.tensor(values, shape);
}

/** Runs `layer` forward and backward on x with a random cotangent and checks it against `reference`. */
export async function gradCheckLayer(
  layer: ScratchLayer,
  x: tf.Tensor,
  reference: ReferenceForward,
  rng: Rng,
  h = 1e-6,
): Promise<LayerGradCheck> {
  const analytic = tf.tidy(() => {
    const y = layer.forward(x, true);
    const cotangent = tf.tensor(rng.fillUniform(new Float32Array(y.size), -1, 1), y.shape);
    const dx = layer.backward(cotangent);
    return { tensors: [y, cotangent, dx, ...layer.grads] };
  });
  const [y, cotangent, dx, ...grads] = await Promise.all(analytic.tensors.map((t) => t.data()));
  tf.dispose(analytic.tensors);
  const x64 = Float64Array.from(await x.data());
  const params64 = await Promise.all(layer.params.map(async (p) => Float64Array.from(await p.data())));
  const c64 = Float64Array.from(cotangent);
  const loss = (input: Float64Array, params: Float64Array[]) => dot(c64, reference(input, params));
  return {
    output: gradientError(y, reference(x64, params64)),
    input: gradientError(dx, centralDifferences((v) => loss(v, params64), x64, h)),
    params: params64.map((p, k) =>
      gradientError(grads[k], centralDifferences((v) => loss(x64, params64.map((q, j) => (j === k ? v : q))), p, h))
    ),
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(`reference output has ${b.length} elements, the layer's ${a.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Checks `layer` against its autodiff twin (a lib/nn layer whose parameters() align with
 * layer.params; they are overwritten with the scratch values first): forward outputs, then the
 * input and parameter gradients of L = Σ c ⊙ y, by hand and by tfjs' tape.
 */
export async function autodiffCheckLayer(
  layer: ScratchLayer,
  twin: Layer,
  x: tf.Tensor,
  rng: Rng,
): Promise<LayerGradCheck> {
  const twinParams = twin.parameters();
  if (twinParams.length !== layer.params.length) {
    throw new Error(`${layer.name} has ${layer.params.length} parameters, its twin ${twin} ${twinParams.length}`);
  }
  twinParams.forEach((v, i) => v.assign(layer.params[i]));
  const tensors = tf.tidy(() => {
    const y = layer.forward(x, true);
    const cotangent = tf.tensor(rng.fillUniform(new Float32Array(y.size), -1, 1), y.shape);
    const dx = layer.backward(cotangent);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(cotangent, twin.forward(input))) as tf.Scalar;
    const tapeDx = tf.grad(loss)(x);
    const tapeGrads = twinParams.length ? tf.variableGrads(() => loss(x), twinParams).grads : {};
    return [y, dx, ...layer.grads, twin.forward(x), tapeDx, ...twinParams.map((v) => tapeGrads[v.name])];
  });
  const values = await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
  const half = values.length / 2;
  const [y, dx, ...grads] = values.slice(0, half);
  const [twinY, twinDx, ...twinGrads] = values.slice(half);
  return {
    output: gradientError(y, twinY),
    input: gradientError(dx, twinDx),
    params: grads.map((g, k) => gradientError(g, twinGrads[k])),
  };
}
