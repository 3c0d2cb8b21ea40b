/**
 * Pieces of the webgpu engine: the GPU's sfc32 continues an `Rng`'s stream draw for draw (masks
 * equal `fillBernoulli`'s, the state after them equal); work tables send every thread to its item;
 * a layer without a kernel is refused by name; `--engine auto` picks webgpu only on a real GPU.
 */
import assert from "node:assert/strict";
import { openDevice } from "../lib/webgpu/device.ts";
import { Lockstep } from "../lib/webgpu/lockstep.ts";
import { DROPOUT_MASKS, maskItem } from "../lib/webgpu/dropout_masks.ts";
import { bernoulliThreshold } from "../lib/webgpu/sfc32.ts";
import { buildTable, WORKGROUP } from "../lib/webgpu/table.ts";
import { FlatParams, GpuSequential } from "../lib/webgpu/sequential.ts";
import { Rng } from "../lib/random/rng.ts";
import { initBackend } from "../lib/tf.ts";
import { Linear, ReLU, Sequential } from "../lib/nn/mod.ts";
import { resolveEngine } from "../scripts/siamese_grid/engine.ts";

Deno.test("GPU sfc32 masks ≡ Rng.fillBernoulli, and the generator state after them", async () => {
  const p = 0.2, rngs = [new Rng("a"), new Rng("b")], segments = [{ off: 0, perPair: 37 }, { off: 100, perPair: 5 }];
  const B = 2, work = 200;
  const ints = Uint32Array.from(rngs.flatMap((r) => r.getState().s));
  const engine = await Lockstep.create(await openDevice(), {
    params: new Float32Array(4),
    data: new Float32Array(4),
    ints,
    work: 2 * work,
    outcomes: 4,
    slots: 1,
    kernels: [DROPOUT_MASKS],
  });
  const program = await engine.program(rngs.map((_, i) => ({
    stage: [0],
    kernel: DROPOUT_MASKS,
    item: maskItem({
      B,
      rng: 4 * i,
      threshold: bernoulliThreshold(p),
      scale: 1 / (1 - p),
      segments: segments.map((s) => ({ ...s, off: s.off + i * work })),
    }),
  })));
  engine.writeSteps([{ base: 0, adam: [0, 0, 0, 0] }]);
  engine.run([{ program, slot: 0 }]);
  const [masks, state] = await engine.read([{ name: "work", floats: 2 * work }, { name: "ints", floats: 8 }]);
  rngs.forEach((rng, i) => {
    for (const s of segments) {
      const expected = new Float32Array(s.perPair * B);
      rng.fillBernoulli(expected, expected.length, p, 1 / (1 - p));
      const at = i * work + s.off;
      assert.deepEqual(masks.subarray(at, at + expected.length), expected, `run ${i} segment at ${s.off}`);
    }
    assert.deepEqual([...new Uint32Array(state.buffer).subarray(4 * i, 4 * i + 4)], rng.getState().s);
  });
  engine.destroy();
});

Deno.test("work table: every thread of every item gets its item and index, once", () => {
  const items = [3, 64, 130].map((threads, i) => ({ threads, fields: [threads, 7 + i] }));
  const { data, x, y } = buildTable(items, 2);
  const seen = items.map(() => new Set<number>());
  for (let w = 0; w < x * y; w++) {
    const e = data[2 * w];
    for (let lid = 0; lid < WORKGROUP; lid++) {
      const t = data[2 * w + 1] + lid;
      if (t >= data[e]) continue;
      const i = data[e + 1] - 7;
      assert.ok(!seen[i].has(t));
      seen[i].add(t);
    }
  }
  assert.deepEqual(seen.map((s) => s.size), [3, 64, 130]);
});

Deno.test("a layer without a webgpu kernel is refused by name", async () => {
  await initBackend("wasm");
  const rng = new Rng(1);
  const seq = new Sequential(new Linear(4, 3, rng), new ReLU());
  const alloc = { floats: (_: number) => 0 };
  assert.throws(
    () => new GpuSequential(seq, [4], new FlatParams(0, 16), alloc, { max: 1, train: 1 }),
    /webgpu engine: no kernel for .*use --engine native/,
  );
  seq.dispose();
});

Deno.test("--engine auto: webgpu on a real GPU adapter, native otherwise; explicit choices stand", async () => {
  assert.equal(await resolveEngine("auto", () => Promise.resolve(true)), "webgpu");
  assert.equal(await resolveEngine("auto", () => Promise.resolve(false)), "native");
  assert.equal(await resolveEngine("webgpu", () => Promise.resolve(false)), "webgpu");
  assert.equal(await resolveEngine("native", () => Promise.resolve(true)), "native");
});

Deno.test("siamese-grid --engine webgpu trains every run of the invocation and records the engine; a rerun trains none", async () => {
  const out = await Deno.makeTempDir();
  const args = [
    "--quick",
    "--engine",
    "webgpu",
    "--train-size",
    "6",
    "--test-size",
    "6",
    "--epochs",
    "1",
    "--out",
    out,
  ];
  const grid = () =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "scripts/siamese_grid/main.ts", ...args],
      stdout: "null",
      stderr: "piped",
    })
      .output();
  const first = await grid();
  assert.ok(first.success, new TextDecoder().decode(first.stderr));
  const files = (await Array.fromAsync(Deno.readDir(`${out}/runs`))).filter((e) => e.name.endsWith(".json"));
  assert.equal(files.length, 4);
  for (const f of files) {
    const r = JSON.parse(await Deno.readTextFile(`${out}/runs/${f.name}`));
    assert.equal(r.final.engine, "webgpu");
    assert.equal(r.history.length, 1);
  }
  const again = await grid();
  assert.match(new TextDecoder().decode(again.stderr), /4 already complete, 0 to run/);
});
