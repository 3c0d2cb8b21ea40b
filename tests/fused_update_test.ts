/**
 * On wasm, the optimisers' updates run as one kernel each (lib/tf/wasm_flat_update.ts); the
 * op-by-op update on the cpu backend is their definition. Same parameters, gradients and steps →
 * bit-identical parameters and slots, for Adam, SGD (plain, momentum, weight decay), AdaGrad and
 * lib/scratch's AdaGrad, on tensors whose sizes are not multiples of 4, on one thread and shared out
 * among three.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Adam } from "../lib/train/adam.ts";
import { SGD } from "../lib/train/sgd.ts";
import { AdaGrad } from "../lib/train/adagrad.ts";
import type { Optimizer } from "../lib/train/optimizer.ts";
import { hasFlatUpdate } from "../lib/tf/wasm_flat_update.ts";
import { heapThreads, setWasmThreads, wasmThreads } from "../lib/tf/wasm_heap.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchAdaGrad } from "../lib/scratch/adagrad.ts";
import type { ScratchLayer } from "../lib/scratch/layer.ts";

const SHAPES: number[][] = [[3, 5], [7], [2, 3, 3, 2], [1], [64, 33]];

const OPTIMIZERS: Record<string, (params: tf.Variable[]) => Optimizer> = {
  "Adam": (p) => new Adam(p, 0.01, { beta1: 0.8 }),
  "Adam, weight decay": (p) => new Adam(p, 0.01, { weightDecay: 0.01, beta1: 0.8 }),
  "SGD": (p) => new SGD(p, 0.05),
  "SGD, weight decay": (p) => new SGD(p, 0.05, { weightDecay: 0.01 }),
  "SGD, momentum and weight decay": (p) => new SGD(p, 0.05, { momentum: 0.9, weightDecay: 0.01 }),
  "AdaGrad": (p) => new AdaGrad(p, 0.1),
  "AdaGrad, ε and s₀": (p) => new AdaGrad(p, 0.1, { eps: 1e-3, initialAccumulator: 0.5 }),
};

async function train(
  backend: "cpu" | "wasm",
  make: (params: tf.Variable[]) => Optimizer,
  name: string,
  shapes = SHAPES,
) {
  await initBackend(backend);
  assert.equal(hasFlatUpdate(), backend === "wasm");
  const rng = new Rng(`fused-update-${name}`);
  const values = (shape: number[]) =>
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const params = shapes.map((s) => tf.variable(tf.tensor(values(s), s)));
  const optimizer = make(params);
  for (let step = 0; step < 4; step++) {
    const grads = shapes.map((s) => tf.tensor(values(s), s));
    optimizer.step(grads);
    tf.dispose(grads);
  }
  const state = optimizer.state();
  const out = {
    params: params.map((p) => Array.from(p.dataSync())),
    slots: state.tensors.map(([, t]) => Array.from(t.dataSync())),
    scalars: state.scalars,
  };
  optimizer.dispose();
  tf.dispose(params);
  return out;
}

for (const [name, make] of Object.entries(OPTIMIZERS)) {
  Deno.test(`fused wasm ${name} equals the op-by-op update bit for bit (odd sizes, 4 steps)`, async () => {
    const reference = await train("cpu", make, name), fused = await train("wasm", make, name);
    assert.deepEqual(fused.scalars, reference.scalars);
    assert.deepEqual(fused.slots, reference.slots, "slots");
    assert.deepEqual(fused.params, reference.params, "parameters");
  });
}

Deno.test("fused wasm Adam shared out among 3 threads equals the op-by-op update bit for bit (cuts inside odd-sized tensors)", async () => {
  // 825,830 floats: each thread's share (≥ LEAST_SHARE_FLOATS) ends inside a tensor, at a multiple of 4 of its own elements
  const shapes = [[300001], [3], [513, 1025], [1]];
  const adam = OPTIMIZERS["Adam, weight decay"];
  const reference = await train("cpu", adam, "threads", shapes);
  await initBackend("wasm");
  await setWasmThreads(3);
  try {
    assert.equal(wasmThreads(), 3);
    const before = heapThreads()!.shared;
    const fused = await train("wasm", adam, "threads", shapes);
    assert.ok(heapThreads()!.shared >= before + 4, "every step's update ran on more than one thread");
    // where the first value differs (a diff of arrays this long would not fit in memory)
    const firstDifference = (x: number[][], y: number[][]) =>
      x.map((v, i) => [i, v.findIndex((e, j) => !Object.is(e, y[i][j]))]).find(([, j]) => j >= 0) ?? null;
    assert.deepEqual(firstDifference(fused.slots, reference.slots), null, "slots");
    assert.deepEqual(firstDifference(fused.params, reference.params), null, "parameters");
  } finally {
    await setWasmThreads(1);
  }
});

Deno.test("fused wasm updates keep the tensor count flat across steps", async () => {
  await initBackend("wasm");
  for (const make of Object.values(OPTIMIZERS)) {
    const p = [tf.variable(tf.ones([10, 3])), tf.variable(tf.zeros([5]))];
    const optimizer = make(p), g = [tf.ones([10, 3]), tf.ones([5])];
    optimizer.step(g);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) optimizer.step(g);
    assert.equal(tf.memory().numTensors, before);
    optimizer.dispose(), tf.dispose([...p, ...g]);
  }
});

/** lib/scratch's AdaGrad steps layers' own tensors: on wasm one kernel for all of them, each with its own sums. */
async function scratchAdaGrad(backend: "cpu" | "wasm", opts: { eps?: number; initialAccumulator?: number }) {
  await initBackend(backend);
  const rng = new Rng(`scratch-adagrad-${JSON.stringify(opts)}`);
  const values = (shape: number[]) => tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b))), shape);
  const layer = (name: string, shapes: number[][]): ScratchLayer & { shapes: number[][] } => ({
    name,
    shapes,
    params: shapes.map(values),
    grads: [],
    forward: (x) => x,
    backward: (d) => d,
  });
  // a layer without parameters between two with
  const layers = [layer("two tensors", [[3, 7], [5]]), layer("none", []), layer("one tensor", [[9, 4]])];
  assert.equal(hasFlatUpdate(), backend === "wasm");
  const optimizer = new ScratchAdaGrad(0.1, opts);
  optimizer.step([layers[1]]); // nothing to update: nothing happens
  for (let step = 0; step < 4; step++) {
    for (const l of layers) tf.dispose(l.grads), l.grads = l.shapes.map(values);
    optimizer.step(layers);
  }
  const out = layers.flatMap((l) => l.params.map((p) => Array.from(p.dataSync())));
  optimizer.dispose();
  tf.dispose(layers.flatMap((l) => [...l.params, ...l.grads]));
  return out;
}

Deno.test("fused wasm ScratchAdaGrad equals its op-by-op update bit for bit", async () => {
  for (const opts of [{}, { eps: 0, initialAccumulator: 1 }]) {
    assert.deepEqual(await scratchAdaGrad("wasm", opts), await scratchAdaGrad("cpu", opts), JSON.stringify(opts));
  }
});
