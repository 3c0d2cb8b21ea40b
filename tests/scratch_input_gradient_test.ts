/**
 * Training on data skips the first layer's input gradient (lib/scratch/sequential.ts): the
 * parameter gradients must be exactly those of the full backward pass, and the skipped input
 * gradient must really be skipped (an empty tensor), else the speed-up claim is hollow.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchConv2D } from "../lib/scratch/conv2d.ts";
import { ScratchReLU } from "../lib/scratch/relu.ts";
import { ScratchMaxPool2D } from "../lib/scratch/pool.ts";
import { ScratchFlatten } from "../lib/scratch/flatten.ts";
import { ScratchLinear } from "../lib/scratch/linear.ts";
import { ScratchSequential } from "../lib/scratch/sequential.ts";

await initBackend("cpu");

function net(): ScratchSequential {
  const rng = new Rng("scratch/input-gradient");
  return new ScratchSequential(
    new ScratchConv2D(1, 3, 3, rng, { padding: 1 }),
    new ScratchReLU(),
    new ScratchMaxPool2D(2),
    new ScratchFlatten(),
    new ScratchLinear(3 * 3 * 3, 4, rng),
  );
}

Deno.test("scratch backward without the input gradient: same parameter gradients, no dInput", async () => {
  const x = tf.tensor4d(new Rng("scratch/x").fillNormal(new Float32Array(2 * 6 * 6)), [2, 6, 6, 1]);
  const dOut = tf.tensor2d(new Rng("scratch/d").fillNormal(new Float32Array(2 * 4)), [2, 4]);
  const gradients = async (inputGradient: boolean) => {
    const model = net();
    model.forward(x, true);
    const dx = model.backward(dOut, inputGradient);
    const grads = await Promise.all(model.grads.map((g) => g.data()));
    return { dxShape: dx.shape, grads };
  };
  const full = await gradients(true), skipped = await gradients(false);
  assert.deepEqual(full.dxShape, [2, 6, 6, 1]);
  assert.deepEqual(skipped.dxShape, [0], "the first conv computed its input gradient anyway");
  assert.deepEqual(skipped.grads, full.grads);
});
