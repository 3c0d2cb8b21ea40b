/**
 * On wasm, Adam's update runs as one kernel (lib/tf/wasm_adam.ts); the op-by-op update on the cpu
 * backend is its definition. Same parameters, gradients and steps → bit-identical parameters and
 * moments, with and without weight decay, for tensors whose sizes are not multiples of 4.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Adam } from "../lib/train/adam.ts";
import { hasFlatAdam } from "../lib/tf/wasm_adam.ts";
import { Rng } from "../lib/random/rng.ts";

const SHAPES: number[][] = [[3, 5], [7], [2, 3, 3, 2], [1], [64, 33]];

async function train(backend: "cpu" | "wasm", weightDecay: number) {
  await initBackend(backend);
  assert.equal(hasFlatAdam(), backend === "wasm");
  const rng = new Rng(`fused-adam-${weightDecay}`);
  const values = (shape: number[]) =>
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal());
  const params = SHAPES.map((s) => tf.variable(tf.tensor(values(s), s)));
  const adam = new Adam(params, 0.01, { weightDecay, beta1: 0.8 });
  for (let step = 0; step < 4; step++) {
    const grads = SHAPES.map((s) => tf.tensor(values(s), s));
    adam.step(grads);
    tf.dispose(grads);
  }
  const out = {
    params: params.map((p) => Array.from(p.dataSync())),
    moments: adam.state().tensors.map(([, t]) => Array.from(t.dataSync())),
    t: adam.t,
  };
  adam.dispose();
  tf.dispose(params);
  return out;
}

Deno.test("fused wasm Adam equals the op-by-op update bit for bit (weight decay, odd sizes, 4 steps)", async () => {
  for (const wd of [0, 0.01]) {
    const reference = await train("cpu", wd), fused = await train("wasm", wd);
    assert.equal(fused.t, 4);
    assert.deepEqual(fused.moments, reference.moments, `moments, weight decay ${wd}`);
    assert.deepEqual(fused.params, reference.params, `parameters, weight decay ${wd}`);
  }
});

Deno.test("fused wasm Adam keeps the tensor count flat across steps", async () => {
  await initBackend("wasm");
  const p = [tf.variable(tf.ones([10, 3])), tf.variable(tf.zeros([5]))];
  const adam = new Adam(p, 0.1), g = [tf.ones([10, 3]), tf.ones([5])];
  adam.step(g);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) adam.step(g);
  assert.equal(tf.memory().numTensors, before);
  adam.dispose(), tf.dispose([...p, ...g]);
});
