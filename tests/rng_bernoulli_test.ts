/** Rng.fillBernoulli is the same stream as next() one draw at a time (dropout masks rely on it). */
import assert from "node:assert/strict";
import { Rng } from "../lib/random/rng.ts";

Deno.test("fillBernoulli = n calls of next() ≥ p, and leaves the generator where those calls would", () => {
  for (const p of [0, 0.2, 0.5, 0.25, 0.999, 1e-9]) {
    const fast = new Rng(`bernoulli-${p}`), slow = new Rng(`bernoulli-${p}`);
    const out = new Float32Array(5000);
    fast.fillBernoulli(out, 4999, p, 1.25);
    for (let i = 0; i < 4999; i++) assert.equal(out[i], slow.next() >= p ? Math.fround(1.25) : 0, `p ${p} draw ${i}`);
    assert.equal(out[4999], 0, "writes only n entries");
    assert.equal(fast.next(), slow.next(), "state continues");
    assert.equal(fast.normal(), slow.normal());
  }
});

Deno.test("fillBernoulli keeps about 1 − p", () => {
  const out = new Float64Array(100000);
  new Rng(3).fillBernoulli(out, out.length, 0.2, 1);
  const kept = out.reduce((a, b) => a + b, 0) / out.length;
  assert.ok(Math.abs(kept - 0.8) < 0.01, `kept ${kept}`);
});
