/**
 * Layers without an `rng` draw from the default generator: `setSeed(n)` makes them equal to layers
 * built with `new Rng(n)`, the same seed twice gives the same weights, and layers given an explicit
 * generator are unaffected by it.
 */
import assert from "node:assert/strict";
import { initBackend } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { defaultRng, setSeed } from "../lib/random/default_rng.ts";
import { Conv2d, Dropout, Linear } from "../lib/nn/mod.ts";

await initBackend("cpu");

const weights = async (layer: Linear | Conv2d) => Array.from(await layer.weight.data());

Deno.test("setSeed(n): default-generator layers equal layers built with new Rng(n)", async () => {
  setSeed(5);
  const implicit = [new Linear(3, 2), new Conv2d(1, 2, 3)];
  const rng = new Rng(5);
  const explicit = [new Linear(3, 2, rng), new Conv2d(1, 2, 3, rng)];
  for (let i = 0; i < 2; i++) assert.deepEqual(await weights(implicit[i]), await weights(explicit[i]));
  setSeed(5);
  assert.deepEqual(await weights(new Linear(3, 2)), await weights(implicit[0]));
  setSeed(6);
  assert.notDeepEqual(await weights(new Linear(3, 2)), await weights(implicit[0]));
});

Deno.test("an explicit rng ignores the default generator; Dropout keeps the generator it was built with", async () => {
  setSeed(1);
  const a = await weights(new Linear(4, 4, new Rng(9)));
  setSeed(2);
  defaultRng().next();
  assert.deepEqual(await weights(new Linear(4, 4, new Rng(9))), a);
  const dropout = new Dropout(0.5);
  assert.equal(dropout.rng, defaultRng());
  setSeed(3);
  assert.notEqual(dropout.rng, defaultRng());
});
