/**
 * An ensemble trains K models exactly as K separate runs would: same initialisation, data order,
 * dropout masks and per-model α, so per-epoch losses and accuracies agree to float tolerance —
 * with dropout on, on wasm and on webgpu.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { RoundDataCache } from "../scripts/siamese_grid/data.ts";
import { trainRun } from "../scripts/siamese_grid/run.ts";
import { trainPairEnsemble } from "../scripts/siamese_grid/ensemble/train_pair_ensemble.ts";
import type { RunConfig } from "../scripts/siamese_grid/config.ts";
import { groupRuns } from "../scripts/siamese_grid/schedule.ts";
import { stackedConv2d } from "../scripts/siamese_grid/ensemble/stacked_conv.ts";

const base: RunConfig = {
  model: "siamese",
  architecture: 5,
  k: 3,
  channels: 2,
  hidden: 8,
  weightSharing: true,
  aux: true,
  alpha: 0.5,
  round: 0,
  epochs: 2,
  batchSize: 1,
  lr: 1e-3,
  gamma: 0.9,
  dropout: 0.2,
  nPairs: 24,
  normalize: false,
  seed: 7,
};
const members: RunConfig[][] = [
  [{ ...base }, { ...base, alpha: 0 }, { ...base, round: 1, alpha: 1 }],
  [{ ...base, weightSharing: false }, { ...base, weightSharing: false, aux: false, alpha: 1, round: 1 }],
  [{ ...base, model: "mlp", k: 0, channels: 0, hidden: 16, aux: false, alpha: 1 }, {
    ...base,
    model: "mlp",
    k: 0,
    channels: 0,
    hidden: 16,
    aux: false,
    alpha: 1,
    round: 1,
  }],
  [{ ...base, architecture: 2, batchSize: 4 }, { ...base, architecture: 2, batchSize: 4, round: 1, alpha: 0.25 }],
];

async function compare(backend: "wasm" | "webgpu", groups: RunConfig[][]) {
  await initBackend(backend);
  const cache = new RoundDataCache();
  const dir = await Deno.makeTempDir();
  for (const cfgs of groups) {
    const data = await Promise.all(cfgs.map((c) => cache.get(c.seed, c.round, c.nPairs, c.normalize)));
    const opts = { checkpointPath: `${dir}/x.safetensors`, checkpointEvery: 100, label: "t", silent: true };
    const together = await trainPairEnsemble(cfgs, data, { ...opts, evalChunk: 10 });
    for (const [i, cfg] of cfgs.entries()) {
      const alone = await trainRun(cfg, data[i], opts);
      const label =
        `${backend} ${cfg.model} ws=${cfg.weightSharing} α=${cfg.alpha} r${cfg.round} arch ${cfg.architecture}`;
      assert.equal(together[i].history.length, alone.history.length);
      assert.equal(together[i].parameters, alone.parameters, label);
      for (const [e, h] of alone.history.entries()) {
        const t = together[i].history[e];
        for (const key of ["trainLoss", "testLoss"] as const) {
          assert.ok(
            Math.abs(t[key]! - h[key]!) <= 1e-4 * Math.max(1, Math.abs(h[key]!)),
            `${label} epoch ${h.epoch} ${key}: ${t[key]} vs ${h[key]}`,
          );
        }
        assert.ok(Math.abs(t.testAccuracy! - h.testAccuracy!) <= 1 / cfg.nPairs + 1e-9, `${label} test accuracy`);
        assert.equal(t.lr, h.lr);
      }
    }
  }
  cache.dispose();
}

Deno.test("ensemble ≡ one-by-one on wasm (dropout on, mixed rounds and α, shared/two trunks/MLP, padded arch 2)", () =>
  compare("wasm", members));

const adapter = await navigator.gpu?.requestAdapter();
Deno.test({
  name: "ensemble ≡ one-by-one on webgpu",
  ignore: !adapter,
  // WebGPU on the software adapter is slow (≈80 ms a step): two members, 12 pairs, one epoch.
  fn: () => compare("webgpu", [members[0].slice(0, 2).map((c) => ({ ...c, nPairs: 12, epochs: 1 }))]),
});

Deno.test("stacked im2col convolution equals per-model conv2d", async () => {
  await initBackend("wasm");
  const E = 3, N = 2, cin = 2, cout = 4;
  const x = tf.randomUniform([E * N, 7, 6, cin], -1, 1, "float32", 1) as tf.Tensor4D;
  const filters = tf.randomUniform([E, 3, 3, cin, cout], -1, 1, "float32", 2);
  const bias = tf.randomUniform([E, 1, cout], -1, 1, "float32", 3) as tf.Tensor3D;
  for (const pad of [0, 1]) {
    const got = stackedConv2d(x, tf.reshape(filters, [E, 9 * cin, cout]), bias, E, [3, 3], pad);
    const want = tf.concat(Array.from({ length: E }, (_, e) => {
      const xe = tf.slice(x, [e * N, 0, 0, 0], [N, -1, -1, -1]);
      const fe = tf.reshape(tf.slice(filters, [e, 0, 0, 0, 0], [1, -1, -1, -1, -1]), [3, 3, cin, cout]) as tf.Tensor4D;
      return tf.add(
        tf.conv2d(xe, fe, 1, pad === 0 ? "valid" : [[0, 0], [1, 1], [1, 1], [0, 0]]),
        tf.reshape(tf.slice(bias, [e, 0, 0], [1, 1, cout]), [cout]),
      );
    }));
    const diff = (await tf.max(tf.abs(tf.sub(got, want))).data())[0];
    assert.ok(diff < 1e-5, `pad ${pad}: ${diff}`);
  }
});

Deno.test("grouping: runs of one shape and settings share an ensemble, up to the size limit", () => {
  const runs = [base, { ...base, alpha: 0 }, { ...base, round: 1 }, { ...base, channels: 4 }, { ...base, epochs: 3 }];
  assert.deepEqual(groupRuns(runs, 25).map((g) => g.runs.length), [3, 1, 1]);
  assert.deepEqual(groupRuns(runs, 2).map((g) => g.runs.length), [2, 1, 1, 1]);
  assert.deepEqual(groupRuns(runs, 1).map((g) => g.runs.length), [1, 1, 1, 1, 1]);
});
