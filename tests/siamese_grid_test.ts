/** Grid enumeration, sharding and merge; resume after a kill; run ids. */
import assert from "node:assert/strict";
import { cartesian, parseShard, shardOf, stableHash } from "../scripts/siamese_grid/grid.ts";
import { configKey, gridRuns, runId, SEED_GRID, shapeKey, studyRuns } from "../scripts/siamese_grid/config.ts";
import { summarize } from "../scripts/siamese_grid/summary.ts";
import { claimRun, releaseClaim, removeClaimsDirIfEmpty } from "../scripts/siamese_grid/workers.ts";
import type { SiameseResult } from "../scripts/siamese_grid/summary.ts";

const common = {
  epochs: 20,
  batchSize: 1,
  lr: 1e-3,
  gamma: 0.9,
  dropout: 0.2,
  trainSize: 1000,
  testSize: 1000,
  normalize: false,
  seed: 0,
};

Deno.test("the seed grid has 240 configurations × 5 rounds with unique ids", () => {
  const runs = gridRuns(SEED_GRID, common);
  assert.equal(runs.length, 240 * 5);
  assert.equal(new Set(runs.map(runId)).size, runs.length);
  assert.deepEqual(runs.slice(0, 240).map((r) => r.round), Array(240).fill(0), "round-major order");
});

Deno.test("settings a run does not use are null: α without aux, the MLP's convolution and sharing; keys unchanged", () => {
  const shape = { architecture: 5 as const, k: 3, channels: 16, hidden: 128, alpha: 0.5 };
  const [ws, wsNoAux, , , mlp] = studyRuns(shape, 1, 512, common);
  assert.equal(ws.alpha, 0.5);
  assert.equal(wsNoAux.alpha, null);
  assert.deepEqual(
    [mlp.architecture, mlp.k, mlp.channels, mlp.weightSharing, mlp.aux, mlp.alpha],
    [null, null, null, null, false, null],
  );
  // shapeKey seeds the initial weights and the data order: these strings fix every result's numbers
  assert.deepEqual([ws, wsNoAux, mlp].map(shapeKey), ["a5-k3-c16-n128-ws", "a5-k3-c16-n128-ws", "mlp-n512"]);
  assert.deepEqual([ws, wsNoAux, mlp].map(configKey), [
    "a5-k3-c16-n128-ws-aux0.5",
    "a5-k3-c16-n128-ws-noaux",
    "mlp-n512",
  ]);
  const noAux = gridRuns({ ...SEED_GRID, aux: [false], rounds: 1 }, common);
  assert.ok(noAux.every((r) => r.alpha === null), "no aux: one run per shape, with no α");
  assert.equal(noAux.length, 2 * 6 * 4, "α no longer multiplies the no-aux runs");
});

Deno.test("cartesian varies the first axis slowest", () => {
  assert.deepEqual(cartesian({ a: [1, 2], b: ["x", "y"] }), [{ a: 1, b: "x" }, { a: 1, b: "y" }, { a: 2, b: "x" }, {
    a: 2,
    b: "y",
  }]);
  assert.throws(() => cartesian({ a: [] }), /axis 'a' is empty/);
});

Deno.test("shards are disjoint, cover the grid and are balanced", () => {
  const runs = gridRuns(SEED_GRID, common).map(runId);
  for (const n of [1, 2, 3, 7]) {
    const shards = Array.from({ length: n }, (_, i) => shardOf(runs, { index: i, count: n }));
    const all = shards.flat();
    assert.equal(all.length, runs.length);
    assert.equal(new Set(all).size, runs.length);
    const sizes = shards.map((s) => s.length);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
  }
  assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
  for (const bad of ["4/4", "a/b", "1", "-1/2"]) assert.throws(() => parseShard(bad), /--shard must be i\/n/);
});

Deno.test("run ids change with any setting that changes the numbers", () => {
  const [a] = gridRuns(SEED_GRID, common);
  assert.notEqual(runId(a), runId({ ...a, epochs: 19 }));
  assert.notEqual(runId(a), runId({ ...a, seed: 1 }));
  assert.equal(runId(a), runId({ ...a }));
  assert.equal(stableHash({ x: 1, y: 2 }), stableHash({ y: 2, x: 1 }));
});

const deno = Deno.execPath();
const tiny = [
  "--k",
  "3",
  "--channels",
  "2",
  "--hidden",
  "8",
  "--alpha",
  "0.5,1",
  "--rounds",
  "1",
  "--epochs",
  "4",
  "--train-size",
  "60",
  "--test-size",
  "60",
  "--checkpoint-every",
  "1",
  "--backend",
  "wasm",
];

async function grid(out: string, extra: string[] = []) {
  const p = await new Deno.Command(deno, {
    args: ["run", "-A", "scripts/siamese_grid/main.ts", ...tiny, "--out", out, ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(p.success, new TextDecoder().decode(p.stderr));
}

async function runsIn(dir: string): Promise<Map<string, SiameseResult>> {
  const out = new Map<string, SiameseResult>();
  for await (const e of Deno.readDir(`${dir}/runs`)) {
    if (e.name.endsWith(".json")) out.set(e.name, JSON.parse(await Deno.readTextFile(`${dir}/runs/${e.name}`)));
  }
  return out;
}

Deno.test("shards merged equal the unsharded summary", async () => {
  const whole = await Deno.makeTempDir(), sharded = await Deno.makeTempDir();
  await grid(whole);
  await grid(sharded, ["--shard", "0/2"]);
  await grid(sharded, ["--shard", "1/2"]);
  const [a, b] = [await runsIn(whole), await runsIn(sharded)];
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, r] of a) {
    assert.deepEqual(
      b.get(name)!.history.map((h) => h.testAccuracy),
      r.history.map((h) => h.testAccuracy),
    );
  }
  const strip = (s: ReturnType<typeof summarize>) => s.map(({ secondsPerRun: _, ...rest }) => rest);
  assert.deepEqual(strip(summarize([...b.values()])), strip(summarize([...a.values()])));
});

for (
  const [engine, extra] of [
    // The native engine is fast: a run long enough to be killed after a checkpoint.
    ["native", ["--engine", "native", "--train-size", "1000", "--epochs", "12"]],
    ["tfjs", ["--engine", "tfjs"]],
  ] as const
) {
  Deno.test(`${engine}: a run killed mid-way resumes from its checkpoint (it says so) to the same results, nothing duplicated`, async () => {
    const args = [...extra, "--workers", "1"];
    const clean = await Deno.makeTempDir(), killed = await Deno.makeTempDir();
    await grid(clean, args);
    const child = new Deno.Command(deno, {
      args: ["run", "-A", "scripts/siamese_grid/main.ts", ...tiny, "--out", killed, ...args],
      stdout: "null",
      stderr: "null",
    }).spawn();
    // Wait for a checkpoint of the first run, then kill without warning.
    let caught = false;
    for (let i = 0; i < 1200 && !caught; i++) {
      caught = await Array.fromAsync(Deno.readDir(`${killed}/checkpoints`)).then((e) =>
        e.some((f) => f.name.endsWith(".safetensors"))
      ).catch(() => false);
      if (!caught) await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGKILL");
    await child.status;
    assert.ok(caught, "the run finished before a checkpoint was seen: lengthen it");
    const before = await runsIn(killed).catch(() => new Map());
    assert.ok(before.size < (await runsIn(clean)).size, "killed before the grid finished");
    await grid(killed, args);
    const [a, b] = [await runsIn(clean), await runsIn(killed)];
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort());
    for (const [name, r] of a) {
      assert.equal(r.final.engine, engine);
      assert.deepEqual(
        b.get(name)!.history.map(({ seconds: _, ...h }) => h),
        r.history.map(({ seconds: _, ...h }) => h),
      );
    }
    // Equal numbers alone would not show the checkpoint was used: training is deterministic.
    const resumed = [...b.values()].filter((r) => r.final.resumedEpochs > 0);
    assert.equal(resumed.length, 1, "exactly the interrupted run continued from its checkpoint");
    assert.ok([...a.values()].every((r) => r.final.resumedEpochs === 0));
    const leftovers = await Array.fromAsync(Deno.readDir(`${killed}/checkpoints`));
    assert.deepEqual(leftovers, [], "checkpoints are removed once a run completes");
    const tmp = (await Array.fromAsync(Deno.readDir(`${killed}/runs`))).filter((e) => e.name.includes(".tmp-"));
    assert.deepEqual(tmp, []);
  });
}

Deno.test("claiming a run while another process removes the empty claims folder still takes the claim", async () => {
  const out = await Deno.makeTempDir();
  try {
    for (let i = 0; i < 200; i++) {
      const [claimed] = await Promise.all([claimRun(out, `run${i}`), removeClaimsDirIfEmpty(out)]);
      assert.ok(claimed, `run${i}`);
      await releaseClaim(out, `run${i}`);
      await removeClaimsDirIfEmpty(out);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
