/** Per-step schedules: linear warm-up, cosine decay (SGDR's eq. 5 without restarts), and the two composed. */
import assert from "node:assert/strict";
import { cosineDecay, linearWarmup, warmupCosine } from "../lib/train/schedules.ts";
import { stepLR } from "../lib/train/step_lr.ts";

const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);

Deno.test("linearWarmup ramps lr·(s+1)/W, then holds lr", () => {
  const f = linearWarmup(0.4, 4);
  [0.1, 0.2, 0.3, 0.4, 0.4, 0.4].forEach((v, s) => close(f(s), v));
});

Deno.test("cosineDecay: lr at 0, the midpoint (lr+min)/2 at T/2, min at T and after", () => {
  const f = cosineDecay(1, 100, 0.1);
  close(f(0), 1);
  close(f(50), 0.55);
  close(f(25), 0.1 + 0.45 * (1 + Math.SQRT1_2));
  close(f(100), 0.1);
  close(f(150), 0.1);
});

Deno.test("warmupCosine: warm-up, then the full cosine over the remaining steps", () => {
  const f = warmupCosine(1, { steps: 110, warmupSteps: 10 });
  close(f(4), 0.5);
  close(f(9), 1);
  close(f(10), 1);
  close(f(60), 0.5);
  close(f(110), 0);
});

Deno.test("stepLR counted in steps is the per-step step decay", () => {
  const f = stepLR(1, 0.5, 100);
  assert.deepEqual([0, 99, 100, 250].map(f), [1, 1, 0.5, 0.25]);
});
