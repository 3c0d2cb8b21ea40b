/**
 * The Winograd convolutions of lib/tf/wasm_conv2d_winograd.ts against float64 sums: y, ∂x and ∂W of
 * 3×3 "same" layers on wasm. The transforms only add and halve, so F(2×2, 3×3) keeps the accuracy
 * of a float32 dot product: a relative rms error of a few 1e-7 at these lengths (the cpu backend,
 * which sums in float64 and rounds once, is shown beside it). A wrong transform entry errs by ~1.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { winogradApplies } from "../lib/tf/wasm_conv2d_winograd.ts";

interface Layer {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
}

/** y, ∂x, ∂W of Σ conv(x, W) ⊙ dy in float64, padding 1. */
function reference({ n, h, w, c, k }: Layer, x: Float32Array, W: Float32Array, dy: Float32Array) {
  const y = new Float64Array(n * h * w * k), dx = new Float64Array(n * h * w * c), dW = new Float64Array(9 * c * k);
  for (let r = 0; r < n; r++) {
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        for (let ky = 0; ky < 3; ky++) {
          for (let kx = 0; kx < 3; kx++) {
            const iy = oy + ky - 1, ix = ox + kx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const xi = ((r * h + iy) * w + ix) * c, yi = ((r * h + oy) * w + ox) * k, wi = (ky * 3 + kx) * c * k;
            for (let ci = 0; ci < c; ci++) {
              for (let o = 0; o < k; o++) {
                y[yi + o] += x[xi + ci] * W[wi + ci * k + o];
                dx[xi + ci] += dy[yi + o] * W[wi + ci * k + o];
                dW[wi + ci * k + o] += x[xi + ci] * dy[yi + o];
              }
            }
          }
        }
      }
    }
  }
  return { y, dx, dW };
}

async function onBackend(backend: "cpu" | "wasm", l: Layer, x: Float32Array, W: Float32Array, dy: Float32Array) {
  await initBackend(backend);
  const xs = tf.tensor4d(x, [l.n, l.h, l.w, l.c]), ws = tf.tensor4d(W, [3, 3, l.c, l.k]);
  const dys = tf.tensor4d(dy, [l.n, l.h, l.w, l.k]);
  const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, 1, "same");
  const y = f(xs, ws);
  const [dx, dW] = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dys)))([xs, ws]);
  const out = { y: await y.data(), dx: await dx.data(), dW: await dW.data() };
  tf.dispose([xs, ws, dys, y, dx, dW]);
  return out as Record<"y" | "dx" | "dW", Float32Array>;
}

/** Root-mean-square error against the reference, relative to the reference's root-mean-square. */
function relativeRms(got: Float32Array, ref: Float64Array): number {
  let err = 0, size = 0;
  for (let i = 0; i < ref.length; i++) {
    err += (got[i] - ref[i]) ** 2;
    size += ref[i] ** 2;
  }
  return Math.sqrt(err / size);
}

const LAYERS: Layer[] = [
  { n: 2, h: 7, w: 7, c: 64, k: 64 }, // UvA's 7×7 layers, partial tiles at the edge
  { n: 3, h: 4, w: 4, c: 128, k: 32 },
  { n: 1, h: 6, w: 9, c: 8, k: 12 },
];

for (const l of LAYERS) {
  Deno.test(`Winograd on wasm is as accurate as the direct float32 sum: ${l.h}×${l.w}×${l.c} → ${l.k}`, async () => {
    const geometry = { ...l, co: l.k, k: 3, s: 1, p: 1, oh: l.h, ow: l.w };
    assert.ok(winogradApplies(geometry), "this layer would not take the Winograd path");
    const rng = new Rng(`winograd ${JSON.stringify(l)}`);
    const x = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.c)),
      W = rng.fillNormal(new Float32Array(9 * l.c * l.k));
    const dy = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.k));
    const ref = reference(l, x, W, dy);
    const direct = await onBackend("cpu", l, x, W, dy);
    const winograd = await onBackend("wasm", l, x, W, dy).finally(() => initBackend("cpu"));
    for (const name of ["y", "dx", "dW"] as const) {
      const ours = relativeRms(winograd[name], ref[name]), cpu = relativeRms(direct[name], ref[name]);
      assert.ok(ours < 1e-6, `${name}: relative rms error ${ours.toExponential(2)} (cpu: ${cpu.toExponential(2)})`);
    }
  });
}
