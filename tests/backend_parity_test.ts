/**
 * One engine, three backends: the cpu, wasm and webgpu backends share tfjs' single engine, and the
 * ops and gradients the experiments rely on give the same numbers on each (within float32
 * summation-order differences). The cpu backend is the reference: it is plain JS in float32.
 *
 * Also checks the kernels lib/tf/wasm_training_kernels.ts adds to wasm: the native composition for
 * Conv2DBackpropFilter over every stride/padding/kernel the experiments use, and the cpu-fallback
 * kernels (UnsortedSegmentSum = gather's gradient, depthwise conv backprops, Einsum).
 *
 * Reads use `await t.data()` throughout: webgpu has no synchronous read in Deno.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { AvgPool2d, BatchNorm, Conv2d, ELU, Flatten, LeakyReLU, Linear, MaxPool2d, Sequential } from "../lib/nn/mod.ts";
import { WASM_VIA_CPU_KERNELS } from "../lib/tf/wasm_training_kernels.ts";
import { SiameseNet } from "../scripts/siamese_grid/siamese.ts";
import { pairObjective } from "../scripts/siamese_grid/pair_objective.ts";
import { PairTensors } from "../scripts/siamese_grid/pair_tensors.ts";
import type { PairSet } from "../scripts/siamese_grid/pairs.ts";
import { assertScaledClose, maxAbs } from "./_helpers/numeric.ts";

const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
const adapter = gpu ? await gpu.requestAdapter().catch(() => null) : null;
const NO_GPU = adapter === null;
if (NO_GPU) {
  console.warn("backend_parity_test: no WebGPU adapter (apt-get install mesa-vulkan-drivers); webgpu parts ignored");
}

// float32 sums in a different order differ by a few ulps per term; on these small shapes (≤ a few
// hundred terms per output) the error relative to the array's largest entry stays well below 1e-4.
const TOL = 1e-4;

await initBackend("cpu");

type Named = Map<string, Float32Array>;

async function readAll(named: [string, tf.Tensor][]): Promise<Named> {
  const out: Named = new Map();
  for (const [name, t] of named) out.set(name, (await t.data()) as Float32Array);
  return out;
}

function compareNamed(actual: Named, expected: Named, tol: number, what: string) {
  assert.deepEqual([...actual.keys()], [...expected.keys()], `${what}: names`);
  for (const [name, e] of expected) {
    assert.ok(maxAbs(e) > 0, `${what}: reference ${name} is all zeros; the test would be vacuous`);
    assertScaledClose(actual.get(name)!, e, tol, `${what} ${name}`);
  }
}

Deno.test("one engine: cpu, wasm and webgpu are registered and switching keeps tensors readable", async () => {
  const engine = tf.engine();
  const registered = Object.keys(engine.registryFactory);
  for (const name of ["cpu", "wasm"]) assert.ok(registered.includes(name), `${name} not in [${registered}]`);
  if (!NO_GPU) assert.ok(registered.includes("webgpu"), `webgpu not in [${registered}]`);
  // The same engine object is the global tfjs keeps: a second import path would make a second one.
  assert.equal((globalThis as unknown as { _tfengine?: unknown })._tfengine, engine);

  const names = NO_GPU ? ["cpu", "wasm"] as const : ["cpu", "wasm", "webgpu"] as const;
  await initBackend("cpu");
  const made = tf.tensor1d([1, 2, 3]);
  for (const name of names) {
    const info = await initBackend(name);
    assert.equal(info.backend, name);
    assert.equal(tf.getBackend(), name);
    assert.ok(tf.findBackend(name), `findBackend(${name})`);
    assert.equal(tf.engine(), engine, "initBackend must not create a second engine");
    // The tensor made on cpu moves to the active backend on use.
    const y = tf.mul(made, 2);
    assert.deepEqual(Array.from(await y.data()), [2, 4, 6], `${name}: tensor from another backend`);
    y.dispose();
  }
  made.dispose();
  await initBackend("cpu");
  // Kernels the training needs are registered for every backend of the engine.
  for (const kernel of ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPoolGrad", "AvgPoolGrad"]) {
    for (const name of names) assert.ok(tf.getKernel(kernel, name), `${kernel} missing on ${name}`);
  }
  for (const kernel of WASM_VIA_CPU_KERNELS) assert.ok(tf.getKernel(kernel, "wasm"), `${kernel} missing on wasm`);
});

// ------------------------------------------------------------------ a small network, every backend

const X_SHAPE: [number, number, number, number] = [2, 12, 10, 3];
const X_DATA = new Rng("parity/x").fillNormal(new Float32Array(2 * 12 * 10 * 3));
const R_DATA = new Rng("parity/r").fillNormal(new Float32Array(2 * 3));

/**
 * conv 3×3 stride 1 "same" → LeakyReLU → avgpool 2 stride 1 → conv 3×3 stride 2 "valid" → ELU →
 * conv 3×3 pad 1 (no bias) → BatchNorm (training: batch statistics) → LeakyReLU(0.1) → maxpool 2 → Linear.
 * 12×10 → 12×10 → 11×9 → 5×4 → 5×4 → 2×2 (×6 channels) → 3.
 */
async function networkOn(backend: "cpu" | "wasm" | "webgpu"): Promise<Named> {
  await initBackend(backend);
  const rng = new Rng("parity/net");
  const model = new Sequential(
    new Conv2d(3, 4, 3, rng, { stride: 1, padding: "same" }),
    new LeakyReLU(),
    new AvgPool2d(2, 1),
    new Conv2d(4, 4, 3, rng, { stride: 2, padding: "valid" }),
    new ELU(),
    // No bias before BatchNorm: its gradient is exactly zero in theory, so only rounding noise to compare.
    new Conv2d(4, 6, 3, rng, { padding: 1, bias: false }),
    new BatchNorm(6),
    new LeakyReLU(0.1),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(24, 3, rng),
  );
  const before = tf.memory().numTensors;
  const x = tf.tidy(() => tf.variable(tf.tensor4d(X_DATA, X_SHAPE), true, `x_${backend}`));
  const r = tf.tensor2d(R_DATA, [2, 3]);
  const out = tf.tidy(() => model.forward(x));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x), r)) as tf.Scalar, [
    x,
    ...model.parameters(),
  ]);
  const named: [string, tf.Tensor][] = [
    ["forward", out],
    ["loss", value],
    ["d/input", grads[x.name]],
    ...model.namedParameters().map(([n, p]) => [`d/${n}`, grads[p.name]] as [string, tf.Tensor]),
    ...model.namedBuffers(),
  ];
  const result = await readAll(named);
  tf.dispose([out, value, x, r, ...Object.values(grads)]);
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors leaked by forward/backward`);
  model.dispose();
  return result;
}

let cpuNetwork: Promise<Named> | null = null;
const cpuReference = () => (cpuNetwork ??= networkOn("cpu"));

Deno.test("network forward and gradients: wasm matches cpu", async () => {
  const expected = await cpuReference();
  try {
    compareNamed(await networkOn("wasm"), expected, TOL, "wasm");
  } finally {
    await initBackend("cpu");
  }
});

Deno.test({
  name: "network forward and gradients: webgpu matches cpu",
  ignore: NO_GPU,
  async fn() {
    const expected = await cpuReference();
    try {
      compareNamed(await networkOn("webgpu"), expected, TOL, "webgpu");
    } finally {
      await initBackend("cpu");
    }
  },
});

// ----------------------------------------------------------- the seed-000 model, end to end

/** Synthetic standardised pairs (no MNIST needed): 6 pairs of 14×14×2 with classes. */
const PAIRS: PairSet = (() => {
  const rng = new Rng("parity/pairs");
  const classes = Uint8Array.from({ length: 12 }, () => rng.int(10));
  return {
    imagesNHWC: rng.fillNormal(new Float32Array(6 * 14 * 14 * 2)),
    classes,
    target: Uint8Array.from({ length: 6 }, (_, i) => (classes[2 * i] <= classes[2 * i + 1] ? 1 : 0)),
    n: 6,
    size: 14,
  };
})();

/** Loss and parameter gradients of the siamese net (architecture 5, k 3, LeakyReLU → MaxPool2d(2)). */
// (Not on webgpu: its ~100 distinct shader programs take ~40 s to compile on llvmpipe; the network
// test above covers the same ops there.)
async function siameseOn(backend: "cpu" | "wasm"): Promise<Named> {
  await initBackend(backend);
  const model = new SiameseNet(
    { architecture: 5, k: 3, channels: 4, hidden: 16, weightSharing: true, dropout: 0.2 },
    new Rng("parity/siamese"),
  );
  const set = new PairTensors(PAIRS);
  const objective = pairObjective(model, { enabled: true, alpha: 0.5 });
  const rows = Int32Array.from({ length: 6 }, (_, i) => i);
  const { value, grads } = tf.variableGrads(() => objective({ set, rows }, true).loss, model.parameters());
  const result = await readAll([
    ["loss", value],
    ...model.namedParameters().map(([n, p]) => [`d/${n}`, grads[p.name]] as [string, tf.Tensor]),
  ]);
  tf.dispose([value, ...Object.values(grads)]);
  set.dispose();
  model.dispose();
  return result;
}

Deno.test("seed-000 siamese net: loss and every parameter gradient on wasm match cpu", async () => {
  const expected = await siameseOn("cpu");
  try {
    compareNamed(await siameseOn("wasm"), expected, TOL, "wasm siamese");
  } finally {
    await initBackend("cpu");
  }
});

// ------------------------------------------------------------------------------- pooling gradients

/**
 * Max and average pooling gradients on windows whose values are all negative, mixed and positive.
 * After a LeakyReLU (every trunk of scripts/siamese_grid/siamese.ts) all-negative windows are common.
 */
async function poolGradients(ties = true): Promise<Named> {
  const out: [string, tf.Tensor][] = [];
  // 7 channels: wasm's kernels take four at a time and the last three one at a time (2×2/2: as one
  // more vector, overlapping); 3 channels: one at a time only; 5×7 leaves a 2×2/2 pool's last row and
  // column uncovered.
  for (const shape of [[2, 6, 6, 7], [2, 5, 7, 4], [1, 4, 6, 3]] as [number, number, number, number][]) {
    const size = shape.reduce((a, b) => a * b);
    const base = new Rng(`pool/x/${shape}`).fillNormal(new Float32Array(size));
    // "ties": after a ReLU, windows of zeros, whose first tap takes dy
    const inputs = [[(v: number) => v, "mixed"], [(v: number) => v - 10, "all negative"], [
      (v: number) => v + 10,
      "all positive",
    ], [(v: number) => Math.max(v, 0), "ties"]] as const;
    for (const [f, what] of inputs.filter(([, what]) => ties || what !== "ties")) {
      const x = tf.tensor4d(base.map(f), shape);
      // [3, 2, 1]: the UvA ConvNet's 3×3/2 pool with padding 1.
      const windows = [[2, 2, "valid"], [2, 1, "valid"], [3, 2, "same"], [3, 3, "valid"], [3, 2, 1]] as const;
      for (const [k, s, pad] of windows) {
        const r = tf.tensor(new Rng(`pool/r/${k}/${s}`).fillNormal(new Float32Array(size)));
        const weighted = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.slice(r, 0, y.size).reshape(y.shape)));
        const gMax = tf.grad((a) => weighted(tf.maxPool(a as tf.Tensor4D, k, s, pad)))(x);
        const gAvg = tf.grad((a) => weighted(tf.avgPool(a as tf.Tensor4D, k, s, pad)))(x);
        const name = `${shape.join("×")} ${k}/${s} ${pad} ${what}`;
        out.push([`maxPool ${name}: dx`, gMax], [`avgPool ${name}: dx`, gAvg]);
        r.dispose();
      }
      x.dispose();
    }
  }
  const read = await readAll(out);
  tf.dispose(out.map(([, t]) => t));
  return read;
}

Deno.test("wasm MaxPoolGrad and AvgPoolGrad match cpu, including windows whose values are all negative", async () => {
  await initBackend("cpu");
  const expected = await poolGradients();
  await initBackend("wasm");
  const got = await poolGradients().finally(() => initBackend("cpu"));
  // Pool gradients only route or average dy: exact up to one rounding.
  compareNamed(got, expected, 1e-6, "wasm");
});

Deno.test({
  name: "webgpu MaxPoolGrad and AvgPoolGrad match cpu, including windows whose values are all negative",
  ignore: NO_GPU,
  async fn() {
    // tfjs-webgpu's MaxPoolGrad sends a tie's gradient to another of the tied taps than cpu's first
    await initBackend("cpu");
    const expected = await poolGradients(false);
    await initBackend("webgpu");
    const got = await poolGradients(false).finally(() => initBackend("cpu"));
    compareNamed(got, expected, 1e-6, "webgpu");
  },
});

// ---------------------------------------------------------------- wasm Conv2DBackpropFilter vs cpu

type Pad = "valid" | "same" | number;
interface ConvCase {
  batch: number;
  h: number;
  w: number;
  k: number;
  stride: number;
  pad: Pad;
}

const CONV_CASES: ConvCase[] = [];
for (const batch of [1, 3]) {
  for (const k of [2, 3, 5]) {
    for (const stride of [1, 2, 3]) {
      for (const pad of ["valid", "same", 1, 2] as Pad[]) CONV_CASES.push({ batch, h: 11, w: 8, k, stride, pad });
    }
  }
}
const CIN = 2, COUT = 3;

function tfPad(p: Pad): "valid" | "same" | [[0, 0], [number, number], [number, number], [0, 0]] {
  return typeof p === "number" ? [[0, 0], [p, p], [p, p], [0, 0]] : p;
}

function caseData(c: ConvCase) {
  const rng = new Rng(`conv/${JSON.stringify(c)}`);
  const xShape: [number, number, number, number] = [c.batch, c.h, c.w, CIN];
  const wShape: [number, number, number, number] = [c.k, c.k, CIN, COUT];
  const info = tf.backend_util.computeConv2DInfo(xShape, wShape, c.stride, 1, tfPad(c.pad));
  const yShape: [number, number, number, number] = [c.batch, info.outHeight, info.outWidth, COUT];
  return {
    xShape,
    wShape,
    yShape,
    x: rng.fillNormal(new Float32Array(xShape.reduce((a, b) => a * b))),
    w: rng.fillNormal(new Float32Array(wShape.reduce((a, b) => a * b))),
    dy: rng.fillNormal(new Float32Array(yShape.reduce((a, b) => a * b))),
  };
}

/** dL/dx and dL/dW of L = Σ conv(x, W) ⊙ dy, i.e. Conv2DBackpropInput and Conv2DBackpropFilter on dy. */
async function convGradients(c: ConvCase): Promise<{ dx: Float32Array; dw: Float32Array; y: Float32Array }> {
  const d = caseData(c);
  const [y, dx, dw] = tf.tidy(() => {
    const x = tf.tensor4d(d.x, d.xShape), w = tf.tensor4d(d.w, d.wShape), dy = tf.tensor4d(d.dy, d.yShape);
    const f = (x: tf.Tensor4D, w: tf.Tensor4D) => tf.conv2d(x, w, c.stride, tfPad(c.pad));
    const [gx, gw] = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
    return [f(x, w), gx, gw];
  });
  const out = {
    y: (await y.data()) as Float32Array,
    dx: (await dx.data()) as Float32Array,
    dw: (await dw.data()) as Float32Array,
  };
  tf.dispose([y, dx, dw]);
  return out;
}

Deno.test(`wasm Conv2DBackpropFilter matches cpu: ${CONV_CASES.length} stride/pad/kernel/batch cases`, async () => {
  await initBackend("cpu");
  const expected = [];
  for (const c of CONV_CASES) expected.push(await convGradients(c));
  await initBackend("wasm");
  const wasm = tf.findBackend("wasm")!;
  const dataIds = wasm.numDataIds(), tensors = tf.memory().numTensors;
  for (let i = 0; i < CONV_CASES.length; i++) {
    const c = CONV_CASES[i], label = `k${c.k} s${c.stride} pad ${c.pad} n${c.batch} ${c.h}×${c.w}`;
    const got = await convGradients(c);
    assert.ok(maxAbs(expected[i].dw) > 0, `${label}: reference dW is zero`);
    assertScaledClose(got.y, expected[i].y, TOL, `${label} forward`);
    assertScaledClose(got.dx, expected[i].dx, TOL, `${label} dx`);
    assertScaledClose(got.dw, expected[i].dw, TOL, `${label} dW`);
  }
  assert.equal(tf.memory().numTensors, tensors, "tensors leaked");
  assert.equal(wasm.numDataIds(), dataIds, "Conv2DBackpropFilter leaked wasm buffers (its temporaries)");
  await initBackend("cpu");
});

/**
 * The packed convolutions (lib/tf/wasm_conv2d.ts) on shapes wide enough to cross every block of the
 * packed product (K = k²·c > 256, output channels > 256 and not a multiple of 8, rows > 64) and
 * each geometry the experiments train: 3×3 stride 1 pad 1 (UvA), 5×5 "same" (basics), 5×5 valid
 * (LeNet), plus 3×3 stride 2 pad 1.
 */
Deno.test("wasm packed Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter match cpu on wide shapes", async () => {
  const { packedKernels } = await import("../lib/tf/wasm_batch_matmul.ts");
  const cases: [ConvCase, number, number][] = [
    [{ batch: 2, h: 6, w: 6, k: 3, stride: 1, pad: 1 }, 37, 300],
    [{ batch: 3, h: 14, w: 14, k: 5, stride: 1, pad: "same" }, 5, 11],
    [{ batch: 2, h: 12, w: 12, k: 5, stride: 1, pad: "valid" }, 6, 16],
    [{ batch: 2, h: 9, w: 7, k: 3, stride: 2, pad: 1 }, 13, 9],
    // one input channel: tap-major patches (im2col_taps), stride 1 and strided with padding
    [{ batch: 2, h: 28, w: 28, k: 3, stride: 1, pad: 1 }, 1, 64],
    [{ batch: 2, h: 12, w: 12, k: 5, stride: 1, pad: "same" }, 1, 32],
    [{ batch: 3, h: 9, w: 9, k: 3, stride: 2, pad: 1 }, 1, 40],
    // cnn-scratch's first layer (XNNPACK forward, gemm.wat's few-tap filter gradient), strided with
    // padding, and a 5×5 window larger than its image
    [{ batch: 2, h: 28, w: 28, k: 3, stride: 1, pad: 1 }, 1, 8],
    [{ batch: 2, h: 9, w: 8, k: 3, stride: 2, pad: 1 }, 1, 24],
    [{ batch: 3, h: 3, w: 4, k: 5, stride: 1, pad: 2 }, 1, 8],
    // LeNet's first layer (5×5 valid, 6 filters), rows of 11 outputs: vectors and a scalar tail
    [{ batch: 2, h: 13, w: 15, k: 5, stride: 1, pad: "valid" }, 1, 6],
    // the README example's first layer: one channel to 16, forward on the packed product too
    [{ batch: 2, h: 14, w: 14, k: 5, stride: 1, pad: "valid" }, 1, 16],
    // small images in bands of output rows without their padding taps (wasm_conv2d_bands.ts):
    // UvA's 4×4 layers (three bands), 2×2 with K past one block, strided, and 5×5 "same"
    [{ batch: 3, h: 4, w: 4, k: 3, stride: 1, pad: 1 }, 39, 24],
    [{ batch: 2, h: 2, w: 2, k: 3, stride: 1, pad: 1 }, 300, 16],
    [{ batch: 2, h: 5, w: 6, k: 3, stride: 2, pad: 1 }, 9, 12],
    [{ batch: 2, h: 4, w: 5, k: 5, stride: 1, pad: 2 }, 6, 8],
    // Winograd F(4×4, 3×3) (wasm_conv2d_winograd.ts): UvA's 4×4 and 7×7 layers (7: partial tiles),
    // 14×14 (partial tiles), a wide one with K past one block of the product, a non-square image
    [{ batch: 3, h: 4, w: 4, k: 3, stride: 1, pad: 1 }, 40, 24],
    [{ batch: 2, h: 7, w: 7, k: 3, stride: 1, pad: 1 }, 8, 12],
    [{ batch: 2, h: 14, w: 14, k: 3, stride: 1, pad: 1 }, 4, 8],
    [{ batch: 1, h: 4, w: 4, k: 3, stride: 1, pad: 1 }, 300, 264],
    [{ batch: 2, h: 5, w: 6, k: 3, stride: 1, pad: "same" }, 12, 4],
    // F(2×2, 5×5): the basics CNN's second layer, partial tiles, an image smaller than the filter
    [{ batch: 2, h: 14, w: 14, k: 5, stride: 1, pad: 2 }, 32, 64],
    [{ batch: 2, h: 7, w: 5, k: 5, stride: 1, pad: "same" }, 8, 32],
    [{ batch: 3, h: 3, w: 4, k: 5, stride: 1, pad: 2 }, 4, 36],
  ];
  const { rowBands } = await import("../lib/tf/wasm_conv2d_bands.ts");
  const banded = cases.filter(([c, cin, cout]) => {
    const p = c.pad as number, oh = Math.floor((c.h + 2 * p - c.k) / c.stride) + 1;
    const ow = Math.floor((c.w + 2 * p - c.k) / c.stride) + 1;
    return typeof c.pad === "number" &&
      rowBands({ n: c.batch, h: c.h, w: c.w, c: cin, k: c.k, s: c.stride, p, oh, ow, co: cout });
  });
  const { winogradApplies } = await import("../lib/tf/wasm_conv2d_winograd.ts");
  const geometryOf = ([c, cin, cout]: [ConvCase, number, number]) => {
    const p = c.pad === "same" ? (c.k - 1) / 2 : c.pad as number;
    const oh = Math.floor((c.h + 2 * p - c.k) / c.stride) + 1, ow = Math.floor((c.w + 2 * p - c.k) / c.stride) + 1;
    return { n: c.batch, h: c.h, w: c.w, c: cin, k: c.k, s: c.stride, p, oh, ow, co: cout };
  };
  assert.equal(cases.filter((c) => winogradApplies(geometryOf(c))).length, 8, "the Winograd cases would not take it");
  assert.equal(
    banded.filter((c) => !winogradApplies(geometryOf(c))).length,
    4,
    "the banded cases would not take the banded path",
  );
  const run = (c: ConvCase, cin: number, cout: number) => {
    const rng = new Rng(`packed/${JSON.stringify(c)}`);
    const xShape: [number, number, number, number] = [c.batch, c.h, c.w, cin];
    const wShape: [number, number, number, number] = [c.k, c.k, cin, cout];
    const x = tf.tensor4d(rng.fillNormal(new Float32Array(xShape.reduce((a, b) => a * b))), xShape);
    const w = tf.tensor4d(rng.fillNormal(new Float32Array(wShape.reduce((a, b) => a * b))), wShape);
    const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.stride, tfPad(c.pad));
    const y = f(x, w);
    const dy = tf.tensor(rng.fillNormal(new Float32Array(y.size)), y.shape);
    const [dx, dw] = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
    return readAll([["y", y], ["dx", dx], ["dW", dw]]).finally(() => tf.dispose([x, w, y, dy, dx, dw]));
  };
  await initBackend("cpu");
  const expected = [];
  for (const [c, cin, cout] of cases) expected.push(await run(c, cin, cout));
  await initBackend("wasm");
  try {
    assert.ok(packedKernels() !== null, "the packed kernels were not compiled on wasm: the test would be vacuous");
    for (let i = 0; i < cases.length; i++) {
      const [c, cin, cout] = cases[i];
      compareNamed(await run(c, cin, cout), expected[i], TOL, `k${c.k} s${c.stride} pad ${c.pad} ${cin}→${cout}`);
    }
  } finally {
    await initBackend("cpu");
  }
});

/**
 * Slice/SplitV (wasm_slice.ts) copy values, a bias Add is one float add per entry, ReLU's gradient
 * one product: exact. Sum/Mean over leading axes (wasm_layer_passes.ts): one rounding.
 */
async function slicesReductionsAndLayerPasses(): Promise<Named> {
  const rng = new Rng("slices");
  const x = tf.tensor(rng.fillNormal(new Float32Array(4 * 5 * 6)), [4, 5, 6]);
  const wide = tf.tensor(rng.fillNormal(new Float32Array(97 * 13)), [97, 13]);
  const bias6 = tf.tensor(rng.fillNormal(new Float32Array(6)), [6]);
  const bias13 = tf.tensor(rng.fillNormal(new Float32Array(13)), [13]);
  const w = tf.tensor(rng.fillNormal(new Float32Array(4 * 5 * 6)), [4, 5, 6]);
  const reluGrad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.relu(v), w)));
  const out: [string, tf.Tensor][] = [
    ["slice contiguous", tf.slice(x, [1, 0, 0], [2, 5, 6])],
    ["slice strided", tf.slice(x, [1, 2, 1], [2, 3, 4])],
    ...tf.split(tf.reshape(x, [-1]), [7, 50, 63]).map((t, i) => [`split 1-D ${i}`, t] as [string, tf.Tensor]),
    ...tf.split(x, [1, 3], 0).map((t, i) => [`split axis 0 ${i}`, t] as [string, tf.Tensor]),
    ...tf.split(x, [2, 4], 2).map((t, i) => [`split axis 2 ${i}`, t] as [string, tf.Tensor]),
    ["bias add", tf.add(x, bias6)],
    ["bias add, bias first", tf.add(bias6, x)],
    ["bias add 97×13", tf.add(wide, bias13)],
    ["relu gradient", reluGrad(x)],
    ["relu gradient at zeros", reluGrad(tf.round(x))], // step(0) = 0, a third of the entries
    ["maximum", tf.maximum(x, w)],
    ["minimum", tf.minimum(x, w)],
    ["equal", tf.cast(tf.equal(tf.round(x), tf.round(w)), "float32")],
    ["sum leading", tf.sum(x, [0, 1])],
    ["sum leading keepDims", tf.sum(x, [1, 0], true)],
    ["sum leading 97×13", tf.sum(wide, 0)],
    ["sum inner", tf.sum(x, 2)],
    ["mean leading", tf.mean(x, 0)],
    ["mean leading 97×13", tf.mean(wide, 0)],
    ["mean middle", tf.mean(x, 1)],
  ];
  const read = await readAll(out);
  tf.dispose([x, wide, bias6, bias13, w, ...out.map(([, t]) => t)]);
  return read;
}

const EXACT = /^(slice|split|bias add|relu gradient|maximum|minimum|equal)/;

Deno.test("wasm Slice, SplitV, bias Add, ReLU gradient, Maximum/Minimum/Equal and leading-axis Sum/Mean match cpu", async () => {
  await initBackend("cpu");
  const expected = await slicesReductionsAndLayerPasses();
  await initBackend("wasm");
  const got = await slicesReductionsAndLayerPasses().finally(() => initBackend("cpu"));
  // (the cpu backend's cast of bool to float32 keeps its Uint8Array: compare values)
  for (const [name, e] of expected) {
    if (EXACT.test(name)) assert.deepEqual(Float32Array.from(got.get(name)!), Float32Array.from(e), name);
  }
  compareNamed(got, expected, 1e-6, "wasm");
});

/**
 * Every route of wasm BatchMatMul (wasm_batch_matmul.ts): the packed kernel (≥ 16 rows; up to 64
 * of them with B read in place), gemm.wat
 * (fewer rows: transposed, batched, or plain with a B not seen before) and XNNPACK (plain with a B
 * used before), each product twice on the same B.
 */
async function matMulRoutes(): Promise<Named> {
  const rng = new Rng("matmul routes");
  const t = (...shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
  const small = t(5, 40), smallT = t(40, 5), tall = t(37, 40), b = t(40, 24), bT = t(24, 40);
  const batchA = t(3, 5, 40), batchB = t(3, 40, 24);
  // ≤ 64 rows read B in place: K and N past one 256-block, a last strip of 5 columns packed
  const wide = t(37, 300), wideB = t(300, 269);
  const out: [string, tf.Tensor][] = [];
  for (const use of ["first", "second"]) {
    out.push(
      [`plain 5 rows, ${use} use of B`, tf.matMul(small, b)],
      [`Aᵀ 5 rows, ${use}`, tf.matMul(smallT, b, true, false)],
      [`Bᵀ 5 rows, ${use}`, tf.matMul(small, bT, false, true)],
      [`batched 5 rows, ${use}`, tf.matMul(batchA, batchB)],
      [`plain 37 rows (packed), ${use}`, tf.matMul(tall, b)],
      [`plain 37 rows, B read in place, ${use}`, tf.matMul(wide, wideB)],
    );
  }
  const read = await readAll(out);
  tf.dispose([small, smallT, tall, b, bT, batchA, batchB, wide, wideB, ...out.map(([, x]) => x)]);
  return read;
}

Deno.test("wasm BatchMatMul matches cpu on every route (packed, gemm.wat, XNNPACK for a B used before)", async () => {
  await initBackend("cpu");
  const expected = await matMulRoutes();
  await initBackend("wasm");
  const got = await matMulRoutes().finally(() => initBackend("cpu"));
  compareNamed(got, expected, 1e-6, "wasm");
});

Deno.test("wasm Maximum, Minimum and Equal keep tfjs-wasm's NaN and signed-zero rules (vector lanes and tail)", async () => {
  await initBackend("wasm");
  try {
    // tfjs-wasm: maximum(a, b) = b > a ? b : a, minimum(a, b) = b < a ? b : a (NaN only from a).
    const a = [NaN, 1, -0, 0, 2, -3, NaN, Infinity], b = [1, NaN, 0, -0, 2, 4, NaN, -Infinity];
    const show = (v: ArrayLike<number>) => Array.from(v, (x) => (Object.is(x, -0) ? "-0" : String(x)));
    const expected = {
      max: ["NaN", "1", "-0", "0", "2", "4", "NaN", "Infinity"],
      min: ["NaN", "1", "-0", "0", "2", "-3", "NaN", "-Infinity"],
      eq: ["0", "0", "1", "1", "1", "0", "0", "0"],
    };
    for (const copies of [1, 3]) { // 8 entries: vectors for max/min, tail for equal; 24: both
      const ta = tf.tensor1d(Array(copies).fill(a).flat()), tb = tf.tensor1d(Array(copies).fill(b).flat());
      const repeat = (e: string[]) => Array(copies).fill(e).flat();
      assert.deepEqual(show(await tf.maximum(ta, tb).data()), repeat(expected.max), `maximum ×${copies}`);
      assert.deepEqual(show(await tf.minimum(ta, tb).data()), repeat(expected.min), `minimum ×${copies}`);
      assert.deepEqual(show(await tf.equal(ta, tb).data()), repeat(expected.eq), `equal ×${copies}`);
    }
  } finally {
    await initBackend("cpu");
  }
});

Deno.test("wasm Sign keeps tfjs-wasm's rule: 0 for NaN and |x| < FLT_EPSILON, else ±1 (vector lanes and tail)", async () => {
  await initBackend("wasm");
  try {
    // Read from tfjs-wasm 4.22.0's own kernel before ours replaced it (cpu gives ±1 for ±1e-8).
    const x = [1e-8, -1e-8, 2 ** -23, -(2 ** -23), 1.2e-7, NaN, -0, 0, 2e-7, -3, Infinity, -Infinity, 5e-8];
    const expected = ["0", "0", "1", "-1", "1", "0", "0", "0", "1", "-1", "1", "-1", "0"];
    const show = (v: ArrayLike<number>) => Array.from(v, (x) => (Object.is(x, -0) ? "-0" : String(x)));
    for (const copies of [1, 3]) { // 13 entries: three vectors and a tail; 39: nine and three
      const got = await tf.sign(tf.tensor1d(Array(copies).fill(x).flat())).data();
      assert.deepEqual(show(got), Array(copies).fill(expected).flat(), `sign ×${copies}`);
    }
  } finally {
    await initBackend("cpu");
  }
});

// ------------------------------------------------------------------------- cpu-fallback kernels

async function fallbackResults(): Promise<Named> {
  const rng = new Rng("fallbacks");
  const normal = (n: number) => rng.fillNormal(new Float32Array(n));
  const xg = normal(6 * 4), rg = normal(7 * 4), rg1 = normal(6 * 5);
  const xs = normal(7 * 3);
  const xd = normal(2 * 7 * 6 * 3), fd = normal(3 * 3 * 3 * 2);
  const results = tf.tidy(() => {
    const out: [string, tf.Tensor][] = [];
    // gather's gradient is UnsortedSegmentSum (repeated indices must add up).
    const x = tf.tensor2d(xg, [6, 4]);
    const idx = tf.tensor1d([0, 2, 2, 5, 0, 1, 3], "int32");
    out.push(["gather grad axis 0", tf.grad((a) => tf.sum(tf.mul(tf.gather(a, idx), tf.tensor2d(rg, [7, 4]))))(x)]);
    const idx1 = tf.tensor1d([3, 3, 0, 1, 3], "int32");
    out.push([
      "gather grad axis 1",
      tf.grad((a) => tf.sum(tf.mul(tf.gather(a, idx1, 1), tf.tensor2d(rg1, [6, 5]))))(x),
    ]);
    out.push([
      "unsortedSegmentSum",
      tf.unsortedSegmentSum(tf.tensor2d(xs, [7, 3]), tf.tensor1d([2, 0, 2, 1, 0, 2, 3], "int32"), 5),
    ]);
    // depthwise conv: input and filter gradients, stride 1 "same" and stride 2 "valid".
    const xdt = tf.tensor4d(xd, [2, 7, 6, 3]), fdt = tf.tensor4d(fd, [3, 3, 3, 2]);
    for (const [stride, pad] of [[1, "same"], [2, "valid"]] as const) {
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.depthwiseConv2d(a, b, stride, pad);
      const y = f(xdt, fdt);
      const r = tf.tensor(normal(y.size), y.shape);
      const [gx, gf] = tf.grads((a, b) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), r)))([xdt, fdt]);
      out.push([`depthwise s${stride} ${pad} forward`, y], [`depthwise s${stride} ${pad} dx`, gx], [
        `depthwise s${stride} ${pad} dfilter`,
        gf,
      ]);
    }
    return out.map(([n, t]) => [n, tf.keep(t)] as [string, tf.Tensor]);
  });
  const read = await readAll(results);
  tf.dispose(results.map(([, t]) => t));
  return read;
}

Deno.test("wasm's cpu-fallback kernels UnsortedSegmentSum and depthwise conv backprops match cpu", async () => {
  await initBackend("cpu");
  const expected = await fallbackResults();
  await initBackend("wasm");
  const wasm = tf.findBackend("wasm")!, cpu = tf.findBackend("cpu")!;
  const wasmIds = wasm.numDataIds(), cpuIds = cpu.numDataIds();
  const got = await fallbackResults();
  compareNamed(got, expected, 1e-5, "wasm fallback");
  // The fallback copies inputs to the cpu backend and must free the copies and the cpu outputs.
  assert.equal(cpu.numDataIds(), cpuIds, "cpu-fallback kernels leaked cpu buffers");
  assert.equal(wasm.numDataIds(), wasmIds, "cpu-fallback kernels leaked wasm buffers");
  await initBackend("cpu");
});

/** Einsum takes its operands as an array of tensors (not a name → tensor map). */
async function einsumResults(): Promise<Named> {
  const rng = new Rng("einsum");
  const ea = rng.fillNormal(new Float32Array(2 * 3 * 4)), eb = rng.fillNormal(new Float32Array(2 * 4 * 5));
  const results = tf.tidy(() => {
    const a = tf.tensor3d(ea, [2, 3, 4]), b = tf.tensor3d(eb, [2, 4, 5]);
    const a2 = tf.reshape(a, [6, 4]);
    return [
      ["einsum bij,bjk->bik", tf.einsum("bij,bjk->bik", a, b)],
      ["einsum ij,ij->i", tf.einsum("ij,ij->i", a2, a2)],
    ] as [string, tf.Tensor][];
  });
  const read = await readAll(results);
  tf.dispose(results.map(([, t]) => t));
  return read;
}

Deno.test("wasm's cpu-fallback Einsum matches cpu", async () => {
  await initBackend("cpu");
  const expected = await einsumResults();
  await initBackend("wasm");
  try {
    const cpu = tf.findBackend("cpu")!, cpuIds = cpu.numDataIds();
    compareNamed(await einsumResults(), expected, 1e-5, "wasm einsum");
    assert.equal(cpu.numDataIds(), cpuIds, "Einsum fallback leaked cpu buffers");
  } finally {
    await initBackend("cpu");
  }
});
