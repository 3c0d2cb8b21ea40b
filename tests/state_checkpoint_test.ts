/**
 * Module state in safetensors (lib/nn/state.ts) and training checkpoints (lib/train/checkpoint.ts):
 * exact round trips, clear errors for a different architecture or a damaged file, the on-disk
 * layout, and a resumed Adam run equal to an uninterrupted one.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { BatchNorm, Conv2d, Flatten, Linear, ReLU, Sequential } from "../lib/nn/mod.ts";
import { decodeSafetensors, encodeSafetensors, loadState, saveState } from "../lib/nn/state.ts";
import { loadCheckpoint, moduleState, restoreModuleState, saveCheckpoint } from "../lib/train/checkpoint.ts";
import { Adam } from "../lib/train/adam.ts";
import { SGD } from "../lib/train/sgd.ts";
import type { Optimizer } from "../lib/train/optimizer.ts";
import type { Module } from "../lib/nn/module.ts";

await initBackend("cpu");

function model(seed: number, hidden = 5): Sequential {
  const rng = new Rng(seed);
  return new Sequential(
    new Conv2d(2, 3, 3, rng, { padding: 1 }),
    new BatchNorm(3),
    new ReLU(),
    new Flatten(),
    new Linear(4 * 4 * 3, hidden, rng),
  );
}

async function stateValues(m: Module): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [n, v] of m.namedState()) out.set(n, (await v.data()) as Float32Array);
  return out;
}

/** Asserts `promise` rejects with an error whose message matches every pattern. */
async function rejectsWith(promise: Promise<unknown>, ...patterns: (RegExp | string)[]) {
  await assert.rejects(promise, (e: unknown) => {
    const msg = (e as Error).message;
    for (const p of patterns) {
      if (typeof p === "string") assert.ok(msg.includes(p), `message lacks '${p}': ${msg}`);
      else assert.match(msg, p);
    }
    return true;
  });
}

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "state_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("saveState/loadState round trip: parameters and buffers identical, metadata kept", async () => {
  await withTempDir(async (dir) => {
    const a = model(1);
    // Move BatchNorm's running statistics away from their initial values.
    tf.tidy(() => a.forward(tf.tensor4d(new Rng(9).fillNormal(new Float32Array(3 * 4 * 4 * 2)), [3, 4, 4, 2])));
    const path = `${dir}/nested/dir/model.safetensors`;
    await saveState(a, path, { note: "hello", epochs: "3" });
    const b = model(2);
    const before = await stateValues(b), want = await stateValues(a);
    assert.notDeepEqual(before.get("0.weight"), want.get("0.weight"), "the two models must start different");
    const metadata = await loadState(b, path);
    assert.deepEqual(metadata, { note: "hello", epochs: "3" });
    const got = await stateValues(b);
    assert.deepEqual([...got.keys()], [
      "0.weight",
      "0.bias",
      "1.weight",
      "1.bias",
      "4.weight",
      "4.bias",
      "1.running_mean",
      "1.running_var",
    ]);
    for (const [n, v] of want) assert.deepEqual(got.get(n), v, `${n} differs after the round trip`);
    assert.ok(!got.get("1.running_mean")!.every((v) => v === 0), "running mean was saved, not re-initialised");
    // Buffers stay non-trainable, parameters trainable.
    assert.ok(b.namedParameters().every(([, v]) => v.trainable));
    assert.ok(b.namedBuffers().every(([, v]) => !v.trainable));
    a.dispose();
    b.dispose();
  });
});

Deno.test("loading into a different architecture names the missing, unexpected and mis-shaped tensors", async () => {
  await withTempDir(async (dir) => {
    const a = model(1);
    const path = `${dir}/a.safetensors`;
    await saveState(a, path);

    const rng = new Rng(3);
    const other = new Sequential(new Conv2d(2, 3, 3, rng, { padding: 1 }), new Flatten(), new Linear(48, 5, rng));
    await rejectsWith(
      loadState(other, path),
      path,
      "does not match this model",
      /missing \[2\.weight, 2\.bias\]/,
      /unexpected \[[^\]]*1\.weight[^\]]*4\.weight[^\]]*\]/,
      "different architecture",
    );
    const wider = model(1, 7);
    await rejectsWith(loadState(wider, path), path, "4.weight", /shape \[48,5\].*expects \[48,7\]/);
    // A failed load leaves the model's earlier tensors usable (no disposed variables).
    await wider.namedParameters()[0][1].data();
    for (const m of [a, other, wider]) m.dispose();
  });
});

Deno.test("damaged files: truncated data, truncated header, not JSON, too short, wrong dtype, missing file", async () => {
  await withTempDir(async (dir) => {
    const m = model(1);
    const path = `${dir}/m.safetensors`;
    await saveState(m, path);
    const bytes = await Deno.readFile(path);

    const cut = `${dir}/cut.safetensors`;
    await Deno.writeFile(cut, bytes.subarray(0, bytes.length - 10));
    await rejectsWith(loadState(m, cut), cut, "not a valid safetensors file", /truncated/, "delete it");

    const headerCut = `${dir}/header.safetensors`;
    await Deno.writeFile(headerCut, bytes.subarray(0, 40));
    await rejectsWith(loadState(m, headerCut), headerCut, "header runs past the end");

    const short = `${dir}/short.safetensors`;
    await Deno.writeFile(short, bytes.subarray(0, 5));
    await rejectsWith(loadState(m, short), short, "too short");

    const garbled = bytes.slice();
    garbled[8] = "!".charCodeAt(0); // the header's opening brace
    const notJson = `${dir}/garbled.safetensors`;
    await Deno.writeFile(notJson, garbled);
    await rejectsWith(loadState(m, notJson), notJson, "header is not JSON");

    const f16 = new TextDecoder().decode(bytes).replace('"dtype":"F32"', '"dtype":"F16"');
    const f16Path = `${dir}/f16.safetensors`;
    await Deno.writeFile(f16Path, new TextEncoder().encode(f16));
    await rejectsWith(loadState(m, f16Path), f16Path, "dtype F16");

    await assert.rejects(loadState(m, `${dir}/absent.safetensors`), Deno.errors.NotFound);
    m.dispose();
  });
});

Deno.test("safetensors layout: 8-byte LE header length, JSON header with F32/shape/data_offsets, contiguous LE data", () => {
  const a = new Float32Array([1, -2.5, 3.25, 1e-7, -0, 65504]);
  const b = new Float32Array([Math.PI]);
  const bytes = encodeSafetensors([["w", { shape: [2, 3], data: a }], ["b", { shape: [1], data: b }]], { k: "v" });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  assert.equal(n % 8, 0, "header padded so the data is 8-byte aligned");
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.match(headerText, /^\{.*\} *$/, "JSON padded with trailing spaces only");
  const header = JSON.parse(headerText);
  assert.deepEqual(header.__metadata__, { k: "v" });
  assert.deepEqual(header.w, { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header.b, { dtype: "F32", shape: [1], data_offsets: [24, 28] });
  assert.equal(bytes.length, 8 + n + 28);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(view.getFloat32(8 + n + 4 * i, true), a[i]), `w[${i}]`);
  assert.equal(view.getFloat32(8 + n + 24, true), b[0]);

  const decoded = decodeSafetensors(bytes);
  assert.deepEqual(decoded.metadata, { k: "v" });
  assert.deepEqual(decoded.tensors.get("w"), { shape: [2, 3], data: a });
  assert.deepEqual(decoded.tensors.get("b"), { shape: [1], data: b });
  // Decoding a view into a larger buffer (as Deno.readFile may hand back) works too.
  const padded = new Uint8Array(bytes.length + 3);
  padded.set(bytes, 3);
  assert.deepEqual(decodeSafetensors(padded.subarray(3)).tensors.get("w")!.data, a);
});

// -------------------------------------------------------------------------------- checkpoints

/** A tiny regression problem; `steps` Adam/SGD steps on fixed data. */
function regression(seed: number) {
  const rng = new Rng(seed);
  const net = new Sequential(new Linear(3, 4, rng), new ReLU(), new Linear(4, 2, rng));
  const data = new Rng("ckpt/data");
  const x = tf.tensor2d(data.fillNormal(new Float32Array(8 * 3)), [8, 3]);
  const y = tf.tensor2d(data.fillNormal(new Float32Array(8 * 2)), [8, 2]);
  const step = (opt: Optimizer) =>
    tf.tidy(() => {
      const params = net.parameters();
      const { grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(net.forward(x), y)) as tf.Scalar, params);
      opt.step(params.map((p) => grads[p.name]));
    });
  return { net, step, dispose: () => (net.dispose(), tf.dispose([x, y])) };
}

Deno.test("checkpoint of a lib/nn model and optimiser: a resumed Adam (and SGD momentum) run equals an uninterrupted one, bitwise", async () => {
  await withTempDir(async (dir) => {
    for (const kind of ["adam", "sgd"] as const) {
      const make = (ps: tf.Variable[]) => (kind === "adam" ? new Adam(ps, 0.05) : new SGD(ps, 0.05, { momentum: 0.9 }));
      const straight = regression(1);
      const optA = make(straight.net.parameters());
      for (let i = 0; i < 6; i++) straight.step(optA);

      const first = regression(1);
      const optB = make(first.net.parameters());
      for (let i = 0; i < 3; i++) first.step(optB);
      optB.lr = 0.05; // as a scheduler would set it
      const path = `${dir}/${kind}.safetensors`;
      const row = { epoch: 1, lr: 0.05, trainLoss: 1.5, trainAccuracy: 0.5, seconds: 1 };
      const meta = { history: [row], seconds: 2, steps: 3, generators: { order: new Rng(5).getState() } };
      await saveCheckpoint(path, await moduleState(first.net, optB), meta);
      optB.dispose();
      first.dispose();

      // A fresh process would build a model from another seed and a fresh optimiser, then resume.
      const resumed = regression(99);
      const optC = make(resumed.net.parameters());
      const saved = await loadCheckpoint(path);
      assert.ok(saved);
      restoreModuleState(resumed.net, optC, saved, path);
      assert.deepEqual(saved.meta, meta);
      assert.equal(optC.lr, 0.05);
      if (optC instanceof Adam) {
        assert.equal(optC.t, 3, "Adam's step count is restored (bias corrections depend on it)");
      }
      for (let i = 0; i < 3; i++) resumed.step(optC);

      const want = await stateValues(straight.net), got = await stateValues(resumed.net);
      for (const [n, v] of want) assert.deepEqual(got.get(n), v, `${kind}: ${n} differs from the uninterrupted run`);
      for (const [opt, run] of [[optA, straight], [optC, resumed]] as const) {
        opt.dispose();
        run.dispose();
      }
    }
  });
});

Deno.test("loadCheckpoint: null when absent; clear errors for a wrong optimiser or a truncated file", async () => {
  await withTempDir(async (dir) => {
    const run = regression(1);
    const adam = new Adam(run.net.parameters(), 0.01);
    assert.equal(await loadCheckpoint(`${dir}/none.safetensors`), null);
    const sgd = new SGD(run.net.parameters(), 0.01, { momentum: 0.9 });
    const path = `${dir}/sgd.safetensors`;
    const meta = { history: [], seconds: 0, steps: 0, generators: {} };
    await saveCheckpoint(path, await moduleState(run.net, sgd), meta);
    const saved = (await loadCheckpoint(path))!;
    assert.throws(() => restoreModuleState(run.net, adam, saved, path), (e: Error) => {
      assert.match(e.message, /optimizer state m missing/);
      assert.ok(e.message.includes(path) && e.message.includes("delete the checkpoint"), e.message);
      return true;
    });
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length - 4));
    await rejectsWith(loadCheckpoint(path), path, "not a valid safetensors file");
    await saveState(run.net, path); // model weights only, no training state
    await rejectsWith(loadCheckpoint(path), path, "not a training checkpoint");
    // The atomic write leaves no temporary files beside the checkpoint.
    await saveCheckpoint(path, await moduleState(run.net, sgd), meta);
    const names = [];
    for await (const e of Deno.readDir(dir)) names.push(e.name);
    assert.deepEqual(names, ["sgd.safetensors"]);
    adam.dispose();
    sgd.dispose();
    run.dispose();
  });
});
