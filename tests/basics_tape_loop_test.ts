/**
 * The low-level style: explicit variables trained by the hand-written tape loop. It must never step
 * on validation rows (the seed's bug), learn a separable set to 100%, keep the tensor count flat,
 * and — started from the same draws as the lib/nn layers — follow the high-level style's curves.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { SGD } from "../lib/train/sgd.ts";
import { readState } from "../lib/nn/state.ts";
import { fitWithTape } from "../scripts/basics/tape_loop.ts";
import { classificationTask, regressionTask } from "../scripts/basics/tf_style_losses.ts";
import {
  buildExplicitModel,
  disposeExplicitModel,
  type ExplicitModel,
  explicitParameterCount,
} from "../scripts/basics/explicit_models.ts";
import { makeInitializer } from "../scripts/basics/initial_values.ts";
import { buildHighLevelModel } from "../scripts/basics/high_level_models.ts";
import { MODEL_NAMES, SEED_PARAMETER_COUNTS } from "../scripts/basics/models.ts";
import { runVariant, type VariantConfig } from "../scripts/basics/run_variant.ts";

const backend = await initBackend("wasm");

/** A linear classifier over `features` inputs as an explicit model. */
function linearModel(features: number, classes: number, rng: Rng): ExplicitModel {
  const init = makeInitializer("pytorch", "logreg", rng);
  const W = init.weight([features, classes], features), b = init.bias([classes], features);
  return { variables: { W, b }, forward: (x) => tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b) };
}

const rowsFrom = (start: number, end: number) => Int32Array.from({ length: end - start }, (_, i) => start + i);

/** Feature 2 is non-zero only in the validation rows 16..19: only stepping on them moves W[2, :]. */
async function weightsOfValidationOnlyFeature(trainOnAll: boolean) {
  const n = 20, rng = new Rng(1);
  const x = new Float32Array(n * 3), y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[3 * i] = rng.normal();
    x[3 * i + 1] = rng.normal();
    x[3 * i + 2] = i >= 16 ? 5 : 0;
    y[2 * i + (i % 2)] = 1;
  }
  const model = linearModel(3, 2, new Rng(2));
  const [xs, ys] = [tf.tensor2d(x, [n, 3]), tf.tensor2d(y, [n, 2])];
  const before = Array.from(await model.variables.W.data()).slice(4, 6);
  await fitWithTape({
    model,
    task: classificationTask,
    optimizer: new SGD(Object.values(model.variables), 0.5),
    x: xs,
    y: ys,
    trainRows: trainOnAll ? rowsFrom(0, 20) : rowsFrom(0, 16),
    validationRows: rowsFrom(16, 20),
    epochs: 5,
    batchSize: 4,
    shuffleRng: new Rng(3),
    silent: true,
  });
  const after = Array.from(await model.variables.W.data()).slice(4, 6);
  tf.dispose([xs, ys]);
  disposeExplicitModel(model);
  return { before, after };
}

Deno.test("the tape loop never steps on validation rows", async () => {
  const held = await weightsOfValidationOnlyFeature(false);
  assert.deepEqual(held.after, held.before);
  const control = await weightsOfValidationOnlyFeature(true);
  assert.notDeepEqual(control.after, control.before);
});

Deno.test("the tape loop learns a separable set to 100%, history keys per epoch, no leaks", async () => {
  const n = 40, rng = new Rng(4);
  const x = new Float32Array(2 * n), y = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    x[2 * i] = (c ? 2 : -2) + 0.3 * rng.normal();
    x[2 * i + 1] = (c ? 2 : -2) + 0.3 * rng.normal();
    y[2 * i + c] = 1;
  }
  const [xs, ys] = [tf.tensor2d(x, [n, 2]), tf.tensor2d(y, [n, 2])];
  const model = linearModel(2, 2, new Rng(5));
  const optimizer = new SGD(Object.values(model.variables), 0.1);
  const before = tf.memory().numTensors;
  const history = await fitWithTape({
    model,
    task: classificationTask,
    optimizer,
    x: xs,
    y: ys,
    trainRows: rowsFrom(0, 32),
    validationRows: rowsFrom(32, 40),
    epochs: 20,
    batchSize: 8,
    shuffleRng: new Rng(6),
    silent: true,
  });
  assert.equal(tf.memory().numTensors, before, "tensors left behind");
  assert.deepEqual(history.epoch, Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual(Object.keys(history.history).sort(), ["accuracy", "loss", "val_accuracy", "val_loss"]);
  assert.deepEqual(Object.keys(history.rows[0]).sort(), [
    "epoch",
    "lr",
    "seconds",
    "trainAccuracy",
    "trainLoss",
    "validationAccuracy",
    "validationLoss",
  ]);
  assert.equal(history.rows[0].lr, 0.1);
  assert.equal(history.history.accuracy!.at(-1), 1);
  assert.equal(history.history.val_accuracy!.at(-1), 1);
  tf.dispose([xs, ys]);
  disposeExplicitModel(model);
});

Deno.test("the tape loop stops at the first non-finite loss as lib/train's fit does", async () => {
  const n = 20, rng = new Rng(10);
  const x = tf.tensor2d(rng.fillNormal(new Float32Array(n)), [n, 1]);
  const y = tf.tensor2d(rng.fillNormal(new Float32Array(n)), [n, 1]);
  const model = buildExplicitModel("linreg", makeInitializer("pytorch", "linreg", new Rng(11)));
  const optimizer = new SGD(Object.values(model.variables), 1e6);
  const history = await fitWithTape({
    model,
    task: regressionTask,
    optimizer,
    x,
    y,
    trainRows: rowsFrom(0, 16),
    validationRows: rowsFrom(16, 20),
    epochs: 50,
    batchSize: 4,
    shuffleRng: new Rng(12),
    silent: true,
  });
  assert.match(
    history.stopped ?? "",
    /^(training|validation) loss became (NaN|-?Infinity) in epoch \d+: lower the learning rate$/,
  );
  assert.ok(history.rows.length < 50);
  assert.equal(history.rows[0].trainAccuracy, undefined, "a regression has no accuracy");
  optimizer.dispose();
  tf.dispose([x, y]);
  disposeExplicitModel(model);
});

Deno.test("explicit models have the seed's parameter counts; pytorch init reproduces the layers' draws", async () => {
  for (const name of MODEL_NAMES) {
    const explicit = buildExplicitModel(name, makeInitializer("pytorch", name, new Rng(7)));
    assert.equal(explicitParameterCount(explicit), SEED_PARAMETER_COUNTS[name], name);
    if (name !== "cnn") {
      const layers = buildHighLevelModel(name, new Rng(7));
      const layerValues = (await readState(layers.net)).map(([, v]) => Array.from(v.data));
      const explicitValues = await Promise.all(
        Object.values(explicit.variables).map(async (v) => Array.from(await v.data())),
      );
      assert.deepEqual(explicitValues, layerValues, name);
      layers.dispose();
    }
    disposeExplicitModel(explicit);
  }
});

Deno.test("from the same initial weights and batch order the two styles give the same curves", async () => {
  const n = 64, rng = new Rng(8);
  const pixels = rng.fillUniform(new Float32Array(n * 784), 0, 1);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const x = tf.tensor2d(pixels, [n, 784]);
  const y = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), 10), "float32"));
  const config: Omit<VariantConfig, "style"> = {
    model: "mlp",
    trainSize: n,
    validationSplit: 0.25,
    epochs: 3,
    batchSize: 16,
    lr: 0.1,
    lowInit: "pytorch",
    testSize: 0,
    linregNoise: 0,
    seed: 9,
    quick: true,
  };
  const data = { train: { x, y, n }, test: null };
  const high = await runVariant({ ...config, style: "high" }, data, backend, { silent: true });
  const low = await runVariant({ ...config, style: "low" }, data, backend, { silent: true });
  assert.equal(high.history.length, 3);
  assert.deepEqual(low.history.map((r) => Object.keys(r)), high.history.map((r) => Object.keys(r)));
  high.history.forEach((h, i) => {
    const l = low.history[i];
    for (const key of ["trainLoss", "validationLoss"] as const) {
      assert.ok(Math.abs(h[key]! - l[key]!) < 1e-4, `${key} ${h[key]} vs ${l[key]}`);
    }
    for (const key of ["trainAccuracy", "validationAccuracy"] as const) assert.equal(h[key], l[key], key);
  });
  tf.dispose([x, y]);
});
