/**
 * BatchNorm's two modes, as the uva-convnet evaluation relies on them: training normalises with the
 * batch's statistics and updates the running ones (momentum 0.1, unbiased variance, as PyTorch);
 * evaluation normalises with the running statistics, leaves them alone, and so gives each example
 * the same output whatever else is in its batch. Also the Table 1 ConvNet's shapes.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { BatchNorm } from "../lib/nn/batchnorm.ts";
import { buildConvNet, finalSide } from "../scripts/uva/convnet_model.ts";

await initBackend("wasm");

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol = 1e-5) =>
  Array.from(a).every((v, i) => Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i])));

function batch(seed: number, n = 8, c = 3): tf.Tensor2D {
  return tf.tensor2d(new Rng(seed).fillNormal(new Float32Array(n * c), 5, 2), [n, c]);
}

Deno.test("training mode: batch statistics, running statistics updated with momentum 0.1", async () => {
  const bn = new BatchNorm(3), x = batch(1);
  const y = tf.tidy(() => bn.forward(x));
  const { mean, variance } = tf.tidy(() => tf.moments(y, 0));
  assert.ok(close(await mean.data(), [0, 0, 0], 1e-5));
  assert.ok(close(await variance.data(), [1, 1, 1], 1e-3));
  const m = tf.tidy(() => tf.moments(x, 0));
  const n = 8, expectedMean = Array.from(await m.mean.data(), (v) => 0.1 * v);
  const expectedVar = Array.from(await m.variance.data(), (v) => 0.9 + 0.1 * v * n / (n - 1));
  assert.ok(close(await bn.runningMean.data(), expectedMean));
  assert.ok(close(await bn.runningVar.data(), expectedVar));
  tf.dispose([x, y, mean, variance, m.mean, m.variance]);
  bn.dispose();
});

Deno.test("eval mode: running statistics, no update, outputs independent of the batch", async () => {
  const bn = new BatchNorm(3);
  for (let s = 0; s < 5; s++) tf.tidy(() => bn.forward(batch(10 + s)));
  bn.eval();
  const rm = await bn.runningMean.data(), rv = await bn.runningVar.data();
  const x = batch(2);
  const y = tf.tidy(() => bn.forward(x));
  const xs = await x.data(), ys = await y.data();
  const expected = Array.from(xs, (v, i) => (v - rm[i % 3]) / Math.sqrt(rv[i % 3] + 1e-5));
  assert.ok(close(ys, expected, 1e-4));
  assert.deepEqual(await bn.runningMean.data(), rm);
  const first = tf.tidy(() => bn.forward(tf.slice(x, [0, 0], [1, 3])));
  assert.ok(close(await first.data(), ys.subarray(0, 3)));
  bn.train();
  const firstTrain = tf.tidy(() => bn.forward(tf.slice(x, [0, 0], [2, 3])));
  assert.ok(
    !close((await firstTrain.data()).subarray(0, 3), ys.subarray(0, 3), 1e-2),
    "training mode should depend on the batch",
  );
  tf.dispose([x, y, first, firstTrain]);
  bn.dispose();
});

Deno.test("Table 1 ConvNet: five pools to 1×1, 512→10 head; eval predictions do not depend on the batch", async () => {
  assert.equal(finalSide(32), 1);
  assert.equal(finalSide(28), 1);
  assert.throws(() => buildConvNet([64, 64, 3], 10, new Rng(0)), /not 1×1/);
  const net = buildConvNet([28, 28, 1], 10, new Rng(0));
  const convs = net.layers.filter((l) => l.constructor.name === "Conv2d").length;
  assert.equal(convs, 8);
  assert.equal(net.layers.filter((l) => l.constructor.name === "MaxPool2d").length, 5);
  const x = tf.tensor4d(new Rng(1).fillNormal(new Float32Array(3 * 28 * 28)), [3, 28, 28, 1]);
  net.eval();
  const all = tf.tidy(() => net.forward(x)),
    one = tf.tidy(() => net.forward(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])));
  assert.deepEqual(all.shape, [3, 10]);
  assert.ok(close(await one.data(), (await all.data()).subarray(0, 10), 1e-4));
  tf.dispose([x, all, one]);
  net.dispose();
});
