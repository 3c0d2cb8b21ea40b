/**
 * The checks of `deno task uva-layernorm` (UvA practical 1, Question 3.2 b): the hand-derived
 * LayerNorm backward (lib/nn/layernorm_op.ts) against finite differences and against autodiff.
 *
 * tfjs computes in float32, where a finite difference's rounding error (≈ ε₃₂·|L|/h) swamps the
 * derivative, so the checks run in two stages, as torch.autograd.gradcheck's advice to use double
 * precision intends:
 *   1. float64: the backward formulas (a plain-TS reference) against central differences of the
 *      float64 forward, h = 1e-6, on two inputs. A difference of L carries a rounding error of about
 *      ε₆₄·Σ|∂L/∂Y ∘ Y|/h (truncation, O(h²), is negligible); the tolerance is the larger of 1e-6
 *      and that estimate. On unit-scale inputs the estimate is ~1e-7, so 1e-6 applies; on the
 *      handout's, β_i = 100·i makes |L| ~ 10⁶ and the estimate ~1e-3, the limit of float64
 *      differences there (torch.autograd.gradcheck's per-entry atol 1e-5 would not hold for a
 *      sum of 1024 outputs at once).
 *   2. float32: the tfjs custom op (b) against the float64 values, and against the autodiff module
 *      (a), on the handout's inputs: a few hundred float32 ulps (ε₃₂ ≈ 1.2e-7) of sums over M.
 * Errors are max |a − b| / max(1, |b|) over the elements (lib/scratch/gradcheck.ts's measure).
 * The handout's inputs (custom_layernorm.py): batch 8 × 128 features, X = 2·N(0,1) + 10,
 * γ_i = √(10·i), β_i = 100·i; unit-scale: X = N(0,1), γ ~ U(0.5, 1.5), β ~ U(±0.5). The cotangent
 * ∂L/∂Y is uniform in ±1.
 */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { LayerNorm } from "../../lib/nn/layernorm.ts";
import { CustomGradLayerNorm, type GradientRequest, layerNormCustomGrad } from "../../lib/nn/layernorm_op.ts";
import { centralDifferences, gradientError } from "../../lib/scratch/gradcheck.ts";
import { layerNormBackward64, layerNormForward64 } from "./layernorm_reference.ts";

export interface LayerNormCheck {
  name: string;
  maxError: number;
  tolerance: number;
  passed: boolean;
}

export interface LayerNormCheckFinal {
  checks: LayerNormCheck[];
  allPassed: boolean;
  /** What the input-shape check says for a wrong shape. */
  shapeCheckMessage: string;
  /** Estimated rounding error of the float64 central differences on each input. */
  finiteDifferenceRounding: { unitScale: number; handout: number };
}

export interface LayerNormCheckConfig {
  rows: number;
  features: number;
  eps: number;
  /** Finite-difference step of the float64 stage. */
  h: number;
  seed: number;
}

/** Tolerances (see the module comment). */
export const FLOAT64_TOLERANCE = 1e-6;
export const FLOAT32_TOLERANCE = 1e-4;

interface Inputs64 {
  x: Float64Array;
  gamma: Float64Array;
  beta: Float64Array;
  dY: Float64Array;
}

export function handoutInputs(cfg: LayerNormCheckConfig): Inputs64 {
  const rng = Rng.derive(cfg.seed, "handout"), n = cfg.rows * cfg.features;
  return {
    x: Float64Array.from({ length: n }, () => 2 * rng.normal() + 10),
    gamma: Float64Array.from({ length: cfg.features }, (_, i) => Math.sqrt(10 * i)),
    beta: Float64Array.from({ length: cfg.features }, (_, i) => 100 * i),
    dY: Float64Array.from({ length: n }, () => rng.uniform(-1, 1)),
  };
}

export function unitScaleInputs(cfg: LayerNormCheckConfig): Inputs64 {
  const rng = Rng.derive(cfg.seed, "unit"), n = cfg.rows * cfg.features;
  return {
    x: Float64Array.from({ length: n }, () => rng.normal()),
    gamma: Float64Array.from({ length: cfg.features }, () => rng.uniform(0.5, 1.5)),
    beta: Float64Array.from({ length: cfg.features }, () => rng.uniform(-0.5, 0.5)),
    dY: Float64Array.from({ length: n }, () => rng.uniform(-1, 1)),
  };
}

/** ε₆₄·Σ|∂L/∂Y ∘ Y|/h: the rounding error a central difference of L can carry. */
export function finiteDifferenceRounding(cfg: LayerNormCheckConfig, v: Inputs64): number {
  const y = layerNormForward64(v.x, v.gamma, v.beta, cfg.rows, cfg.eps);
  return Number.EPSILON * y.reduce((sum, yk, k) => sum + Math.abs(yk * v.dY[k]), 0) / cfg.h;
}

function check(
  name: string,
  analytic: ArrayLike<number>,
  reference: ArrayLike<number>,
  tolerance: number,
): LayerNormCheck {
  const maxError = gradientError(analytic, reference).worst;
  return { name, maxError, tolerance, passed: maxError <= tolerance };
}

/**
 * Stage 1: the float64 formulas against central differences of the float64 forward. A difference
 * cannot be more accurate than its rounding error, so the tolerance is the larger of 1e-6 and
 * that estimate.
 */
export function float64Checks(cfg: LayerNormCheckConfig, v: Inputs64, label: string): LayerNormCheck[] {
  const loss = (x: Float64Array, gamma: Float64Array, beta: Float64Array) =>
    layerNormForward64(x, gamma, beta, cfg.rows, cfg.eps).reduce((sum, y, k) => sum + y * v.dY[k], 0);
  const g = layerNormBackward64(v.x, v.gamma, v.dY, cfg.rows, cfg.eps);
  const tolerance = Math.max(FLOAT64_TOLERANCE, finiteDifferenceRounding(cfg, v));
  const differences = (f: (a: Float64Array) => number, at: Float64Array) =>
    centralDifferences(f, Float64Array.from(at), cfg.h);
  return [
    check(
      `float64 ∂L/∂X vs finite differences, ${label}`,
      g.dX,
      differences((x) => loss(x, v.gamma, v.beta), v.x),
      tolerance,
    ),
    check(
      `float64 ∂L/∂γ vs finite differences, ${label}`,
      g.dGamma,
      differences((gm) => loss(v.x, gm, v.beta), v.gamma),
      tolerance,
    ),
    check(
      `float64 ∂L/∂β vs finite differences, ${label}`,
      g.dBeta,
      differences((b) => loss(v.x, v.gamma, b), v.beta),
      tolerance,
    ),
  ];
}

interface Outputs32 {
  y: Float32Array;
  dX: Float32Array;
  dGamma: Float32Array;
  dBeta: Float32Array;
}

/** Forward output and the three gradients of L = Σ dY ∘ module(X), through the tape. */
async function moduleGradients(module: LayerNorm, cfg: LayerNormCheckConfig, v: Inputs64): Promise<Outputs32> {
  module.gamma.assign(tf.tensor1d(Float32Array.from(v.gamma)));
  module.beta.assign(tf.tensor1d(Float32Array.from(v.beta)));
  const tensors = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(v.x), [cfg.rows, cfg.features]);
    const dY = tf.tensor2d(Float32Array.from(v.dY), [cfg.rows, cfg.features]);
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(module.forward(input), dY)) as tf.Scalar;
    const { grads } = tf.variableGrads(() => loss(x), [module.gamma, module.beta]);
    return [module.forward(x), tf.grad(loss)(x), grads[module.gamma.name], grads[module.beta.name]];
  });
  const [y, dX, dGamma, dBeta] = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return { y, dX, dGamma, dBeta };
}

/** The custom op's gradients of L for one subset of requested inputs (others come back empty). */
async function opGradients(needs: GradientRequest, cfg: LayerNormCheckConfig, v: Inputs64): Promise<Float32Array[]> {
  const tensors = tf.tidy(() => {
    const x = tf.tensor2d(Float32Array.from(v.x), [cfg.rows, cfg.features]);
    const gamma = tf.tensor1d(Float32Array.from(v.gamma)), beta = tf.tensor1d(Float32Array.from(v.beta));
    const dY = tf.tensor2d(Float32Array.from(v.dY), [cfg.rows, cfg.features]);
    const given = { x, gamma, beta }, wrt = (["x", "gamma", "beta"] as const).filter((k) => needs[k]);
    const loss = (...args: tf.Tensor[]) => {
      const t = { ...given };
      wrt.forEach((k, i) => t[k] = args[i] as never);
      return tf.sum(tf.mul(layerNormCustomGrad(t.x, t.gamma, t.beta, cfg.eps, needs), dY)) as tf.Scalar;
    };
    return tf.grads(loss)(wrt.map((k) => given[k]));
  });
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return values;
}

/** Stage 2: the tfjs custom op (b) against float64 and against autodiff (a); gradient subsets. */
export async function float32Checks(cfg: LayerNormCheckConfig, v: Inputs64): Promise<LayerNormCheck[]> {
  const y64 = layerNormForward64(v.x, v.gamma, v.beta, cfg.rows, cfg.eps);
  const g64 = layerNormBackward64(v.x, v.gamma, v.dY, cfg.rows, cfg.eps);
  const a = new LayerNorm(cfg.features, { eps: cfg.eps }), b = new CustomGradLayerNorm(cfg.features, { eps: cfg.eps });
  const outA = await moduleGradients(a, cfg, v), outB = await moduleGradients(b, cfg, v);
  a.dispose();
  b.dispose();
  const checks = [
    check("(b) custom op Y vs float64", outB.y, y64, FLOAT32_TOLERANCE),
    check("(b) custom op ∂L/∂X vs float64", outB.dX, g64.dX, FLOAT32_TOLERANCE),
    check("(b) custom op ∂L/∂γ vs float64", outB.dGamma, g64.dGamma, FLOAT32_TOLERANCE),
    check("(b) custom op ∂L/∂β vs float64", outB.dBeta, g64.dBeta, FLOAT32_TOLERANCE),
    check("(a) autodiff Y vs (b)", outA.y, outB.y, FLOAT32_TOLERANCE),
    check("(a) autodiff ∂L/∂X vs (b)", outA.dX, outB.dX, FLOAT32_TOLERANCE),
    check("(a) autodiff ∂L/∂γ vs (b)", outA.dGamma, outB.dGamma, FLOAT32_TOLERANCE),
    check("(a) autodiff ∂L/∂β vs (b)", outA.dBeta, outB.dBeta, FLOAT32_TOLERANCE),
  ];
  // Asking for fewer gradients must not change the ones computed.
  const [dGammaOnly, dBetaOnly] = await opGradients({ x: false, gamma: true, beta: true }, cfg, v);
  const [dBetaAlone] = await opGradients({ x: false, gamma: false, beta: true }, cfg, v);
  const subsetError = Math.max(
    gradientError(dGammaOnly, outB.dGamma).worst,
    gradientError(dBetaOnly, outB.dBeta).worst,
    gradientError(dBetaAlone, outB.dBeta).worst,
  );
  checks.push({
    name: "(b) with only γ, β or β requested vs all",
    maxError: subsetError,
    tolerance: 0,
    passed: subsetError === 0,
  });
  return checks;
}

/** With γ = 1, β = 0 every output row has mean 0 and (biased) variance σ²/(σ² + ε) ≈ 1. */
export async function normalisationCheck(cfg: LayerNormCheckConfig, v: Inputs64): Promise<LayerNormCheck> {
  const module = new CustomGradLayerNorm(cfg.features, { eps: cfg.eps });
  const y = tf.tidy(() => module.forward(tf.tensor2d(Float32Array.from(v.x), [cfg.rows, cfg.features])));
  const values = await y.data();
  tf.dispose(y);
  module.dispose();
  let worst = 0;
  for (let s = 0; s < cfg.rows; s++) {
    const row = Array.from(values.subarray(s * cfg.features, (s + 1) * cfg.features));
    const mean = row.reduce((a, b) => a + b, 0) / cfg.features;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / cfg.features;
    worst = Math.max(worst, Math.abs(mean), Math.abs(variance - 1));
  }
  return {
    name: "(b) rows of X̂: |mean|, |variance − 1|",
    maxError: worst,
    tolerance: FLOAT32_TOLERANCE,
    passed: worst <= FLOAT32_TOLERANCE,
  };
}

/** The message the input-shape check gives for a 3-D input. */
export function shapeCheckMessage(features: number): string {
  const module = new LayerNorm(features);
  try {
    tf.tidy(() => module.forward(tf.zeros([2, 3, features])));
    return "no error (the shape check is missing)";
  } catch (e) {
    return (e as Error).message;
  } finally {
    module.dispose();
  }
}

export async function runLayerNormChecks(cfg: LayerNormCheckConfig): Promise<LayerNormCheckFinal> {
  const v = handoutInputs(cfg), unit = unitScaleInputs(cfg);
  const checks = [
    ...float64Checks(cfg, unit, "unit-scale input"),
    ...float64Checks(cfg, v, "handout input"),
    ...await float32Checks(cfg, v),
    await normalisationCheck(cfg, v),
  ];
  return {
    checks,
    allPassed: checks.every((c) => c.passed),
    shapeCheckMessage: shapeCheckMessage(cfg.features),
    finiteDifferenceRounding: {
      unitScale: finiteDifferenceRounding(cfg, unit),
      handout: finiteDifferenceRounding(cfg, v),
    },
  };
}
