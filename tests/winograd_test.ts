/**
 * The Winograd convolutions of lib/tf/wasm_conv2d_winograd.ts against float64 sums: y, ∂x and ∂W of
 * 3×3 and 5×5 "same" layers on wasm. The transforms of F(4×4, 3×3) and F(2×2, 5×5) hold 4, 5 and
 * 1/24, which cost about a decimal digit against a float32 dot product: a relative rms error of a
 * few 1e-6 where the cpu backend, which sums in float64 and rounds once, has a few 1e-7 (shown
 * beside it). A wrong transform entry errs by ~1.
 * The committed .wat files must be their generator's output.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { winogradApplies } from "../lib/tf/wasm_conv2d_winograd.ts";
import { heapThreads, setWasmThreads, wasmThreads } from "../lib/tf/wasm_heap.ts";
import { WINOGRAD_TILES, winogradFile, type WinogradTile, winogradWat } from "../lib/wasm/winograd_wat.ts";

interface Layer {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  /** Filter size. */
  r: 3 | 5;
}

/** y, ∂x, ∂W of Σ conv(x, W) ⊙ dy in float64, "same" padding. */
function reference({ n, h, w, c, k, r: f }: Layer, x: Float32Array, W: Float32Array, dy: Float32Array) {
  const y = new Float64Array(n * h * w * k), dx = new Float64Array(n * h * w * c), dW = new Float64Array(f * f * c * k);
  const p = (f - 1) / 2;
  for (let r = 0; r < n; r++) {
    for (let oy = 0; oy < h; oy++) {
      for (let ox = 0; ox < w; ox++) {
        for (let ky = 0; ky < f; ky++) {
          for (let kx = 0; kx < f; kx++) {
            const iy = oy + ky - p, ix = ox + kx - p;
            if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
            const xi = ((r * h + iy) * w + ix) * c, yi = ((r * h + oy) * w + ox) * k, wi = (ky * f + kx) * c * k;
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
  const xs = tf.tensor4d(x, [l.n, l.h, l.w, l.c]), ws = tf.tensor4d(W, [l.r, l.r, l.c, l.k]);
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

// With fewer than 32 filters a forward pass stays on XNNPACK (wasm_conv2d.ts), so the last layer of
// each size checks Winograd's gradients only.
const LAYERS: Layer[] = [
  { n: 2, h: 7, w: 7, c: 64, k: 64, r: 3 }, // UvA's 7×7 layers, partial tiles at the edge
  { n: 3, h: 4, w: 4, c: 128, k: 32, r: 3 },
  { n: 1, h: 6, w: 9, c: 8, k: 12, r: 3 }, // partial tiles both ways
  { n: 2, h: 14, w: 14, c: 32, k: 64, r: 5 }, // the basics CNN's second layer
  { n: 2, h: 7, w: 5, c: 16, k: 8, r: 5 }, // partial tiles, more padding than image
];

/** Bound on the relative rms error. */
const TOLERANCE = 5e-6;

for (const l of LAYERS) {
  Deno.test(`Winograd on wasm is within a few float32 roundings of the exact sum: ${l.r}×${l.r}, ${l.h}×${l.w}×${l.c} → ${l.k}`, async () => {
    const geometry = { ...l, co: l.k, k: l.r, s: 1, p: (l.r - 1) / 2, oh: l.h, ow: l.w };
    assert.ok(winogradApplies(geometry), "this layer would not take the Winograd path");
    const rng = new Rng(`winograd ${JSON.stringify(l)}`);
    const x = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.c)),
      W = rng.fillNormal(new Float32Array(l.r * l.r * l.c * l.k));
    const dy = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.k));
    const ref = reference(l, x, W, dy);
    const direct = await onBackend("cpu", l, x, W, dy);
    const winograd = await onBackend("wasm", l, x, W, dy).finally(() => initBackend("cpu"));
    for (const name of ["y", "dx", "dW"] as const) {
      const ours = relativeRms(winograd[name], ref[name]), cpu = relativeRms(direct[name], ref[name]);
      assert.ok(
        ours < TOLERANCE,
        `${name}: relative rms error ${ours.toExponential(2)} (cpu: ${cpu.toExponential(2)})`,
      );
    }
  });
}

Deno.test("Winograd layers shared out among 3 threads (transforms by images and channels, products whole) equal 1 thread bit for bit", async () => {
  const layers: Layer[] = [
    // large enough that every transform's share holds LEAST_SHARE_FLOATS
    { n: 33, h: 14, w: 14, c: 128, k: 128, r: 3 },
    { n: 48, h: 14, w: 14, c: 64, k: 128, r: 5 },
  ];
  await initBackend("wasm");
  try {
    for (const l of layers) {
      const rng = new Rng(`winograd threads ${JSON.stringify(l)}`);
      const x = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.c)),
        W = rng.fillNormal(new Float32Array(l.r * l.r * l.c * l.k));
      const dy = rng.fillNormal(new Float32Array(l.n * l.h * l.w * l.k));
      await setWasmThreads(1);
      const one = await onBackend("wasm", l, x, W, dy);
      await setWasmThreads(3);
      assert.equal(wasmThreads(), 3);
      const shared = heapThreads()!.shared;
      const three = await onBackend("wasm", l, x, W, dy);
      // forward and input gradient: 3 transforms and a batch of products each; filter gradient: 3 and a batch
      assert.ok(heapThreads()!.shared - shared >= 10, `only ${heapThreads()!.shared - shared} calls were shared out`);
      for (const name of ["y", "dx", "dW"] as const) {
        const at = three[name].findIndex((v, i) => !Object.is(v, one[name][i]));
        assert.equal(at, -1, `${name} of ${JSON.stringify(l)} differs first at ${at}`);
      }
    }
  } finally {
    await setWasmThreads(1);
  }
});

Deno.test("the Winograd .wat files are their generator's output", () => {
  for (const tile of Object.keys(WINOGRAD_TILES) as WinogradTile[]) {
    const name = winogradFile(tile), committed = Deno.readTextFileSync(new URL(`../lib/wasm/${name}`, import.meta.url));
    assert.ok(committed === winogradWat(tile), `lib/wasm/${name} differs: run deno run -A lib/wasm/winograd_wat.ts`);
  }
});
