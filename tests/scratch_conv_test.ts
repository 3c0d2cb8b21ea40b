/**
 * The scratch Conv2D: the seed's 4×4 known-value example, and forward/backward against a float64
 * reference (central differences) and against lib/nn's Conv2d on tfjs' tape, including the cases the
 * seed got wrong (stride > 1, padding, non-square kernels).
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchConv2D } from "../lib/scratch/conv2d.ts";
import {
  autodiffCheckLayer,
  gradCheckLayer,
  kinkFreeInput,
  type ReferenceForward,
  worstError,
} from "../lib/scratch/gradcheck.ts";
import { Conv2d } from "../lib/nn/conv2d.ts";

await initBackend("cpu");

// Seed 004, problem 2: input 1..16 as [1, 4, 4, 1], filters [3, 3, 1, 2].
const SEED_FILTERS = [
  [[[0, 0]], [[0, 0]], [[0, 0]]],
  [[[0, 0]], [[1, -1]], [[0, 1]]],
  [[[0, 0]], [[-1, 0]], [[0, 0]]],
];
const SEED_DOUT = [[[[-4, 1], [-4, -7]], [[-4, 1], [-4, -11]]]];
const SEED_DX = [[0, 0, 0, 0], [0, -5, 4, -7], [0, -1, 12, -11], [0, 4, 4, 0]];

function seedConv(): ScratchConv2D {
  return new ScratchConv2D(1, 2, 3, null, { init: { weight: tf.tensor4d(SEED_FILTERS), bias: tf.zeros([2]) } });
}

Deno.test("seed 4×4 example: forward output and input gradient", () => {
  const conv = seedConv();
  tf.tidy(() => {
    const x = tf.tensor4d(Array.from({ length: 16 }, (_, i) => i + 1), [1, 4, 4, 1]);
    assert.deepEqual(conv.forward(x, true).arraySync(), [[[[-4, 1], [-4, 1]], [[-4, 1], [-4, 1]]]]);
    assert.deepEqual(tf.reshape(conv.backward(tf.tensor4d(SEED_DOUT)), [4, 4]).arraySync(), SEED_DX);
  });
});

interface ConvCase {
  label: string;
  input: [number, number, number, number];
  filters: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  outSize: [number, number];
}

const CASES: ConvCase[] = [
  {
    label: "3×3, stride 1, no padding",
    input: [2, 5, 5, 2],
    filters: 3,
    kernel: [3, 3],
    stride: [1, 1],
    padding: [0, 0],
    outSize: [3, 3],
  },
  // ⌊(7 + 2 − 3)/2⌋ + 1 = 4; the seed's (7 + 2 − 3 + 1)//2 = 3.
  {
    label: "3×3, stride 2, padding 1",
    input: [2, 7, 7, 2],
    filters: 3,
    kernel: [3, 3],
    stride: [2, 2],
    padding: [1, 1],
    outSize: [4, 4],
  },
  // ⌊(7 − 3)/2⌋ + 1 = 3 where the seed's formula gives 2.
  {
    label: "3×3, stride 2, no padding",
    input: [1, 7, 7, 1],
    filters: 2,
    kernel: [3, 3],
    stride: [2, 2],
    padding: [0, 0],
    outSize: [3, 3],
  },
  {
    label: "2×3 kernel, stride 2×1, padding 1×0",
    input: [2, 6, 5, 2],
    filters: 2,
    kernel: [2, 3],
    stride: [2, 1],
    padding: [1, 0],
    outSize: [4, 3],
  },
];

/** Direct float64 convolution: y[n,oh,ow,f] = b[f] + Σ_{i,j,c} x[n, oh·sh+i−ph, ow·sw+j−pw, c]·W[i,j,c,f]. */
function conv2dReference(c: ConvCase): ReferenceForward {
  const [n, h, w, ch] = c.input, [kh, kw] = c.kernel, [sh, sw] = c.stride, [ph, pw] = c.padding, [oh, ow] = c.outSize;
  const f = c.filters;
  return (x, [weight, bias]) => {
    const y = new Float64Array(n * oh * ow * f);
    for (let b = 0; b < n; b++) {
      for (let r = 0; r < oh; r++) {
        for (let q = 0; q < ow; q++) {
          for (let o = 0; o < f; o++) {
            let s = bias[o];
            for (let i = 0; i < kh; i++) {
              for (let j = 0; j < kw; j++) {
                const row = r * sh + i - ph, col = q * sw + j - pw;
                if (row < 0 || row >= h || col < 0 || col >= w) continue;
                for (let k = 0; k < ch; k++) {
                  s += x[((b * h + row) * w + col) * ch + k] * weight[((i * kw + j) * ch + k) * f + o];
                }
              }
            }
            y[((b * oh + r) * ow + q) * f + o] = s;
          }
        }
      }
    }
    return y;
  };
}

for (const c of CASES) {
  Deno.test(`conv ${c.label}: output size, forward and backward match float64 central differences`, async () => {
    const rng = new Rng(`conv ${c.label}`);
    const conv = new ScratchConv2D(c.input[3], c.filters, c.kernel, rng, { stride: c.stride, padding: c.padding });
    const x = kinkFreeInput(c.input, rng);
    const shape = tf.tidy(() => conv.forward(x, false).shape);
    assert.deepEqual(shape, [c.input[0], ...c.outSize, c.filters]);
    const check = await gradCheckLayer(conv, x, conv2dReference(c), rng);
    assert.ok(worstError(check) < 1e-5, JSON.stringify(check));
    tf.dispose([x, ...conv.params]);
  });
}

for (const c of CASES.filter((c) => c.stride[0] === c.stride[1] && c.padding[0] === c.padding[1])) {
  Deno.test(`conv ${c.label}: matches lib/nn Conv2d on tfjs' tape`, async () => {
    const rng = new Rng(`conv twin ${c.label}`);
    const conv = new ScratchConv2D(c.input[3], c.filters, c.kernel, rng, { stride: c.stride, padding: c.padding });
    const twin = new Conv2d(c.input[3], c.filters, c.kernel, rng, { stride: c.stride[0], padding: c.padding[0] });
    const x = kinkFreeInput(c.input, rng);
    const check = await autodiffCheckLayer(conv, twin, x, rng);
    assert.ok(worstError(check) < 1e-5, JSON.stringify(check));
    tf.dispose([x, ...conv.params]);
    twin.dispose();
  });
}

Deno.test("conv rejects an input with the wrong channel count", () => {
  const conv = seedConv();
  assert.throws(() => tf.tidy(() => conv.forward(tf.zeros([1, 4, 4, 3]), false)), /1 channels/);
  tf.dispose(conv.params);
});
