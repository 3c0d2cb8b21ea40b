/**
 * Layer normalisation in plain float64 TypeScript: the forward pass and the hand-derived backward
 * formulas of lib/nn/layernorm_op.ts, written independently of tfjs (which computes in float32
 * only). Finite differences of this forward check the formulas at float64 precision; the tfjs ops
 * are then checked against these values at float32 precision. Arrays are row-major [S, M].
 */
export interface LayerNormGradients64 {
  dX: Float64Array;
  dGamma: Float64Array;
  dBeta: Float64Array;
}

/** x̂ and r = 1/√(σ² + ε) of every row (σ² biased). */
function normalize64(x: Float64Array, rows: number, features: number, eps: number) {
  const xHat = new Float64Array(x.length), invStd = new Float64Array(rows);
  for (let s = 0; s < rows; s++) {
    const row = x.subarray(s * features, (s + 1) * features);
    const mean = row.reduce((a, b) => a + b, 0) / features;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / features;
    invStd[s] = 1 / Math.sqrt(variance + eps);
    for (let i = 0; i < features; i++) xHat[s * features + i] = (row[i] - mean) * invStd[s];
  }
  return { xHat, invStd };
}

export function layerNormForward64(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  rows: number,
  eps: number,
): Float64Array {
  const features = gamma.length, { xHat } = normalize64(x, rows, features, eps);
  return xHat.map((v, k) => gamma[k % features] * v + beta[k % features]);
}

/** ∂L/∂X, ∂L/∂γ, ∂L/∂β for ∂L/∂Y = dY (the formulas of lib/nn/layernorm_op.ts). */
export function layerNormBackward64(
  x: Float64Array,
  gamma: Float64Array,
  dY: Float64Array,
  rows: number,
  eps: number,
): LayerNormGradients64 {
  const features = gamma.length, { xHat, invStd } = normalize64(x, rows, features, eps);
  const dX = new Float64Array(x.length), dGamma = new Float64Array(features), dBeta = new Float64Array(features);
  for (let s = 0; s < rows; s++) {
    let meanDXHat = 0, meanDXHatXHat = 0;
    for (let i = 0; i < features; i++) {
      const k = s * features + i, dXHat = dY[k] * gamma[i];
      dGamma[i] += dY[k] * xHat[k];
      dBeta[i] += dY[k];
      meanDXHat += dXHat / features;
      meanDXHatXHat += dXHat * xHat[k] / features;
    }
    for (let i = 0; i < features; i++) {
      const k = s * features + i;
      dX[k] = invStd[s] * (dY[k] * gamma[i] - meanDXHat - xHat[k] * meanDXHatXHat);
    }
  }
  return { dX, dGamma, dBeta };
}
