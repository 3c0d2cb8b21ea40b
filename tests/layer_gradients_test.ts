/**
 * Gradient checks for every lib/nn layer and the losses of lib/train/losses.ts, on the cpu backend.
 *
 * Each check uses the scalar loss L = Σ out ⊙ R with fixed random weights R, so dL/d(out) = R is
 * dense and every output entry matters.
 *
 * - Linear and Conv2d: a float64 reference of the forward in plain TS. Its central differences
 *   (step 1e-6, error ~1e-10 relative) are the ground truth for the float32 autodiff gradients, which
 *   must agree to 1e-5 of the gradient's scale (float32 sums of ≤ 100 terms: ~1e-6).
 * - Every other layer: central differences of the layer itself in float32, step h = 1e-2, with L
 *   summed in float64 from the float32 outputs. The rounding of each output (~6e-8 relative) makes
 *   L uncertain by ~1e-6 for these sizes, i.e. ~1e-4 in the difference quotient after dividing by
 *   2h; the truncation error h²/6·|f'''| is ~2e-5 for the smooth layers. So the tolerance is 2e-3 of
 *   the gradient's scale (max |grad|), an order of magnitude above both. Inputs are kept ≥ 0.1 from
 *   the kinks of ReLU-like layers, and max-pool windows have gaps > 2h, so no difference straddles a
 *   kink (where central differences would be meaningless).
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import {
  AvgPool2d,
  BatchNorm,
  Conv2d,
  Dropout,
  ELU,
  Flatten,
  Layer,
  LeakyReLU,
  Linear,
  MaxPool2d,
  type Padding,
  ReLU,
  Sequential,
  Sigmoid,
  Softmax,
  Tanh,
} from "../lib/nn/mod.ts";
import {
  bce,
  bceWithLogits,
  countCorrect,
  countCorrectBinary,
  crossEntropy,
  klDivergence,
  mse,
  weightedCrossEntropy,
} from "../lib/train/losses.ts";
import { assertScaledClose, maxAbs } from "./_helpers/numeric.ts";

await initBackend("cpu");

const F32_FD_STEP = 1e-2;
const F32_FD_TOL = 2e-3;

// ---------------------------------------------------------------------------------- helpers

function normal(seed: string, n: number, scale = 1): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(n), 0, scale);
}

/** Normal values pushed at least `gap` away from 0 (keeps ReLU-like kinks out of reach of ±h). */
function awayFromZero(seed: string, n: number, gap = 0.1): Float32Array {
  return normal(seed, n).map((v) => (v >= 0 ? v + gap : v - gap));
}

/** Distinct values spaced 0.05 apart in random order: no max-pool window has a near tie. */
function wellSeparated(seed: string, n: number): Float32Array {
  const p = new Rng(seed).permutation(n);
  return Float32Array.from(p, (v) => (v - n / 2) * 0.05);
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

interface FdCase {
  label: string;
  /** Variables the gradient is taken for (the input is one of them). */
  vars: [string, tf.Variable][];
  forward: () => tf.Tensor;
  r: Float32Array;
}

/** L = Σ forward() ⊙ R, summed in float64 from the float32 output. */
function loss64(c: FdCase): number {
  const out = tf.tidy(c.forward);
  const y = out.dataSync();
  out.dispose();
  assert.equal(y.length, c.r.length, `${c.label}: output size`);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * c.r[i];
  return s;
}

function analyticGrads(c: FdCase): Map<string, Float32Array> {
  const r = tf.tensor1d(c.r);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(tf.reshape(c.forward(), [-1]), r)) as tf.Scalar,
    c.vars.map(([, v]) => v),
  );
  const out = new Map(c.vars.map(([n, v]) => [n, grads[v.name].dataSync() as Float32Array]));
  tf.dispose([r, value, ...Object.values(grads)]);
  return out;
}

function finiteDifferences(c: FdCase, h: number): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const [name, v] of c.vars) {
    const base = v.dataSync().slice() as Float32Array;
    const g = new Float64Array(base.length);
    const set = (values: Float32Array) => tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
    for (let j = 0; j < base.length; j++) {
      const probe = base.slice();
      probe[j] = base[j] + h;
      const up = probe[j] - base[j]; // the step actually taken in float32
      set(probe);
      const lPlus = loss64(c);
      probe[j] = base[j] - h;
      const down = base[j] - probe[j];
      set(probe);
      const lMinus = loss64(c);
      g[j] = (lPlus - lMinus) / (up + down);
    }
    set(base);
    out.set(name, g);
  }
  return out;
}

function checkFloat32(c: FdCase) {
  const analytic = analyticGrads(c);
  const numeric = finiteDifferences(c, F32_FD_STEP);
  for (const [name] of c.vars) {
    assert.ok(maxAbs(numeric.get(name)!) > 0, `${c.label} d/${name}: the gradient is zero, the check would be vacuous`);
    assertScaledClose(analytic.get(name)!, numeric.get(name)!, F32_FD_TOL, `${c.label} d/${name}`);
  }
  for (const [, v] of c.vars) if (v.name.startsWith("fd_input")) v.dispose();
}

function inputVar(data: Float32Array, shape: number[]): tf.Variable {
  return tf.tidy(() => tf.variable(tf.tensor(data, shape), true, `fd_input_${crypto.randomUUID()}`));
}

function layerCase(label: string, layer: Layer, x: Float32Array, shape: number[], wrap?: () => void): FdCase {
  const xv = inputVar(x, shape);
  const outSize = tf.tidy(() => layer.forward(xv).size);
  return {
    label,
    vars: [["input", xv], ...layer.namedParameters()],
    forward: () => {
      wrap?.();
      return layer.forward(xv);
    },
    r: normal(`${label}/r`, outSize),
  };
}

// ------------------------------------------------------------------ float64 references

function linear64(x: Float64Array, w: Float64Array, b: Float64Array | null, n: number, i: number, o: number) {
  const y = new Float64Array(n * o);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < o; c++) {
      let s = b ? b[c] : 0;
      for (let k = 0; k < i; k++) s += x[r * i + k] * w[k * o + c];
      y[r * o + c] = s;
    }
  }
  return y;
}

interface ConvGeom {
  n: number;
  h: number;
  w: number;
  ci: number;
  co: number;
  kh: number;
  kw: number;
  stride: number;
  padding: Padding;
}

/** Output size and leading padding of tfjs' convention ("same": out = ⌈in/stride⌉, extra pad at the end). */
function convPads(g: ConvGeom): { oh: number; ow: number; top: number; left: number } {
  if (g.padding === "same") {
    const oh = Math.ceil(g.h / g.stride), ow = Math.ceil(g.w / g.stride);
    const padH = Math.max((oh - 1) * g.stride + g.kh - g.h, 0), padW = Math.max((ow - 1) * g.stride + g.kw - g.w, 0);
    return { oh, ow, top: Math.floor(padH / 2), left: Math.floor(padW / 2) };
  }
  const p = g.padding === "valid" ? 0 : g.padding;
  return {
    oh: Math.floor((g.h + 2 * p - g.kh) / g.stride) + 1,
    ow: Math.floor((g.w + 2 * p - g.kw) / g.stride) + 1,
    top: p,
    left: p,
  };
}

/** NHWC convolution (cross-correlation, as PyTorch and tfjs) with filter [kh, kw, ci, co]. */
function conv64(x: Float64Array, f: Float64Array, b: Float64Array | null, g: ConvGeom): Float64Array {
  const { oh, ow, top, left } = convPads(g);
  const y = new Float64Array(g.n * oh * ow * g.co);
  for (let n = 0; n < g.n; n++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let o = 0; o < g.co; o++) {
          let s = b ? b[o] : 0;
          for (let di = 0; di < g.kh; di++) {
            const yi = i * g.stride + di - top;
            if (yi < 0 || yi >= g.h) continue;
            for (let dj = 0; dj < g.kw; dj++) {
              const xj = j * g.stride + dj - left;
              if (xj < 0 || xj >= g.w) continue;
              for (let c = 0; c < g.ci; c++) {
                s += x[((n * g.h + yi) * g.w + xj) * g.ci + c] * f[((di * g.kw + dj) * g.ci + c) * g.co + o];
              }
            }
          }
          y[((n * oh + i) * ow + j) * g.co + o] = s;
        }
      }
    }
  }
  return y;
}

/** Central differences of Σ f(args) ⊙ r with respect to each argument, in float64. */
function fd64(f: (args: Float64Array[]) => Float64Array, args: Float64Array[], r: Float32Array, h = 1e-6) {
  const loss = () => f(args).reduce((s, v, i) => s + v * r[i], 0);
  return args.map((a) => {
    const g = new Float64Array(a.length);
    for (let j = 0; j < a.length; j++) {
      const keep = a[j];
      a[j] = keep + h;
      const up = loss();
      a[j] = keep - h;
      const down = loss();
      a[j] = keep;
      g[j] = (up - down) / (2 * h);
    }
    return g;
  });
}

const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

// ------------------------------------------------------------------------ Linear, Conv2d

Deno.test("Linear: forward and gradients (input, weight, bias) match a float64 reference's finite differences", () => {
  for (const bias of [true, false]) {
    const n = 4, i = 7, o = 5;
    const layer = new Linear(i, o, new Rng(`linear/${bias}`), { bias });
    const x = normal("linear/x", n * i);
    const c = layerCase(`Linear bias=${bias}`, layer, x, [n, i]);
    const w = f64(layer.weight.dataSync()), b = layer.bias ? f64(layer.bias.dataSync()) : null;
    const ref = (args: Float64Array[]) => linear64(args[0], args[1], bias ? args[2] : null, n, i, o);
    const args = bias ? [f64(x), w, b!] : [f64(x), w];
    assertScaledClose(tf.tidy(c.forward).dataSync(), ref(args), 1e-6, `Linear bias=${bias} forward`);
    const numeric = fd64(ref, args, c.r);
    const analytic = analyticGrads(c);
    assert.deepEqual([...analytic.keys()], bias ? ["input", "weight", "bias"] : ["input", "weight"]);
    [...analytic.values()].forEach((g, k) =>
      assertScaledClose(g, numeric[k], 1e-5, `Linear bias=${bias} ${c.vars[k][0]}`)
    );
    c.vars[0][1].dispose();
    layer.dispose();
  }
});

Deno.test("Conv2d: forward and gradients match a float64 reference for strides 1–3 and paddings valid/same/1/2", () => {
  const cases: Omit<ConvGeom, "n" | "ci" | "co">[] = [
    { h: 7, w: 6, kh: 3, kw: 3, stride: 1, padding: "valid" },
    { h: 7, w: 6, kh: 3, kw: 3, stride: 1, padding: "same" },
    { h: 7, w: 6, kh: 3, kw: 2, stride: 2, padding: "same" },
    { h: 8, w: 7, kh: 3, kw: 3, stride: 2, padding: 1 },
    { h: 8, w: 7, kh: 5, kw: 5, stride: 1, padding: 2 },
    { h: 9, w: 8, kh: 2, kw: 2, stride: 3, padding: "valid" },
  ];
  for (const geom of cases) {
    const g: ConvGeom = { ...geom, n: 2, ci: 2, co: 3 };
    const label = `Conv2d ${g.kh}×${g.kw} stride ${g.stride} pad ${g.padding} on ${g.h}×${g.w}`;
    const layer = new Conv2d(g.ci, g.co, [g.kh, g.kw], new Rng(label), { stride: g.stride, padding: g.padding });
    const x = normal(`${label}/x`, g.n * g.h * g.w * g.ci);
    const c = layerCase(label, layer, x, [g.n, g.h, g.w, g.ci]);
    const { oh, ow } = convPads(g);
    const out = tf.tidy(c.forward);
    assert.deepEqual(out.shape, [g.n, oh, ow, g.co], `${label}: output shape`);
    const args = [f64(x), f64(layer.weight.dataSync()), f64(layer.bias!.dataSync())];
    const ref = (a: Float64Array[]) => conv64(a[0], a[1], a[2], g);
    assertScaledClose(out.dataSync(), ref(args), 1e-6, `${label} forward`);
    out.dispose();
    const numeric = fd64(ref, args, c.r);
    const analytic = analyticGrads(c);
    [...analytic.values()].forEach((grad, k) =>
      assertScaledClose(grad, numeric[k], 1e-5, `${label} d/${c.vars[k][0]}`)
    );
    c.vars[0][1].dispose();
    layer.dispose();
  }
});

// --------------------------------------------------------------- every other layer, float32 FD

Deno.test("activations: ReLU, LeakyReLU (PyTorch slope 0.01 and 0.2), ELU, Tanh, Sigmoid, Softmax vs finite differences", () => {
  const shape = [3, 8];
  const layers: [string, Layer][] = [
    ["ReLU", new ReLU()],
    ["LeakyReLU()", new LeakyReLU()],
    ["LeakyReLU(0.2)", new LeakyReLU(0.2)],
    ["ELU", new ELU()],
    ["Tanh", new Tanh()],
    ["Sigmoid", new Sigmoid()],
    ["Softmax", new Softmax()],
  ];
  for (const [label, layer] of layers) checkFloat32(layerCase(label, layer, awayFromZero(label, size(shape)), shape));

  // Forward values against the definitions (PyTorch defaults).
  const x = [-2, -0.5, 0.5, 2];
  const read = (l: Layer) => Array.from(tf.tidy(() => l.forward(tf.tensor2d([x]))).dataSync());
  assertScaledClose(read(new LeakyReLU()), x.map((v) => (v > 0 ? v : 0.01 * v)), 1e-7, "LeakyReLU slope");
  assertScaledClose(read(new ELU()), x.map((v) => (v > 0 ? v : Math.expm1(v))), 1e-6, "ELU α=1");
  const e = x.map(Math.exp), z = e.reduce((a, b) => a + b);
  assertScaledClose(read(new Softmax()), e.map((v) => v / z), 1e-6, "Softmax over the last axis");
});

Deno.test("MaxPool2d and AvgPool2d without padding (windows 2 and 3, strides 1–3) vs finite differences", () => {
  const shape = [2, 7, 6, 2];
  const configs: [string, () => Layer][] = [
    ["MaxPool2d(2)", () => new MaxPool2d(2)],
    ["MaxPool2d(3)", () => new MaxPool2d(3)],
    ["MaxPool2d(2, 1)", () => new MaxPool2d(2, 1)],
    ["AvgPool2d(2)", () => new AvgPool2d(2)],
    ["AvgPool2d(3, 1)", () => new AvgPool2d(3, 1)],
    ["AvgPool2d(2, 3)", () => new AvgPool2d(2, 3)],
  ];
  for (const [label, make] of configs) checkFloat32(layerCase(label, make(), wellSeparated(label, size(shape)), shape));
  // Floor mode and the default stride = window, as PyTorch.
  assert.deepEqual(new MaxPool2d(2).outputShape(shape), [2, 3, 3, 2]);
  assert.deepEqual(new AvgPool2d(3).outputShape(shape), [2, 2, 2, 2]);
});

Deno.test('MaxPool2d and AvgPool2d with padding ("same" and 1) vs finite differences', () => {
  const shape = [2, 7, 6, 2];
  const configs: [string, () => Layer][] = [
    ["MaxPool2d(3, 2, same)", () => new MaxPool2d(3, 2, "same")],
    ["MaxPool2d(2, 2, same)", () => new MaxPool2d(2, 2, "same")],
    ["MaxPool2d(3, 2, 1)", () => new MaxPool2d(3, 2, 1)],
    ["AvgPool2d(3, 2, 1)", () => new AvgPool2d(3, 2, 1)],
  ];
  // tfjs' "same" average pooling excludes padding in the forward but not in its gradient: refused.
  assert.throws(() => new AvgPool2d(3, 2, "same").forward(tf.zeros(shape)), /numeric padding/);
  const failures: string[] = [];
  for (const [label, make] of configs) {
    try {
      checkFloat32(layerCase(label, make(), wellSeparated(label, size(shape)), shape));
    } catch (e) {
      failures.push((e as Error).message.split("\n")[0]);
    }
  }
  assert.deepEqual(failures, [], "gradients inconsistent with the forward pass");
});

Deno.test("BatchNorm: gradients for input, weight and bias in training and eval mode vs finite differences", () => {
  for (const [label, shape] of [["BatchNorm 2-D", [6, 4]], ["BatchNorm NHWC", [2, 3, 3, 4]]] as const) {
    const bn = new BatchNorm(4);
    // Non-trivial γ, β so their gradients are exercised away from the identity.
    tf.tidy(() => {
      bn.gamma.assign(tf.tensor1d(normal(`${label}/g`, 4).map((v) => 1 + 0.3 * v)));
      bn.beta.assign(tf.tensor1d(normal(`${label}/b`, 4, 0.5)));
    });
    const x = normal(`${label}/x`, size([...shape]), 2).map((v) => v + 1);
    bn.train();
    checkFloat32(layerCase(`${label} train`, bn, x, [...shape]));
    bn.eval();
    checkFloat32(layerCase(`${label} eval`, bn, x, [...shape]));
    bn.dispose();
  }
});

Deno.test("BatchNorm follows PyTorch: batch statistics with biased variance, running stats with momentum 0.1 and unbiased variance", () => {
  const n = 5, f = 3, eps = 1e-5;
  const x = normal("bn/forward", n * f, 3).map((v, i) => v + (i % f));
  const bn = new BatchNorm(f);
  const y = tf.tidy(() => bn.forward(tf.tensor2d(x, [n, f]))).dataSync();
  const expected = new Float64Array(n * f), mean = new Float64Array(f), biased = new Float64Array(f);
  for (let c = 0; c < f; c++) {
    for (let r = 0; r < n; r++) mean[c] += x[r * f + c] / n;
    for (let r = 0; r < n; r++) biased[c] += (x[r * f + c] - mean[c]) ** 2 / n;
    for (let r = 0; r < n; r++) expected[r * f + c] = (x[r * f + c] - mean[c]) / Math.sqrt(biased[c] + eps);
  }
  assertScaledClose(y, expected, 1e-5, "normalised output");
  assertScaledClose(bn.runningMean.dataSync(), mean.map((m) => 0.1 * m), 1e-5, "running mean");
  assertScaledClose(bn.runningVar.dataSync(), biased.map((v) => 0.9 + 0.1 * v * n / (n - 1)), 1e-5, "running var");
  // Eval mode uses the running statistics.
  bn.eval();
  const z = tf.tidy(() => bn.forward(tf.tensor2d(x, [n, f]))).dataSync();
  const rm = bn.runningMean.dataSync(), rv = bn.runningVar.dataSync();
  assertScaledClose(
    z,
    Float64Array.from(x, (v, i) => (v - rm[i % f]) / Math.sqrt(rv[i % f] + eps)),
    1e-5,
    "eval output",
  );
  assert.throws(() => bn.forward(tf.zeros([2, 4])), /BatchNorm\(3\).*last axis must be 3/);
  bn.dispose();
});

Deno.test("Dropout: fixed mask gradient vs finite differences, inverted scaling, identity in eval", () => {
  const shape = [4, 10], p = 0.3;
  const rng = new Rng("dropout");
  const layer = new Dropout(p, rng);
  const saved = rng.getState();
  // Replay the same mask for every evaluation, as one training step sees one mask.
  checkFloat32(layerCase("Dropout train", layer, normal("dropout/x", size(shape)), shape, () => rng.setState(saved)));

  rng.setState(saved);
  const ones = tf.ones(shape);
  const y = Array.from(tf.tidy(() => layer.forward(ones)).dataSync());
  const kept = y.filter((v) => v !== 0);
  for (const v of kept) assert.ok(Math.abs(v - 1 / (1 - p)) < 1e-6, `kept unit scaled by 1/(1−p), got ${v}`);
  assert.ok(kept.length > 0 && kept.length < y.length, "some units dropped, some kept");
  layer.eval();
  assert.deepEqual(
    Array.from(tf.tidy(() => layer.forward(ones)).dataSync()),
    Array(40).fill(1),
    "identity in eval mode",
  );
  ones.dispose();
  assert.throws(() => new Dropout(1, rng), /\[0, 1\)/);
});

Deno.test("Flatten and Sequential (conv → tanh → avgpool → flatten → linear) vs finite differences", () => {
  checkFloat32(layerCase("Flatten", new Flatten(), normal("flatten/x", 2 * 3 * 2 * 2), [2, 3, 2, 2]));
  const rng = new Rng("sequential");
  const model = new Sequential(
    new Conv2d(2, 3, 3, rng, { padding: 1 }),
    new Tanh(),
    new AvgPool2d(2),
    new Flatten(),
    new Linear(3 * 2 * 2, 4, rng),
    new Sigmoid(),
  );
  assert.deepEqual(model.namedParameters().map(([n]) => n), ["0.weight", "0.bias", "4.weight", "4.bias"]);
  checkFloat32(layerCase("Sequential", model, normal("sequential/x", 2 * 4 * 5 * 2), [2, 4, 5, 2]));
  // Flatten keeps NHWC order: (h, w, c) fastest-last.
  const flat = tf.tidy(() => new Flatten().forward(tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]))).dataSync();
  assert.deepEqual(Array.from(flat), [1, 2, 3, 4, 5, 6, 7, 8]);
  model.dispose();
});

// ---------------------------------------------------------------------------------- losses

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const read = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};
const scalar = (t: tf.Tensor) => read(t)[0];

Deno.test("bceWithLogits = bce∘sigmoid = the hand computation; gradient (σ(z) − t)/n", () => {
  const z = [-6, -2.5, -0.3, 0, 0.7, 3, 8, -1], t = [0, 1, 0, 1, 1, 0, 1, 0];
  const hand = z.reduce((s, zi, i) => s - (t[i] * Math.log(sigmoid(zi)) + (1 - t[i]) * Math.log(1 - sigmoid(zi))), 0) /
    z.length;
  const zt = tf.tensor2d(z, [8, 1]), tt = tf.tensor2d(t, [8, 1]);
  const viaLogits = scalar(bceWithLogits(zt, tt));
  const viaProbs = scalar(tf.tidy(() => bce(tf.sigmoid(zt), tt)));
  assert.ok(Math.abs(viaLogits - hand) < 1e-6 * Math.max(1, hand), `bceWithLogits ${viaLogits} vs hand ${hand}`);
  assert.ok(Math.abs(viaProbs - hand) < 1e-5 * Math.max(1, hand), `bce∘sigmoid ${viaProbs} vs hand ${hand}`);
  const grad = read(tf.grad((a) => bceWithLogits(a, tt))(zt));
  assertScaledClose(grad, z.map((zi, i) => (sigmoid(zi) - t[i]) / z.length), 1e-6, "d bceWithLogits / dz");
  // Stable where the naive form overflows: z = ±100 gives 100 for the wrong target, 0 for the right one.
  const extreme = scalar(bceWithLogits(tf.tensor1d([100, -100]), tf.tensor1d([0, 1])));
  assert.ok(Math.abs(extreme - 100) < 1e-3, `extreme logits: ${extreme}`);
  // bce clamps each log at −100 like PyTorch's BCELoss.
  assert.ok(Math.abs(scalar(bce(tf.tensor1d([0, 1]), tf.tensor1d([1, 0]))) - 100) < 1e-3, "bce log clamp at −100");
  tf.dispose([zt, tt]);
});

Deno.test("crossEntropy (integer and one-hot targets) and weightedCrossEntropy equal the hand computation; gradient (softmax − onehot)/n", () => {
  const n = 4, k = 5;
  const logits = normal("ce/logits", n * k, 2), labels = [3, 0, 4, 1];
  const lse = (r: number) =>
    Math.log(Array.from({ length: k }, (_, j) => Math.exp(logits[r * k + j])).reduce((a, b) => a + b));
  const perSample = labels.map((y, r) => lse(r) - logits[r * k + y]);
  const hand = perSample.reduce((a, b) => a + b) / n;
  const lt = tf.tensor2d(logits, [n, k]), yt = tf.tensor1d(labels, "int32");
  assert.ok(Math.abs(scalar(crossEntropy(lt, yt)) - hand) < 1e-5, "crossEntropy(int labels)");
  const onehot = tf.oneHot(yt, k).toFloat();
  assert.ok(Math.abs(scalar(crossEntropy(lt, onehot)) - hand) < 1e-5, "crossEntropy(one-hot)");
  const grad = read(tf.grad((a) => crossEntropy(a, yt))(lt));
  const expected = Array.from(logits, (v, i) => {
    const r = Math.floor(i / k), j = i % k;
    return (Math.exp(v - lse(r)) - (labels[r] === j ? 1 : 0)) / n;
  });
  assertScaledClose(grad, expected, 1e-5, "d crossEntropy / d logits");
  const w = [1, 2, 0.5, 3, 0.25];
  const wHand = labels.reduce((s, y, r) => s + w[y] * perSample[r], 0) / labels.reduce((s, y) => s + w[y], 0);
  assert.ok(Math.abs(scalar(weightedCrossEntropy(lt, yt, tf.tensor1d(w))) - wHand) < 1e-5, "weightedCrossEntropy");
  assert.equal(
    scalar(countCorrect(lt, yt)),
    labels.filter((y, r) => {
      let best = 0;
      for (let j = 1; j < k; j++) if (logits[r * k + j] > logits[r * k + best]) best = j;
      return best === y;
    }).length,
  );
  assert.equal(scalar(countCorrectBinary(tf.tensor1d([-1, 2, 0.5, -3]), tf.tensor1d([0, 1, 0, 0]))), 3);
  assert.ok(Math.abs(scalar(mse(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 6]))) - 13 / 3) < 1e-6, "mse");
  tf.dispose([lt, yt, onehot]);
});

Deno.test("klDivergence ≥ 0, = 0 for equal inputs, equals the hand computation, and has the analytic gradients", () => {
  const n = 3, k = 4;
  const p = normal("kl/p", n * k, 2), q = normal("kl/q", n * k, 2);
  const softmax = (a: Float32Array, r: number) => {
    const e = Array.from({ length: k }, (_, j) => Math.exp(a[r * k + j]));
    const s = e.reduce((x, y) => x + y);
    return e.map((v) => v / s);
  };
  let hand = 0;
  const gradQ: number[] = [], gradP: number[] = [];
  for (let r = 0; r < n; r++) {
    const pr = softmax(p, r), qr = softmax(q, r);
    const a = pr.map((v, j) => Math.log(v) - Math.log(qr[j]));
    const kl = pr.reduce((s, v, j) => s + v * a[j], 0);
    hand += kl / n;
    for (let j = 0; j < k; j++) {
      gradQ.push((qr[j] - pr[j]) / n);
      gradP.push((pr[j] * (a[j] - kl)) / n);
    }
  }
  const pt = tf.tensor2d(p, [n, k]), qt = tf.tensor2d(q, [n, k]);
  const kl = scalar(klDivergence(pt, qt));
  assert.ok(kl > 0 && Math.abs(kl - hand) < 1e-5, `KL ${kl} vs hand ${hand}`);
  assert.ok(Math.abs(scalar(klDivergence(pt, pt))) < 1e-6, "KL(p‖p) = 0");
  // Shifting logits by a constant leaves the distribution, hence KL, unchanged.
  assert.ok(Math.abs(scalar(tf.tidy(() => klDivergence(pt, tf.add(pt, 3))))) < 1e-5, "KL(p‖p+c) = 0");
  for (let s = 0; s < 20; s++) {
    const a = tf.tensor2d(normal(`kl/a${s}`, n * k, 3), [n, k]), b = tf.tensor2d(normal(`kl/b${s}`, n * k, 3), [n, k]);
    assert.ok(scalar(klDivergence(a, b)) >= -1e-6, "KL ≥ 0");
    tf.dispose([a, b]);
  }
  const [gp, gq] = tf.grads((a, b) => klDivergence(a, b))([pt, qt]);
  assertScaledClose(read(gq), gradQ, 1e-5, "d KL / d qLogits = (q − p)/n");
  assertScaledClose(read(gp), gradP, 1e-5, "d KL / d pLogits = p(log p − log q − KL)/n");
  tf.dispose([pt, qt]);
});

Deno.test("AvgPool2d with numeric padding counts the zeros, as PyTorch's default", () => {
  const y = tf.tidy(() => new AvgPool2d(3, 2, 1).forward(tf.ones([1, 3, 3, 1])).arraySync() as number[][][][]);
  assert.ok(Math.abs(y[0][0][0][0] - 4 / 9) < 1e-6, `corner ${y[0][0][0][0]}`);
});
