/**
 * The scratch MaxPool2D and AvgPool2D against a float64 reference (central differences) and against
 * lib/nn's pools on tfjs' tape, with overlapping and non-square windows: the seed's average-pool
 * backward divided by kh + kw, which is right only for 2×2 windows.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchAvgPool2D, ScratchMaxPool2D } from "../lib/scratch/pool.ts";
import {
  autodiffCheckLayer,
  gradCheckLayer,
  kinkFreeInput,
  type ReferenceForward,
  worstError,
} from "../lib/scratch/gradcheck.ts";
import { AvgPool2d, MaxPool2d } from "../lib/nn/pool.ts";

await initBackend("cpu");

interface PoolCase {
  label: string;
  input: [number, number, number, number];
  window: [number, number];
  stride: [number, number];
  outSize: [number, number];
}

const CASES: PoolCase[] = [
  { label: "2×2 stride 2", input: [2, 6, 6, 2], window: [2, 2], stride: [2, 2], outSize: [3, 3] },
  { label: "3×3 stride 2 (overlapping)", input: [2, 7, 7, 2], window: [3, 3], stride: [2, 2], outSize: [3, 3] },
  { label: "2×3 window, stride 1×2", input: [2, 5, 7, 3], window: [2, 3], stride: [1, 2], outSize: [4, 3] },
  { label: "3×2 window, stride 2×1", input: [1, 7, 4, 2], window: [3, 2], stride: [2, 1], outSize: [3, 3] },
];

/** Direct float64 pooling over each window: max or mean. */
function poolReference(c: PoolCase, reduce: (values: number[]) => number): ReferenceForward {
  const [n, h, w, ch] = c.input, [kh, kw] = c.window, [sh, sw] = c.stride, [oh, ow] = c.outSize;
  return (x) => {
    const y = new Float64Array(n * oh * ow * ch);
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++) {
          for (let k = 0; k < ch; k++) {
            const values: number[] = [];
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) values.push(x[((b * h + r * sh + i) * w + q * sw + j) * ch + k]);
            }
            y[((b * oh + r) * ow + q) * ch + k] = reduce(values);
          }
        }
      }
    }
    return y;
  };
}

const KINDS = [
  {
    kind: "max",
    scratch: (c: PoolCase) => new ScratchMaxPool2D(c.window, c.stride),
    twin: (c: PoolCase) => new MaxPool2d(c.window, c.stride),
    reduce: (v: number[]) => Math.max(...v),
  },
  {
    kind: "avg",
    scratch: (c: PoolCase) => new ScratchAvgPool2D(c.window, c.stride),
    twin: (c: PoolCase) => new AvgPool2d(c.window, c.stride),
    reduce: (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length,
  },
];

for (const { kind, scratch, twin, reduce } of KINDS) {
  for (const c of CASES) {
    Deno.test(`${kind} pool ${c.label}: forward and backward match float64 central differences`, async () => {
      const rng = new Rng(`${kind} ${c.label}`);
      const pool = scratch(c);
      const x = kinkFreeInput(c.input, rng);
      const shape = tf.tidy(() => pool.forward(x, false).shape);
      assert.deepEqual(shape, [c.input[0], ...c.outSize, c.input[3]]);
      const check = await gradCheckLayer(pool, x, poolReference(c, reduce), rng);
      assert.ok(worstError(check) < 1e-5, JSON.stringify(check));
      x.dispose();
    });

    Deno.test(`${kind} pool ${c.label}: matches lib/nn on tfjs' tape`, async () => {
      const rng = new Rng(`${kind} twin ${c.label}`);
      const x = kinkFreeInput(c.input, rng);
      const check = await autodiffCheckLayer(scratch(c), twin(c), x, rng);
      assert.ok(worstError(check) < 1e-6, JSON.stringify(check));
      x.dispose();
    });
  }
}

Deno.test("avg pool 2×3 spreads each gradient as 1/6 over its window (the seed divided by 2 + 3)", () => {
  const pool = new ScratchAvgPool2D([2, 3]);
  tf.tidy(() => {
    pool.forward(tf.ones([1, 2, 3, 1]), true);
    const dx = pool.backward(tf.ones([1, 1, 1, 1])).dataSync();
    for (const v of dx) assert.ok(Math.abs(v - 1 / 6) < 1e-7, `got ${v}`);
  });
});

Deno.test("max pool routes the gradient to the window's maximum and sums overlaps", () => {
  const pool = new ScratchMaxPool2D(2, 1);
  tf.tidy(() => {
    // 3×3 with the maximum in the centre: all four overlapping 2×2 windows pick it.
    const x = tf.tensor4d([1, 2, 3, 4, 9, 5, 6, 7, 8], [1, 3, 3, 1]);
    assert.deepEqual(Array.from(pool.forward(x, true).dataSync()), [9, 9, 9, 9]);
    assert.deepEqual(Array.from(pool.backward(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])).dataSync()), [
      0,
      0,
      0,
      0,
      10,
      0,
      0,
      0,
      0,
    ]);
  });
});
