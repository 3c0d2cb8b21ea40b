/**
 * summary() must reproduce the seed-001 notebook's parameter counts (2; 7,850; 25,450;
 * 832 + 51,264 + 3,212,288 + 10,250 = 3,274,634), its CNN output shapes, and count BatchNorm's
 * running statistics as non-trainable.
 */
import assert from "node:assert/strict";
import { initBackend } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { BatchNorm, Linear, ReLU } from "../lib/nn/mod.ts";
import { SequentialModel } from "../lib/keras/mod.ts";
import { buildHighLevelModel } from "../scripts/basics/high_level_models.ts";
import { MODEL_NAMES, SEED_PARAMETER_COUNTS } from "../scripts/basics/models.ts";

await initBackend("wasm");

Deno.test("summary totals equal the seed's parameter counts for the four models", () => {
  assert.deepEqual(SEED_PARAMETER_COUNTS, { linreg: 2, logreg: 7850, mlp: 25450, cnn: 3274634 });
  for (const name of MODEL_NAMES) {
    const model = buildHighLevelModel(name, new Rng(0));
    const s = model.summary({ print: false });
    assert.equal(s.total, SEED_PARAMETER_COUNTS[name], name);
    assert.equal(s.trainable, s.total, name);
    assert.equal(s.nonTrainable, 0, name);
    assert.match(s.text, new RegExp(`Total params: ${SEED_PARAMETER_COUNTS[name].toLocaleString("en-US")}\n`));
    model.dispose();
  }
});

Deno.test("CNN summary rows: the seed's per-layer counts and output shapes", () => {
  const model = buildHighLevelModel("cnn", new Rng(0));
  const rows = model.summary({ print: false }).rows;
  model.dispose();
  const withParams = rows.filter((r) => r.params > 0).map((r) => [r.name, r.params]);
  assert.deepEqual(withParams, [["conv2d_1", 832], ["conv2d_2", 51264], ["linear_1", 3212288], ["linear_2", 10250]]);
  assert.deepEqual(rows.map((r) => r.outputShape), [
    [null, 28, 28, 32],
    [null, 28, 28, 32],
    [null, 14, 14, 32],
    [null, 14, 14, 64],
    [null, 14, 14, 64],
    [null, 7, 7, 64],
    [null, 3136],
    [null, 1024],
    [null, 1024],
    [null, 10],
  ]);
  assert.deepEqual(rows.slice(0, 3).map((r) => `${r.name} (${r.type})`), [
    "conv2d_1 (Conv2d)",
    "re_lu_1 (ReLU)",
    "max_pool2d_1 (MaxPool2d)",
  ]);
});

Deno.test("summary counts BatchNorm's running statistics as non-trainable", () => {
  const rng = new Rng(1);
  const model = new SequentialModel([4], [new Linear(4, 3, rng), new BatchNorm(3), new ReLU(), new Linear(3, 2, rng)]);
  const s = model.summary({ print: false });
  model.dispose();
  assert.equal(s.trainable, 15 + 6 + 8);
  assert.equal(s.nonTrainable, 6);
  assert.equal(s.total, 35);
  assert.deepEqual(s.rows.map((r) => r.params), [15, 12, 0, 8]);
  assert.match(s.text, /Non-trainable params: 6\n/);
});
