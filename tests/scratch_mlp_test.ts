/**
 * The hand-written modules of UvA practical 1, Q1 (ELU, Softmax, cross-entropy on probabilities,
 * the MLP, plain SGD): each backward against float64 central differences of a plain-TS reference
 * and against tfjs' tape, the whole MLP's parameter gradients against its autodiff twin, and a few
 * SGD steps that learn with a flat tensor count and seeded determinism.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchELU } from "../lib/scratch/elu.ts";
import { ScratchSoftmax } from "../lib/scratch/softmax.ts";
import { oneHotTargets, ScratchCrossEntropy } from "../lib/scratch/cross_entropy.ts";
import { ScratchSGD } from "../lib/scratch/sgd.ts";
import { scratchMLP, UVA_WEIGHT_STD } from "../lib/scratch/mlp.ts";
import type { ScratchLinear } from "../lib/scratch/linear.ts";
import {
  autodiffCheckLayer,
  centralDifferences,
  gradCheckLayer,
  gradientError,
  worstError,
} from "../lib/scratch/gradcheck.ts";
import { ELU, Linear, Sequential, Softmax } from "../lib/nn/mod.ts";
import { StepBatches } from "../scripts/uva/step_batches.ts";
import type { ImageFeatures } from "../scripts/uva/inputs.ts";
import { trainScratchMLP } from "../scripts/uva/scratch_training.ts";

await initBackend("cpu");

const elu64 = (x: Float64Array) => x.map((v) => (v >= 0 ? v : Math.expm1(v)));

function softmaxRows64(x: Float64Array, columns: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let r = 0; r < x.length / columns; r++) {
    const row = x.subarray(r * columns, (r + 1) * columns), max = Math.max(...row);
    const e = row.map((v) => Math.exp(v - max)), sum = e.reduce((a, b) => a + b, 0);
    y.set(e.map((v) => v / sum), r * columns);
  }
  return y;
}

Deno.test("ELU backward matches float64 finite differences and the tape", async () => {
  const rng = new Rng(1);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(6 * 7), 0, 2), [6, 7]);
  const fd = await gradCheckLayer(new ScratchELU(), x, (v) => elu64(v), rng);
  assert.ok(worstError(fd) < 1e-5, `vs finite differences: ${JSON.stringify(fd)}`);
  const tape = await autodiffCheckLayer(new ScratchELU(), new ELU(), x, rng);
  assert.ok(worstError(tape) < 1e-6, `vs tape: ${JSON.stringify(tape)}`);
  x.dispose();
});

Deno.test("Softmax backward (Jacobian–vector product) matches finite differences and the tape", async () => {
  const rng = new Rng(2);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(5 * 4), 0, 3), [5, 4]);
  const fd = await gradCheckLayer(new ScratchSoftmax(), x, (v) => softmaxRows64(v, 4), rng);
  assert.ok(worstError(fd) < 1e-5, `vs finite differences: ${JSON.stringify(fd)}`);
  const tape = await autodiffCheckLayer(new ScratchSoftmax(), new Softmax(), x, rng);
  assert.ok(worstError(tape) < 1e-6, `vs tape: ${JSON.stringify(tape)}`);
  x.dispose();
});

Deno.test("Softmax forward survives large logits (max trick)", async () => {
  const y = tf.tidy(() => new ScratchSoftmax().forward(tf.tensor2d([[1000, 1001, 999]]), false));
  const values = await y.data();
  assert.ok(values.every(Number.isFinite));
  assert.ok(Math.abs(values[1] - 0.6652409) < 1e-6);
  y.dispose();
});

Deno.test("cross-entropy on probabilities: value and −T⊘X/S against finite differences and the tape", async () => {
  const rng = new Rng(3), s = 4, c = 5;
  const probs64 = softmaxRows64(Float64Array.from({ length: s * c }, () => rng.normal()), c);
  const labels = [0, 3, 4, 1];
  const t64 = new Float64Array(s * c);
  labels.forEach((l, i) => t64[i * c + l] = 1);
  const loss64 = (p: Float64Array) => -p.reduce((sum, v, k) => sum + t64[k] * Math.log(v), 0) / s;
  const ce = new ScratchCrossEntropy();
  const [loss, grad, tapeGrad] = tf.tidy(() => {
    const p = tf.tensor2d(Float32Array.from(probs64), [s, c]);
    const t = oneHotTargets(tf.tensor1d(labels, "int32"), c);
    const f = (q: tf.Tensor) => tf.neg(tf.div(tf.sum(tf.mul(t, tf.log(q))), s)) as tf.Scalar;
    return [ce.forward(p, t), ce.backward(p, t), tf.grad(f)(p)];
  });
  assert.ok(Math.abs((await loss.data())[0] - loss64(probs64)) < 1e-6);
  const fd = centralDifferences(loss64, Float64Array.from(probs64));
  assert.ok(gradientError(await grad.data(), fd).worst < 1e-5);
  assert.ok(gradientError(await grad.data(), await tapeGrad.data()).worst < 1e-6);
  tf.dispose([loss, grad, tapeGrad]);
});

/** The autodiff twin of a scratch MLP with the same weights. */
function autodiffTwin(layers: ScratchLinear[], rng: Rng): Sequential {
  const twin = new Sequential(new Linear(6, 5, rng), new ELU(), new Linear(5, 3, rng));
  const linears = [twin.layers[0], twin.layers[2]] as Linear[];
  linears.forEach((l, i) => {
    l.weight.assign(layers[i].weight);
    l.bias!.assign(layers[i].bias);
  });
  return twin;
}

Deno.test("scratch MLP: every parameter gradient equals the tape's through the lib/nn twin", async () => {
  const rng = new Rng(4);
  const mlp = scratchMLP({ inputs: 6, hidden: [5], classes: 3, init: "pytorch" }, rng);
  assert.deepEqual(mlp.layers.map((l) => l.name), ["Linear(6→5)", "ELU", "Linear(5→3)", "Softmax"]);
  const twin = autodiffTwin([mlp.layers[0], mlp.layers[2]] as ScratchLinear[], rng);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(8 * 6)), [8, 6]);
  const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 2, 1], "int32");
  const ce = new ScratchCrossEntropy();
  const tensors = tf.tidy(() => {
    const t = oneHotTargets(labels, 3);
    const p = mlp.forward(x, true);
    mlp.backward(ce.backward(p, t));
    const f = () => tf.neg(tf.div(tf.sum(tf.mul(t, tf.logSoftmax(twin.forward(x)))), 8)) as tf.Scalar;
    const { grads } = tf.variableGrads(f, twin.parameters());
    return [...mlp.grads, ...twin.parameters().map((v) => grads[v.name])];
  });
  const values = await Promise.all(tensors.map((t) => t.data()));
  for (let i = 0; i < 4; i++) assert.ok(gradientError(values[i], values[i + 4]).worst < 1e-6, `parameter ${i}`);
  tf.dispose([...tensors, x, labels]);
  mlp.dispose();
  twin.dispose();
});

Deno.test("UvA initialisation: weights N(0, 1e-4²), biases 0", async () => {
  const mlp = scratchMLP({ inputs: 300, hidden: [100], classes: 10, init: "uva" }, new Rng(5));
  const [w, b] = await Promise.all(mlp.layers[0].params.map((p) => p.data()));
  const std = Math.sqrt(Array.from(w).reduce((s, v) => s + v * v, 0) / w.length);
  assert.ok(Math.abs(std / UVA_WEIGHT_STD - 1) < 0.02, `std ${std}`);
  assert.ok(Array.from(b).every((v) => v === 0));
  mlp.dispose();
});

Deno.test("SGD: p ← p − lr·g, old parameters freed", async () => {
  const layer = {
    name: "toy",
    params: [tf.tensor1d([1, 2])],
    grads: [tf.tensor1d([0.5, -1])],
    forward: (x: tf.Tensor) => x,
    backward: (d: tf.Tensor) => d,
  };
  const before = tf.memory().numTensors;
  new ScratchSGD(0.1).step([layer]);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(await layer.params[0].data()).map((v) => +v.toFixed(6)), [0.95, 2.1]);
  tf.dispose([...layer.params, ...layer.grads]);
  assert.throws(() => new ScratchSGD(0), /learning rate/);
});

/** Two Gaussian blobs per class in 2×2×1 "images". */
function toyImages(n: number, rng: Rng): ImageFeatures {
  const featuresNHWC = new Float32Array(n * 4), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let f = 0; f < 4; f++) featuresNHWC[i * 4 + f] = (f === labels[i] ? 2 : 0) + 0.3 * rng.normal();
  }
  return { featuresNHWC, labels, n, imageShape: [2, 2, 1] };
}

async function trainToy(seed: number) {
  const rng = new Rng(seed);
  const model = scratchMLP({ inputs: 4, hidden: [8], classes: 3, init: "pytorch" }, rng);
  const result = await trainScratchMLP({
    model,
    optimizer: new ScratchSGD(0.5),
    classes: 3,
    train: toyImages(120, rng),
    test: toyImages(60, rng),
    maxSteps: 60,
    evalFreq: 20,
    batchSize: 12,
    rng,
    silent: true,
  });
  const params = await Promise.all(model.params.map((p) => p.data()));
  model.dispose();
  return { ...result, params };
}

Deno.test("scratch training learns a toy task, keeps the tensor count flat and is deterministic", async () => {
  const before = tf.memory().numTensors;
  const a = await trainToy(7);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(a.stopped, null);
  assert.deepEqual(a.history.map((r) => r.step), [20, 40, 60]);
  assert.ok((a.history[2].testAccuracy ?? 0) > 0.9, `accuracy ${a.history[2].testAccuracy}`);
  assert.ok(a.history[2].trainLoss < a.history[0].trainLoss);
  const b = await trainToy(7);
  assert.deepEqual(b.params, a.params);
});

Deno.test("StepBatches: full batches only, a fresh permutation per epoch", () => {
  const batches = new StepBatches(10, 4, new Rng(8)).take(5);
  assert.ok(batches.every((b) => b.length === 4));
  const firstEpoch = [...batches[0], ...batches[1]];
  assert.equal(new Set(firstEpoch).size, 8);
  assert.throws(() => new StepBatches(3, 4, new Rng(0)), /batch size/);
});
