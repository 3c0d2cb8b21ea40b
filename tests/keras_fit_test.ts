/**
 * The Keras-style fit: validation rows are never trained on, a separable set is learnt to 100%,
 * the history has Keras' keys with one value per epoch (its rows the training loop's keys), runs
 * are reproducible, and no tensors leak.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Linear, ReLU } from "../lib/nn/mod.ts";
import { SequentialModel } from "../lib/keras/mod.ts";

await initBackend("wasm");

/** Two Gaussian blobs far apart in 2-D, labels one-hot; `n` rows, alternating classes. */
function separableSet(n: number, rng: Rng): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = new Float32Array(2 * n), y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = i % 2, centre = c === 0 ? -2 : 2;
    x[2 * i] = centre + 0.3 * rng.normal();
    x[2 * i + 1] = centre + 0.3 * rng.normal();
    y[2 * i + c] = 1;
  }
  return { x: tf.tensor2d(x, [n, 2]), y: tf.tensor2d(y, [n, 2]) };
}

function classifier(seed: number): SequentialModel {
  const rng = new Rng(seed);
  const model = new SequentialModel([2], [new Linear(2, 8, rng), new ReLU(), new Linear(8, 2, rng)]);
  model.compile({ loss: "categoricalCrossentropy", optimizer: "sgd", learningRate: 0.1, metrics: ["accuracy"] });
  return model;
}

Deno.test("fit learns a separable set to 100% accuracy and evaluate/predict agree", async () => {
  const { x, y } = separableSet(40, new Rng(1));
  const model = classifier(2);
  const history = await model.fit(x, y, { epochs: 30, batchSize: 8, validationSplit: 0.25, verbose: 0 });
  assert.equal(history.history.accuracy!.at(-1), 1);
  assert.equal(history.history.val_accuracy!.at(-1), 1);
  const evaluation = await model.evaluate(x, y);
  assert.equal(evaluation.accuracy, 1);
  const logits = model.predict(x, { batchSize: 16 });
  assert.deepEqual(logits.shape, [40, 2]);
  const predicted = await tf.argMax(logits, 1).array(), labels = await tf.argMax(y, 1).array();
  assert.deepEqual(predicted, labels);
  tf.dispose([logits, x, y]);
  model.dispose();
});

Deno.test("history: Keras' keys, one value per epoch, accuracy only when asked", async () => {
  const { x, y } = separableSet(20, new Rng(3));
  const withAccuracy = classifier(4);
  const h = await withAccuracy.fit(x, y, { epochs: 3, batchSize: 5, validationSplit: 0.2, verbose: 0 });
  assert.deepEqual(h.epoch, [0, 1, 2]);
  assert.deepEqual(Object.keys(h.history).sort(), ["accuracy", "loss", "val_accuracy", "val_loss"]);
  for (const values of Object.values(h.history)) assert.equal(values.length, 3);
  assert.deepEqual(h.rows.map((r) => r.epoch), [1, 2, 3]);
  assert.deepEqual(Object.keys(h.rows[0]).sort(), [
    "epoch",
    "lr",
    "seconds",
    "trainAccuracy",
    "trainLoss",
    "validationAccuracy",
    "validationLoss",
  ]);
  assert.deepEqual(h.history.val_loss, h.rows.map((r) => r.validationLoss));
  assert.equal(h.stopped, null);

  const lossOnly = new SequentialModel([2], [new Linear(2, 2, new Rng(5))]);
  lossOnly.compile({ loss: "meanSquaredError", optimizer: "sgd" });
  const noValidation = await lossOnly.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0 });
  assert.deepEqual(Object.keys(noValidation.history), ["loss"]);
  const withValidation = await lossOnly.fit(x, y, { epochs: 2, batchSize: 5, validationSplit: 0.5, verbose: 0 });
  assert.deepEqual(Object.keys(withValidation.history), ["loss", "val_loss"]);
  assert.deepEqual(Object.keys(withValidation.rows[0]).sort(), [
    "epoch",
    "lr",
    "seconds",
    "trainLoss",
    "validationLoss",
  ]);
  tf.dispose([x, y]);
  withAccuracy.dispose();
  lossOnly.dispose();
});

/**
 * Feature 2 is zero in every training row and non-zero only in the validation rows (the last 20%),
 * so the weights reading it get a gradient only from validation rows. The seed's bug (optimiser
 * steps on validation minibatches) would move them; Keras' semantics leave them untouched.
 */
async function weightRowOfValidationOnlyFeature(
  validationSplit: number,
): Promise<{ before: number[]; after: number[] }> {
  const n = 20, nValidation = 4;
  const x = new Float32Array(n * 3), y = new Float32Array(n * 2);
  const rng = new Rng(6);
  for (let i = 0; i < n; i++) {
    x[3 * i] = rng.normal();
    x[3 * i + 1] = rng.normal();
    x[3 * i + 2] = i >= n - nValidation ? 5 : 0;
    y[2 * i + (i % 2)] = 1;
  }
  const model = new SequentialModel([3], [new Linear(3, 2, new Rng(7))]);
  model.compile({ loss: "categoricalCrossentropy", optimizer: "sgd", learningRate: 0.5, metrics: ["accuracy"] });
  const row = async () => (await model.getWeights())[0].values.slice(4, 6);
  const before = Array.from(await row());
  const [xs, ys] = [tf.tensor2d(x, [n, 3]), tf.tensor2d(y, [n, 2])];
  await model.fit(xs, ys, { epochs: 5, batchSize: 4, validationSplit, verbose: 0 });
  const after = Array.from(await row());
  tf.dispose([xs, ys]);
  model.dispose();
  return { before, after };
}

Deno.test("validationSplit never trains on validation rows", async () => {
  const held = await weightRowOfValidationOnlyFeature(0.2);
  assert.deepEqual(held.after, held.before);
  // Control: when those rows are training rows, the same weights do move, so the check above can fail.
  const trained = await weightRowOfValidationOnlyFeature(0);
  assert.notDeepEqual(trained.after, trained.before);
});

Deno.test("same seed → same history; tensor count flat across epochs", async () => {
  const { x, y } = separableSet(24, new Rng(8));
  const runs = [];
  for (const epochs of [1, 4]) {
    const model = classifier(9);
    const before = tf.memory().numTensors;
    const h = await model.fit(x, y, { epochs, batchSize: 6, validationSplit: 0.25, seed: 11, verbose: 0 });
    assert.equal(tf.memory().numTensors, before, `${epochs} epochs left tensors behind`);
    runs.push(h.rows.map(({ seconds: _, ...metrics }) => metrics));
    model.dispose();
  }
  const again = classifier(9);
  const repeat = await again.fit(x, y, { epochs: 4, batchSize: 6, validationSplit: 0.25, seed: 11, verbose: 0 });
  assert.deepEqual(repeat.rows.map(({ seconds: _, ...metrics }) => metrics), runs[1]);
  assert.deepEqual(runs[1][0], runs[0][0]);
  tf.dispose([x, y]);
  again.dispose();
});

Deno.test("a diverging fit stops at the first non-finite loss and says what to lower", async () => {
  const { x, y } = separableSet(20, new Rng(12));
  const model = new SequentialModel([2], [new Linear(2, 2, new Rng(13))]);
  model.compile({ loss: "meanSquaredError", optimizer: "sgd", learningRate: 1e6 });
  const h = await model.fit(x, y, { epochs: 50, batchSize: 5, validationSplit: 0.2, verbose: 0 });
  assert.match(
    h.stopped ?? "",
    /^(training|validation) loss became (NaN|-?Infinity) in epoch \d+: lower the learning rate$/,
  );
  assert.ok(h.rows.length < 50);
  assert.equal(h.history.loss!.length, h.rows.length);
  tf.dispose([x, y]);
  model.dispose();
});

Deno.test("clear errors: fit before compile, unknown loss, mismatched rows, add after compile", async () => {
  const model = new SequentialModel([2], [new Linear(2, 2, new Rng(0))]);
  const [x, y] = [tf.zeros([4, 2]), tf.zeros([3, 2])];
  await assert.rejects(() => model.fit(x, x), /needs compile\(\) first/);
  assert.throws(() => model.compile({ loss: "hinge" as "meanSquaredError", optimizer: "sgd" }), /unknown loss 'hinge'/);
  model.compile({ loss: "meanSquaredError", optimizer: "adam" });
  await assert.rejects(() => model.fit(x, y, { verbose: 0 }), /x has 4 rows but y has 3/);
  assert.throws(() => model.add(new ReLU()), /add\(\) after compile/);
  tf.dispose([x, y]);
  model.dispose();
});
