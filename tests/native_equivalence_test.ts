/**
 * A run on the native engine is the run tfjs trains: same initial weights, data order, minibatches,
 * dropout masks (on), loss and Adam, so the per-epoch history agrees to float tolerance — for one
 * trunk, two trunks, the MLP, and minibatches with a short last batch. Plus: same seed → identical
 * numbers, a run interrupted after a checkpoint resumes from it to the same history, and the fused batch-1
 * step equals gradients followed by the plain Adam pass.
 */
import assert from "node:assert/strict";
import { initBackend } from "../lib/tf.ts";
import { buildModel, trainRun } from "../scripts/siamese_grid/run.ts";
import { lossWeights, trainRunNative } from "../scripts/siamese_grid/native_run.ts";
import { adamScalars, adamStep, Engine } from "../lib/native/engine.ts";
import { NativePairModel } from "../scripts/siamese_grid/native_pair_model.ts";
import type { SiameseNet } from "../scripts/siamese_grid/siamese.ts";
import { RoundDataCache } from "../scripts/siamese_grid/data.ts";
import type { RunConfig } from "../scripts/siamese_grid/config.ts";
import type { HistoryRow } from "../lib/train/loop.ts";
import { mlpRun, smallRun } from "./_helpers/small_run.ts";
import { assertScaledClose } from "./_helpers/numeric.ts";

await initBackend("wasm");
const cache = new RoundDataCache();
const base = smallRun();
const silent = (path: string) => ({ checkpointPath: path, checkpointEvery: 100, label: "t", silent: true });
const withoutSeconds = (h: HistoryRow[]) => h.map(({ seconds: _, ...row }) => row);

Deno.test("native run ≡ tfjs run: histories agree (dropout on; one trunk, two trunks, MLP; batch 1 and 7)", async () => {
  const dir = await Deno.makeTempDir();
  for (
    const cfg of [
      base,
      { ...base, weightSharing: false, batchSize: 7, alpha: 0.25 },
      { ...base, architecture: 2, round: 1 },
      { ...base, alpha: 0 }, // the comparison head frozen (pair_model.ts, step)
      mlpRun(base, { hidden: 32, batchSize: 7 }),
    ] satisfies RunConfig[]
  ) {
    const data = await cache.get(cfg);
    const tfjs = await trainRun(cfg, data, silent(`${dir}/a.safetensors`));
    const native = await trainRunNative(
      cfg,
      { train: data.train.set, test: data.test.set },
      silent(`${dir}/b.safetensors`),
    );
    const label = `${cfg.model} arch ${cfg.architecture} ws=${cfg.weightSharing} batch ${cfg.batchSize}`;
    assert.equal(native.parameters, tfjs.parameters, label);
    assert.equal(native.history.length, cfg.epochs);
    for (const [e, h] of tfjs.history.entries()) {
      const n = native.history[e];
      for (const key of ["trainLoss", "testLoss"] as const) {
        assert.ok(
          Math.abs(n[key]! - h[key]!) <= 1e-4 * Math.max(1, Math.abs(h[key]!)),
          `${label} ${key}: ${n[key]} vs ${h[key]}`,
        );
      }
      assert.ok(Math.abs(n.trainAccuracy - h.trainAccuracy) <= 1 / cfg.trainSize + 1e-9, `${label} train accuracy`);
      assert.ok(Math.abs(n.testAccuracy! - h.testAccuracy!) <= 1 / cfg.testSize + 1e-9, `${label} test accuracy`);
      assert.equal(n.lr, h.lr);
    }
  }
});

Deno.test("native: same seed → identical histories; a resumed run continues bit-exactly from its checkpoint", async () => {
  const dir = await Deno.makeTempDir();
  const cfg = { ...base, epochs: 4 };
  const data = await cache.get(cfg);
  const sets = { train: data.train.set, test: data.test.set };
  const a = await trainRunNative(cfg, sets, silent(`${dir}/a.safetensors`));
  const b = await trainRunNative(cfg, sets, silent(`${dir}/b.safetensors`));
  assert.deepEqual(withoutSeconds(b.history), withoutSeconds(a.history));
  assert.equal(a.resumedEpochs, 0);
  // Two epochs with a checkpoint after each, then a fresh process-like start from that file — into
  // a run of another seed (other initial weights, data order and dropout masks), so only what the
  // checkpoint restores can make it continue the first run: retraining would give other numbers.
  const path = `${dir}/resume.safetensors`;
  const first = await trainRunNative({ ...cfg, epochs: 2 }, sets, { ...silent(path), checkpointEvery: 1 });
  assert.equal(first.history.length, 2);
  const other = { ...cfg, seed: cfg.seed + 1 };
  const fresh = await trainRunNative(other, sets, silent(`${dir}/c.safetensors`));
  assert.notDeepEqual(withoutSeconds(fresh.history), withoutSeconds(a.history), "another seed trains otherwise");
  const resumed = await trainRunNative(other, sets, { ...silent(path), checkpointEvery: 1 });
  assert.equal(resumed.resumedEpochs, 1, "the checkpoint of epoch 1 (none is written after the last epoch)");
  assert.deepEqual(withoutSeconds(resumed.history), withoutSeconds(a.history));
});

Deno.test("native: the fused batch-1 step (dense weights updated in backward) = gradients, then one flat Adam pass", async () => {
  const engine = await Engine.create();
  for (
    const cfg of [
      base,
      { ...base, weightSharing: false },
      { ...base, alpha: 0 }, // skips the head's backward pass and Adam; the plain path runs both
      mlpRun(base, { hidden: 32 }),
    ] satisfies RunConfig[]
  ) {
    const data = await cache.get(cfg);
    const [fused, plain] = [0, 1].map(() => new NativePairModel(engine, buildModel(cfg).model, 14, 1));
    for (let t = 1; t <= 20; t++) {
      const rows = Int32Array.of((7 * t) % data.train.n);
      const a = fused.step(data.train.set, rows, lossWeights(cfg), adamScalars(t, 1e-3));
      const b = plain.trainStep(data.train.set, rows, lossWeights(cfg));
      adamStep(engine, { p: plain.params, g: plain.grads, m: plain.m, v: plain.v }, adamScalars(t, 1e-3));
      assert.ok(
        Math.abs(a.loss - b.loss) <= 1e-5 * Math.max(1, b.loss),
        `${cfg.model} ws=${cfg.weightSharing} step ${t}`,
      );
    }
    assertScaledClose(fused.params.f, plain.params.f, 1e-5, `${cfg.model} ws=${cfg.weightSharing} parameters`);
    if (cfg.alpha === 0) {
      // the head (the parameters after the trunk's) never moved, on either path
      const model = buildModel(cfg).model as SiameseNet, initial = new NativePairModel(engine, model, 14, 1).params.f;
      const head = fused.bindings.slice(-model.combiner.parameters().length); // bindings: trunks first
      const trunkEnd = Math.min(...head.map((b) => (b.slot.ptr - fused.params.ptr) / 4));
      assert.deepEqual(fused.params.f.subarray(trunkEnd), initial.subarray(trunkEnd), "α = 0: head unchanged");
      assert.deepEqual(plain.params.f.subarray(trunkEnd), initial.subarray(trunkEnd), "α = 0: head unchanged (plain)");
    }
    assertScaledClose(fused.m.f, plain.m.f, 1e-4, `${cfg.model} ws=${cfg.weightSharing} first moments`);
  }
});
