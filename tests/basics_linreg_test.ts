/**
 * Both styles recover the seed's line y = 0.5x + 1 from 100 seeded points: |w − 0.5| < 0.01 and
 * |b − 1| < 0.01 (30 epochs: the seed's 10 epochs of SGD at lr 0.01 stop short of that from a
 * random start, as its Keras cell's w = 0.508, b = 0.961 shows).
 */
import assert from "node:assert/strict";
import { initBackend } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { disposeExamples, lineExamples, TRUE_LINE } from "../scripts/basics/examples.ts";
import { runVariant, type VariantConfig } from "../scripts/basics/run_variant.ts";
import { STYLE_NAMES } from "../scripts/basics/models.ts";

const backend = await initBackend("wasm");

const CONFIG: Omit<VariantConfig, "style"> = {
  model: "linreg",
  trainSize: 100,
  validationSplit: 0.2,
  epochs: 30,
  batchSize: 5,
  lr: 0.01,
  lowInit: "seed",
  testSize: 0,
  linregNoise: 0,
  seed: 0,
  quick: false,
};

Deno.test("linear regression recovers w ≈ 0.5 and b ≈ 1 in both styles", async () => {
  const train = lineExamples(CONFIG.trainSize, 0, Rng.derive(0, "linreg", "data"));
  for (const style of STYLE_NAMES) {
    const result = await runVariant({ ...CONFIG, style }, { train, test: null }, backend, { silent: true });
    const { w, b } = result.final;
    assert.ok(Math.abs(w! - TRUE_LINE.w) < 0.01, `${style}: w = ${w}`);
    assert.ok(Math.abs(b! - TRUE_LINE.b) < 0.01, `${style}: b = ${b}`);
    assert.equal(result.history.length, CONFIG.epochs);
    assert.deepEqual(Object.keys(result.history[0]).sort(), ["epoch", "lr", "seconds", "trainLoss", "validationLoss"]);
    assert.ok(result.final.validationLoss! < 1e-4, `${style}: validationLoss ${result.final.validationLoss}`);
    assert.equal(result.final.trainAccuracy, undefined, "a regression has no accuracy");
  }
  disposeExamples(train);
});

Deno.test("the line's points follow the seed: x ~ N(0,1), y = 0.5x + 1, seeded", async () => {
  const a = lineExamples(100, 0, new Rng(3)), b = lineExamples(100, 0, new Rng(3));
  const [xa, ya, xb] = await Promise.all([a.x.data(), a.y.data(), b.x.data()]);
  assert.deepEqual(xa, xb);
  for (let i = 0; i < 100; i++) assert.ok(Math.abs(ya[i] - (0.5 * xa[i] + 1)) < 1e-6);
  const mean = Array.from(xa).reduce((s, v) => s + v, 0) / 100;
  assert.ok(Math.abs(mean) < 0.35, `mean of x ${mean}`);
  disposeExamples(a);
  disposeExamples(b);
});
