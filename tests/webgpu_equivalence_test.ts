/**
 * The webgpu engine trains the runs the native engine trains: same initial weights, pair orders,
 * dropout masks (the generators' streams continued on the GPU), loss, Adam and StepLR, so histories
 * agree to float tolerance — every architecture, one trunk and two, aux or not, α = 0 and 0.5, the
 * MLP, a short last minibatch, dropout on, all trained together in one lockstep. Plus: same seed →
 * the same bits; a run's numbers do not depend on which runs train beside it; a checkpoint resumes
 * to the same bits on webgpu and to the same history on the native engine. Runs on any WebGPU
 * adapter (Mesa llvmpipe in CI; pin DENO_WEBGPU_BACKEND=vulkan).
 */
import assert from "node:assert/strict";
import { initBackend } from "../lib/tf.ts";
import { trainRunNative } from "../scripts/siamese_grid/native_run.ts";
import { type LockstepJob, trainRunsWebgpu } from "../scripts/siamese_grid/webgpu_run.ts";
import type { RunOutcome } from "../scripts/siamese_grid/run.ts";
import { RoundDataCache } from "../scripts/siamese_grid/data.ts";
import type { RunConfig } from "../scripts/siamese_grid/config.ts";
import type { HistoryRow } from "../lib/train/loop.ts";
import { mlpRun, smallRun } from "./_helpers/small_run.ts";

await initBackend("wasm");
const cache = new RoundDataCache();
const base = smallRun({ epochs: 2, trainSize: 15, testSize: 16 });
const dir = await Deno.makeTempDir();
const withoutSeconds = (h: HistoryRow[]) => h.map(({ seconds: _, ...row }) => row);

async function job(cfg: RunConfig, name: string, checkpointEvery = 100): Promise<LockstepJob> {
  const d = await cache.get(cfg);
  return {
    cfg,
    data: { train: d.train.set, test: d.test.set },
    opts: { checkpointPath: `${dir}/${name}.safetensors`, checkpointEvery, label: name, silent: true },
  };
}

async function webgpu(jobs: LockstepJob[]): Promise<RunOutcome[]> {
  const outcomes = new Map<LockstepJob, RunOutcome>();
  await trainRunsWebgpu(jobs, (j, o) => Promise.resolve(void outcomes.set(j, o)));
  return jobs.map((j) => outcomes.get(j)!);
}

const sameBatch: RunConfig[] = [
  base,
  { ...base, alpha: 0 }, // the comparison head's gradient is exactly zero
  { ...base, architecture: 1, round: 1 },
  { ...base, architecture: 2 },
  { ...base, architecture: 3, aux: false, alpha: null },
  { ...base, architecture: 4, weightSharing: false },
  { ...base, k: 5, channels: 3 },
];
const batch7: RunConfig[] = [
  { ...base, weightSharing: false, batchSize: 7, alpha: 0.25 },
  mlpRun(base, { hidden: 32, batchSize: 7 }),
];
const jobs = await Promise.all([...sameBatch, ...batch7].map((c, i) => job(c, `together-${i}`)));
const together = await webgpu(jobs);

Deno.test("webgpu runs ≡ native runs: histories agree (architectures 1–5, sharing on/off, aux or not, α 0 and 0.5, MLP, batch 1 and 7)", async () => {
  for (const [i, j] of jobs.entries()) {
    const native = await trainRunNative(j.cfg, j.data, { ...j.opts, checkpointPath: `${dir}/native-${i}.safetensors` });
    const gpu = together[i], c = j.cfg;
    const label =
      `${c.model} arch ${c.architecture} k ${c.k} ws=${c.weightSharing} aux=${c.aux} α ${c.alpha} batch ${c.batchSize}`;
    assert.equal(gpu.parameters, native.parameters, label);
    assert.equal(gpu.history.length, c.epochs, label);
    for (const [e, n] of native.history.entries()) {
      const g = gpu.history[e];
      for (const key of ["trainLoss", "testLoss"] as const) {
        assert.ok(
          Math.abs(g[key]! - n[key]!) <= 1e-4 * Math.max(1, Math.abs(n[key]!)),
          `${label} ${key}: ${g[key]} vs ${n[key]}`,
        );
      }
      assert.ok(Math.abs(g.trainAccuracy - n.trainAccuracy) <= 1 / c.trainSize + 1e-9, `${label} train accuracy`);
      assert.ok(Math.abs(g.testAccuracy! - n.testAccuracy!) <= 1 / c.testSize + 1e-9, `${label} test accuracy`);
      assert.equal(g.lr, n.lr);
    }
  }
});

Deno.test("webgpu: same seed → same bits, whichever runs train beside it", async () => {
  const pick = [0, 5];
  const alone = await webgpu(await Promise.all(pick.map((i) => job(sameBatch[i], `alone-${i}`))));
  pick.forEach((i, k) => {
    assert.deepEqual(withoutSeconds(alone[k].history), withoutSeconds(together[i].history), `run ${i}`);
  });
});

Deno.test("webgpu: a checkpoint resumes to the same bits on webgpu, and to the same history on native", async () => {
  const cfg = { ...base, weightSharing: false, alpha: 0.25 };
  const [full] = await webgpu([await job(cfg, "resume", 1)]); // leaves its epoch-1 checkpoint
  const copy = `${dir}/resume-native.safetensors`;
  await Deno.copyFile(`${dir}/resume.safetensors`, copy);
  const [resumed] = await webgpu([await job(cfg, "resume", 1)]);
  assert.equal(resumed.resumedEpochs, 1);
  assert.deepEqual(withoutSeconds(resumed.history), withoutSeconds(full.history));
  const j = await job(cfg, "resume-native", 1);
  const native = await trainRunNative(cfg, j.data, j.opts);
  assert.equal(native.resumedEpochs, 1);
  const [g, n] = [full.history[1], native.history[1]];
  assert.ok(Math.abs(g.trainLoss - n.trainLoss) <= 1e-5 * Math.max(1, n.trainLoss), `${g.trainLoss} vs ${n.trainLoss}`);
  assert.ok(Math.abs(g.testLoss! - n.testLoss!) <= 1e-5 * Math.max(1, n.testLoss!), `${g.testLoss} vs ${n.testLoss}`);
});
