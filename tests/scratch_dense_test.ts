/**
 * The scratch fully connected layer, ReLU, Flatten and fused softmax cross-entropy: forward and
 * backward against float64 references (central differences) and against lib/nn / lib/train on
 * tfjs' tape.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchLinear } from "../lib/scratch/linear.ts";
import { ScratchReLU } from "../lib/scratch/relu.ts";
import { ScratchFlatten } from "../lib/scratch/flatten.ts";
import { SoftmaxCrossEntropy } from "../lib/scratch/softmax_cross_entropy.ts";
import {
  autodiffCheckLayer,
  centralDifferences,
  gradCheckLayer,
  gradientError,
  kinkFreeInput,
  worstError,
} from "../lib/scratch/gradcheck.ts";
import { Linear } from "../lib/nn/linear.ts";
import { ReLU } from "../lib/nn/activations.ts";
import { Flatten } from "../lib/nn/flatten.ts";
import { crossEntropy } from "../lib/train/losses.ts";

await initBackend("cpu");

const N = 4, IN = 7, OUT = 5;

/** y[n, o] = b[o] + Σᵢ x[n, i]·W[i, o] in float64. */
function linearReference(x: Float64Array, [w, b]: Float64Array[]): Float64Array {
  const y = new Float64Array(N * OUT);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      let s = b[o];
      for (let i = 0; i < IN; i++) s += x[n * IN + i] * w[i * OUT + o];
      y[n * OUT + o] = s;
    }
  }
  return y;
}

Deno.test("linear: forward and backward match float64 central differences", async () => {
  const rng = new Rng("linear fd");
  const layer = new ScratchLinear(IN, OUT, rng);
  const x = kinkFreeInput([N, IN], rng);
  const check = await gradCheckLayer(layer, x, linearReference, rng);
  assert.ok(worstError(check) < 1e-5, JSON.stringify(check));
  tf.dispose([x, ...layer.params]);
});

Deno.test("linear: matches lib/nn Linear on tfjs' tape", async () => {
  const rng = new Rng("linear twin");
  const layer = new ScratchLinear(IN, OUT, rng);
  const twin = new Linear(IN, OUT, rng);
  const x = kinkFreeInput([N, IN], rng);
  const check = await autodiffCheckLayer(layer, twin, x, rng);
  assert.ok(worstError(check) < 1e-6, JSON.stringify(check));
  tf.dispose([x, ...layer.params]);
  twin.dispose();
});

Deno.test("linear rejects mis-shaped parameters and inputs", () => {
  assert.throws(() => new ScratchLinear(3, 2, { weight: tf.zeros([2, 3]), bias: tf.zeros([2]) }), /expected \[3,2\]/);
  const layer = new ScratchLinear(3, 2, new Rng(0));
  assert.throws(() => tf.tidy(() => layer.forward(tf.zeros([1, 4]), true)), /expected input \[n, 3\]/);
  tf.dispose(layer.params);
});

Deno.test("relu: backward matches float64 central differences and lib/nn ReLU", async () => {
  const rng = new Rng("relu");
  const x = kinkFreeInput([3, 8], rng);
  const fd = await gradCheckLayer(new ScratchReLU(), x, (v) => v.map((e) => Math.max(0, e)), rng);
  assert.ok(worstError(fd) < 1e-6, JSON.stringify(fd));
  const twin = await autodiffCheckLayer(new ScratchReLU(), new ReLU(), x, rng);
  assert.ok(worstError(twin) < 1e-7, JSON.stringify(twin));
  x.dispose();
});

Deno.test("flatten: NHWC order as lib/nn Flatten, gradient reshaped back", async () => {
  const rng = new Rng("flatten");
  const x = kinkFreeInput([2, 3, 2, 4], rng);
  const twin = await autodiffCheckLayer(new ScratchFlatten(), new Flatten(), x, rng);
  assert.equal(worstError(twin), 0);
  const flatten = new ScratchFlatten();
  tf.tidy(() => {
    assert.deepEqual(flatten.forward(x, true).shape, [2, 24]);
    assert.deepEqual(flatten.backward(tf.zeros([2, 24])).shape, [2, 3, 2, 4]);
  });
  x.dispose();
});

/** Mean cross-entropy of softmax(z) in float64 for logits [n, k]. */
function crossEntropyReference(logits: Float64Array, labels: number[], k: number): number {
  let total = 0;
  for (let n = 0; n < labels.length; n++) {
    const row = logits.subarray(n * k, (n + 1) * k);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0)) + max;
    total += logSum - row[labels[n]];
  }
  return total / labels.length;
}

Deno.test("softmax cross-entropy: loss and (p − onehot)/n against float64 and lib/train crossEntropy", async () => {
  const rng = new Rng("sce");
  const k = 6, labels = [0, 5, 2, 2];
  // Large logits: a naive exp would overflow float32, the log-sum-exp form does not.
  const logits = tf.tensor2d(rng.fillUniform(new Float32Array(labels.length * k), -60, 60), [labels.length, k]);
  const labelTensor = tf.tensor1d(labels, "int32");
  const sce = new SoftmaxCrossEntropy();
  const [loss, grad, tapeLoss, tapeGrad] = tf.tidy(() => [
    sce.forward(logits, labelTensor),
    sce.backward(),
    crossEntropy(logits, labelTensor),
    tf.grad((z: tf.Tensor) => crossEntropy(z, labelTensor))(logits),
  ]);
  const z64 = Float64Array.from(await logits.data());
  const lossValue = (await loss.data())[0];
  const reference = crossEntropyReference(z64, labels, k);
  assert.ok(Math.abs(lossValue - reference) / reference < 1e-6, `${lossValue} vs ${reference}`);
  assert.ok(Math.abs(lossValue - (await tapeLoss.data())[0]) < 1e-4);
  const numeric = centralDifferences((z) => crossEntropyReference(z, labels, k), z64);
  assert.ok(gradientError(await grad.data(), numeric).worst < 1e-6);
  assert.ok(gradientError(await grad.data(), await tapeGrad.data()).worst < 1e-6);
  const rowSums = tf.tidy(() => tf.sum(grad, 1).dataSync());
  for (const s of rowSums) assert.ok(Math.abs(s) < 1e-7, "each row of p − onehot sums to 0");
  tf.dispose([logits, labelTensor, loss, grad, tapeLoss, tapeGrad]);
});
