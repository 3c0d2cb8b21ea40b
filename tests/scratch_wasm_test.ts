/**
 * The scratch layers on wasm, where im2col and col2im are kernels of their own
 * (lib/tf/wasm_im2col.ts), against the cpu backend, where they are whole-tensor compositions:
 * im2col and the window elements copy values (exactly equal), col2im and the elements' adjoint sum
 * overlapping windows (within rounding), and the conv and pool layers' outputs and gradients match.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { col2im, im2col, windowElements, windowElementsAdjoint, windowGeometry } from "../lib/scratch/im2col.ts";
import { hasWasmIm2col } from "../lib/tf/wasm_im2col.ts";
import { ScratchConv2D } from "../lib/scratch/conv2d.ts";
import { ScratchAvgPool2D, ScratchMaxPool2D } from "../lib/scratch/pool.ts";
import type { ScratchLayer } from "../lib/scratch/layer.ts";
import { assertScaledClose, maxAbs } from "./_helpers/numeric.ts";

interface Window {
  label: string;
  input: [number, number, number, number];
  k: number;
  s: number;
  p: number;
}

const WINDOWS: Window[] = [
  { label: "1 channel, 3×3 pad 1 (the small net)", input: [3, 9, 11, 1], k: 3, s: 1, p: 1 },
  { label: "1 channel, 3×3 stride 2 pad 1", input: [2, 9, 9, 1], k: 3, s: 2, p: 1 },
  { label: "6 channels, 5×5 pad 2", input: [2, 8, 7, 6], k: 5, s: 1, p: 2 },
  { label: "5 channels, 3×3 stride 2, no padding", input: [2, 9, 8, 5], k: 3, s: 2, p: 0 },
  { label: "8 channels, 2×2 stride 2 (pool)", input: [2, 6, 6, 8], k: 2, s: 2, p: 0 },
];

async function patchesAndAdjoint(win: Window) {
  const rng = new Rng(`im2col ${win.label}`);
  const g = windowGeometry([win.input[1], win.input[2]], win.k, win.s, win.p);
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(win.input.reduce((a, b) => a * b))), win.input);
  const rows = win.input[0] * g.outSize[0] * g.outSize[1], cols = win.k * win.k * win.input[3];
  const d = tf.tensor2d(rng.fillNormal(new Float32Array(rows * cols)), [rows, cols]);
  const p = im2col(x, g), dx = col2im(d, g, win.input[0], win.input[3]);
  // The window elements: cols split by tap, and their adjoint on the same gradient split alike.
  const [n, c] = [win.input[0], win.input[3]];
  const elements = windowElements(x, g);
  const dElements = g.offsets.map((_, t) => tf.slice(d, [0, t * c], [-1, c]) as tf.Tensor2D);
  const dxElements = windowElementsAdjoint(dElements, g, n, c);
  const out = {
    cols: await p.data(),
    dx: await dx.data(),
    elements: await Promise.all(elements.map((e) => e.data())),
    dxElements: await dxElements.data(),
    shapes: [p.shape, dx.shape, ...elements.map((e) => e.shape), dxElements.shape],
  };
  tf.dispose([x, d, p, dx, ...elements, ...dElements, dxElements]);
  return out;
}

for (const win of WINDOWS) {
  Deno.test(`wasm im2col equals the composition, col2im within rounding: ${win.label}`, async () => {
    await initBackend("cpu");
    const expected = await patchesAndAdjoint(win);
    await initBackend("wasm");
    assert.ok(hasWasmIm2col(), "the im2col kernels were not compiled: the test would be vacuous");
    const got = await patchesAndAdjoint(win).finally(() => initBackend("cpu"));
    assert.deepEqual(got.shapes, expected.shapes);
    assert.ok(maxAbs(expected.cols as Float32Array) > 0);
    assert.deepEqual(got.cols, expected.cols, "im2col");
    assertScaledClose(got.dx as Float32Array, expected.dx as Float32Array, 1e-6, "col2im");
    assert.deepEqual(got.elements, expected.elements, "window elements");
    assertScaledClose(got.dxElements as Float32Array, expected.dxElements as Float32Array, 1e-6, "their adjoint");
    assertScaledClose(got.dxElements as Float32Array, got.dx as Float32Array, 1e-6, "adjoint = col2im");
  });
}

const LAYERS: [string, [number, number, number, number], (rng: Rng) => ScratchLayer][] = [
  ["conv 1→8, 3×3 pad 1", [4, 10, 10, 1], (rng) => new ScratchConv2D(1, 8, 3, rng, { padding: 1 })],
  ["conv 6→16, 5×5 valid", [2, 12, 12, 6], (rng) => new ScratchConv2D(6, 16, 5, rng)],
  ["conv 3→4, 3×3 stride 2 pad 1", [2, 9, 9, 3], (rng) => new ScratchConv2D(3, 4, 3, rng, { stride: 2, padding: 1 })],
  ["max pool 2×2", [2, 8, 8, 6], () => new ScratchMaxPool2D(2)],
  ["max pool 3×3 stride 2 (overlapping)", [2, 9, 9, 4], () => new ScratchMaxPool2D(3, 2)],
  ["max pool 3×3 stride 1", [2, 7, 8, 3], () => new ScratchMaxPool2D(3, 1)],
  ["avg pool 2×2", [2, 8, 8, 5], () => new ScratchAvgPool2D(2)],
];

async function forwardBackward(shape: [number, number, number, number], make: (rng: Rng) => ScratchLayer) {
  const rng = new Rng(`layer ${shape}`);
  const layer = make(rng);
  const x = tf.tensor4d(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
  const y = layer.forward(x, true);
  const dOut = tf.tensor(rng.fillNormal(new Float32Array(y.size)), y.shape);
  const dx = layer.backward(dOut, true);
  const out = [await y.data(), await dx.data(), ...await Promise.all(layer.grads.map((g) => g.data()))];
  tf.dispose([x, y, dOut, dx, ...layer.grads, ...layer.params]);
  return out as Float32Array[];
}

for (const [label, shape, make] of LAYERS) {
  Deno.test(`scratch ${label} on wasm matches cpu: output, input and parameter gradients`, async () => {
    await initBackend("cpu");
    const expected = await forwardBackward(shape, make);
    await initBackend("wasm");
    const got = await forwardBackward(shape, make).finally(() => initBackend("cpu"));
    assert.equal(got.length, expected.length);
    expected.forEach((e, i) => assertScaledClose(got[i], e, 1e-5, `${label}: output ${i}`));
  });
}

/** The scratch max pool's rule in plain JS: running maximum m = m < b ? b : m in tap order, the first tap equal to it wins (the last where none is). */
function maxPoolReference(x: Float32Array, [n, h, w, c]: number[], k: number, s: number, dy: Float32Array) {
  const oh = Math.floor((h - k) / s) + 1, ow = Math.floor((w - k) / s) + 1;
  const y = new Float32Array(n * oh * ow * c), dx = new Float32Array(x.length);
  for (let r = 0; r < n; r++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          const at = Array.from(
            { length: k * k },
            (_, t) => ((r * h + oy * s + Math.floor(t / k)) * w + ox * s + t % k) * c + ch,
          );
          let m = x[at[0]];
          for (const i of at.slice(1)) m = m < x[i] ? x[i] : m;
          const o = ((r * oh + oy) * ow + ox) * c + ch;
          y[o] = m;
          const winner = at.slice(0, -1).find((i) => x[i] === m) ?? at.at(-1)!;
          dx[winner] += dy[o];
        }
      }
    }
  }
  return { y, dx };
}

for (
  const [label, shape, k, s] of [
    ["2×2, 27 outputs (a scalar tail)", [1, 7, 7, 3], 2, 2],
    ["3×3 stride 2, overlapping", [2, 9, 9, 4], 3, 2],
  ] as const
) {
  Deno.test(`scratch max pool on wasm runs as one kernel with the composition's rule: ties, −0 and NaN, ${label}`, async () => {
    await initBackend("wasm");
    try {
      assert.ok(hasWasmIm2col(), "the kernels were not compiled on wasm: the test would be vacuous");
      const rng = new Rng(`max pool ties ${label}`), size = shape.reduce((a: number, b: number) => a * b, 1);
      // few distinct values, so windows tie often
      const values = [-2, -1, -0, 0, 1, 2, NaN];
      const x = Float32Array.from({ length: size }, () => values[Math.floor(rng.uniform(0, values.length))]);
      // the last image's last three rows all 1: its last windows tie (the scalar tail's among them)
      x.fill(1, size - 3 * shape[2] * shape[3]);
      const pool = new ScratchMaxPool2D(k, s), xt = tf.tensor4d(x, [...shape]);
      const y = pool.forward(xt, true);
      const dy = Float32Array.from({ length: y.size }, () => Math.floor(rng.uniform(-3, 4)));
      const dyt = tf.tensor(dy, y.shape);
      const kernels = tf.engine().state.numDataBuffers;
      const dx = pool.backward(dyt);
      assert.equal(tf.engine().state.numDataBuffers - kernels, 1, "the backward pass is one kernel");
      const expected = maxPoolReference(x, [...shape], k, s, dy);
      assert.deepEqual(Array.from(await y.data()), Array.from(expected.y));
      assert.deepEqual(Array.from(await dx.data()), Array.from(expected.dx));
      tf.dispose([xt, y, dyt, dx]);
    } finally {
      await initBackend("cpu");
    }
  });
}
