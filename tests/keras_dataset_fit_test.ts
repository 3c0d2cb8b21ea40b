/**
 * SequentialModel on Datasets: fit(x, y) and fit(Dataset.fromTensors(x, y)) are the same run, bit for
 * bit; validationData and callbacks go through the loop (early stopping stops and restores the best
 * epoch); save/load round-trips the weights, and a different architecture is refused by name.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Linear, ReLU } from "../lib/nn/mod.ts";
import { SequentialModel } from "../lib/keras/mod.ts";
import { Dataset } from "../lib/data/dataset.ts";
import { EarlyStopping } from "../lib/train/callbacks/mod.ts";

await initBackend("wasm");

/** Two overlapping Gaussian blobs in 2-D with integer labels (overlap keeps the validation loss noisy). */
function blobs(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const rng = new Rng(seed), x = new Float32Array(2 * n), y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    x[2 * i] = (y[i] ? 0.5 : -0.5) + rng.normal();
    x[2 * i + 1] = (y[i] ? 0.5 : -0.5) + rng.normal();
  }
  return { x: tf.tensor2d(x, [n, 2]), y: tf.tensor1d(y, "int32") };
}

function classifier(seed: number, hidden = 8): SequentialModel {
  const rng = new Rng(seed);
  const model = new SequentialModel([2], [new Linear(2, hidden, rng), new ReLU(), new Linear(hidden, 2, rng)]);
  model.compile({ loss: "categoricalCrossentropy", optimizer: "adam", learningRate: 0.05, metrics: ["accuracy"] });
  return model;
}

const metricsOf = (rows: { seconds: number }[]) => rows.map(({ seconds: _, ...m }) => m);

Deno.test("fit(x, y) and fit(Dataset) give bitwise the same history and weights", async () => {
  const { x, y } = blobs(60, 1);
  const a = classifier(2), b = classifier(2);
  const options = { epochs: 3, batchSize: 8, validationSplit: 0.25, seed: 4, verbose: 0 } as const;
  const ha = await a.fit(x, y, options);
  const hb = await b.fit(Dataset.fromTensors(x, y), options);
  assert.deepEqual(metricsOf(hb.rows), metricsOf(ha.rows));
  assert.deepEqual(await b.getWeights(), await a.getWeights());
  tf.dispose([x, y]);
  a.dispose();
  b.dispose();
});

Deno.test("validationData + EarlyStopping(restoreBest): stops, and ends on the best epoch's weights", async () => {
  const train = blobs(200, 5), held = blobs(200, 6);
  const model = classifier(7, 64);
  model.compile({ loss: "categoricalCrossentropy", optimizer: "adam", learningRate: 0.3, metrics: ["accuracy"] });
  const validation = Dataset.fromTensors(held.x, held.y);
  const stopping = new EarlyStopping({ patience: 1, restoreBest: true });
  const before = tf.memory().numTensors;
  const history = await model.fit(Dataset.fromTensors(train.x, train.y), {
    epochs: 40,
    batchSize: 10,
    validationData: validation,
    callbacks: [stopping],
    verbose: 0,
  });
  assert.equal(tf.memory().numTensors, before, "fit left tensors behind");
  assert.ok(history.rows.length < 40, "a high learning rate on noisy data should plateau and stop");
  assert.match(history.stopped!, /^early stopping: validationLoss did not improve/);
  const losses = history.history.val_loss!, best = Math.min(...losses);
  assert.equal(stopping.monitor.best, best);
  const { loss } = await model.evaluate(validation, { batchSize: 10 });
  assert.ok(Math.abs(loss - best) < 1e-5, `restored weights score ${loss}, the best epoch ${best}`);
  tf.dispose([train.x, train.y, held.x, held.y]);
  model.dispose();
});

Deno.test("save → load into a fresh model: same weights, same predictions; other layers are refused", async () => {
  const { x, y } = blobs(40, 8);
  const trained = classifier(9);
  await trained.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0 });
  const path = `${await Deno.makeTempDir()}/model.safetensors`;
  await trained.save(path);
  const fresh = classifier(10);
  assert.notDeepEqual(await fresh.getWeights(), await trained.getWeights());
  await fresh.load(path);
  assert.deepEqual(await fresh.getWeights(), await trained.getWeights());
  assert.deepEqual(Array.from(await fresh.predictClasses(x)), Array.from(await trained.predictClasses(x)));
  const other = classifier(11, 4);
  await assert.rejects(() => other.load(path), /shape \[2,8\] but the model expects \[2,4\]/);
  tf.dispose([x, y]);
  for (const m of [trained, fresh, other]) m.dispose();
});
