/**
 * The native engine's hand-written backward pass, checked two ways on every seed-000 trunk
 * (architectures 1–5, with and without weight sharing) and the MLP baseline:
 * against tfjs' autodiff of the same model and loss, and against central finite differences of
 * the native loss itself along random directions.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { buildModel } from "../scripts/siamese_grid/run.ts";
import { pairLoss } from "../scripts/siamese_grid/pair_objective.ts";
import { Engine } from "../lib/native/engine.ts";
import { NativePairModel } from "../scripts/siamese_grid/native_pair_model.ts";
import { lossWeights } from "../scripts/siamese_grid/native_run.ts";
import { makePairs, normalizePairs } from "../scripts/siamese_grid/pairs.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { PairTensors } from "../scripts/siamese_grid/pair_tensors.ts";
import { Rng } from "../lib/random/rng.ts";
import type { RunConfig, SiameseRunConfig } from "../scripts/siamese_grid/config.ts";
import { assertScaledClose } from "./_helpers/numeric.ts";
import { mlpRun, smallRun } from "./_helpers/small_run.ts";

await initBackend("cpu");
const mnist = await loadMnist();
const set = makePairs(mnist.train, 40, new Rng("native-grad"));
const tensors = new PairTensors(set);
const engine = await Engine.create();

// Dropout off: masks are checked by the training equivalence test; here the loss must be a function.
const base = smallRun({
  alpha: 0.3,
  epochs: 1,
  batchSize: 3,
  gamma: 1,
  dropout: 0,
  trainSize: 40,
  testSize: 40,
  seed: 0,
});
const cases: RunConfig[] = [
  ...[1, 2, 3, 4, 5].flatMap((architecture) => [
    { ...base, architecture: architecture as SiameseRunConfig["architecture"] },
    { ...base, architecture: architecture as SiameseRunConfig["architecture"], weightSharing: false },
  ]),
  { ...base, k: 5 },
  // 8 channels: a single-channel first layer's products along the channels (4: along the pixels)
  { ...base, channels: 8 },
  { ...base, architecture: 2, channels: 8, weightSharing: false },
  { ...base, aux: false, alpha: null },
  mlpRun(base, { hidden: 24 }),
];
const rows = Int32Array.from([3, 17, 9]);
const label = (c: RunConfig) => `${c.model} arch ${c.architecture} k${c.k} ws=${c.weightSharing} aux=${c.aux}`;

Deno.test("native gradients equal tfjs autodiff (all trunks, sharing or not, aux or not, MLP)", () => {
  for (const cfg of cases) {
    const { model } = buildModel(cfg);
    const native = new NativePairModel(engine, model, 14, rows.length);
    const params = model.parameters();
    const batch = tensors.batch(rows);
    const { value, grads } = tf.variableGrads(
      () => pairLoss(model.forward(batch.x), batch, { enabled: cfg.aux, alpha: cfg.alpha }).loss,
      params,
    );
    const stats = native.trainStep(set, rows, lossWeights(cfg));
    assert.ok(Math.abs(stats.loss - value.dataSync()[0]) <= 1e-5 * Math.abs(stats.loss), `${label(cfg)} loss`);
    for (const { variable, slot } of native.bindings) {
      const offset = (slot.ptr - native.params.ptr) / 4;
      const ours = native.grads.f.subarray(offset, offset + slot.length);
      assertScaledClose(ours, grads[variable.name].dataSync(), 1e-5, `${label(cfg)} ∂L/∂${variable.name}`);
    }
    assert.equal(native.bindings.length, params.length, "every parameter is bound");
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  }
});

Deno.test("native gradients agree with central finite differences of the native loss", () => {
  const normalized = makePairs(mnist.train, 40, new Rng("native-fd"));
  normalizePairs(normalized, makePairs(mnist.test, 8, new Rng("native-fd-test")));
  for (const cfg of [cases[8], cases[3], cases[12]]) {
    const { model } = buildModel(cfg);
    const native = new NativePairModel(engine, model, 14, rows.length);
    model.dispose();
    const w = lossWeights(cfg), p = native.params.f, n = p.length;
    native.trainStep(normalized, rows, w);
    const grad = Float32Array.from(native.grads.f);
    const gradNorm = Math.hypot(...grad);
    const dirRng = new Rng(`fd-${label(cfg)}`);
    // Unit directions: the gradient's own, then random ones. A step of 1e-3 is large enough for
    // float32 losses and small enough for curvature and the kinks of LeakyReLU and max pooling.
    const directions = [grad.map((g) => g / gradNorm)];
    for (let t = 0; t < 3; t++) {
      const d = Float32Array.from({ length: n }, () => dirRng.normal());
      const norm = Math.hypot(...d);
      directions.push(d.map((x) => x / norm));
    }
    const origin = Float32Array.from(p), eps = 1e-3;
    for (const [trial, d] of directions.entries()) {
      const at = (s: number) => {
        for (let i = 0; i < n; i++) p[i] = origin[i] + s * eps * d[i];
        return native.trainStep(normalized, rows, w).loss;
      };
      const fd = (at(1) - at(-1)) / (2 * eps);
      p.set(origin);
      let analytic = 0;
      for (let i = 0; i < n; i++) analytic += grad[i] * d[i];
      assert.ok(
        Math.abs(fd - analytic) <= 1e-2 * gradNorm,
        `${label(cfg)} direction ${trial}: finite difference ${fd} vs gradient ${analytic} (|g| ${gradNorm})`,
      );
    }
  }
});
