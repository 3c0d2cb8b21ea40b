/**
 * Class reweighting and long-tailed subsets (scripts/adversarial/robust/class_weights.ts, imbalance.ts, robal.ts):
 * weights from counts, equal total weight per class, the exponential long-tail profile, exact
 * subset counts, and the reweighted objective's loss against the weighted mean written out.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Linear } from "../lib/nn/mod.ts";
import { classCounts, inverseFrequencyWeights } from "../scripts/adversarial/robust/class_weights.ts";
import { longTailedCounts, subsetWithCounts } from "../scripts/adversarial/robust/imbalance.ts";
import { reweightedRobustObjective } from "../scripts/adversarial/robust/robal.ts";
import { linfThreat, UNIT_PIXELS } from "../lib/attacks/threat_model.ts";
import { pgd } from "../lib/attacks/pgd.ts";

await initBackend("wasm");

const close = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;

Deno.test("class counts and inverse-frequency weights", () => {
  assert.deepEqual(classCounts([0, 2, 2, 1, 2], 4), [1, 1, 3, 0]);
  assert.throws(() => classCounts([0, 5], 4), /outside 0..3/);
  const w = inverseFrequencyWeights([10, 30]);
  assert.ok(close(w[0], 1.5) && close(w[1], 0.5), `weights ${w}`);
  assert.deepEqual(inverseFrequencyWeights([7, 7, 7]), [1, 1, 1]);
  // Every class then carries the same total weight nᶜ·wᶜ, and absent classes get none.
  const counts = [500, 120, 37, 0, 9];
  const weights = inverseFrequencyWeights(counts);
  const totals = counts.map((n, c) => n * weights[c]).filter((_, c) => counts[c] > 0);
  assert.ok(totals.every((t) => close(t, totals[0], 1e-9)), `per-class totals ${totals}`);
  assert.equal(weights[3], 0);
  assert.ok(close(weights.reduce((a, b) => a + b, 0), 4), "weights sum to the number of classes present");
  assert.throws(() => inverseFrequencyWeights([0, 0]), /no class/);
});

Deno.test("long-tailed counts follow n_max·ρ^(−c/(K−1)) and subsets have exactly those counts", () => {
  const counts = longTailedCounts(100, 10, 10);
  assert.equal(counts[0], 100);
  assert.equal(counts[9], 10);
  assert.equal(counts[5], Math.round(100 * 10 ** (-5 / 9)));
  assert.ok(counts.every((n, c) => c === 0 || n <= counts[c - 1]), "not decreasing");
  assert.deepEqual(longTailedCounts(50, 1, 4), [50, 50, 50, 50]);
  assert.throws(() => longTailedCounts(10, 0.5, 3), /ratio must be ≥ 1/);

  const labels = Array.from({ length: 300 }, (_, i) => i % 3);
  const rows = subsetWithCounts(labels, [40, 20, 5], new Rng(1));
  assert.deepEqual(classCounts(Array.from(rows, (r) => labels[r]), 3), [40, 20, 5]);
  assert.equal(new Set(rows).size, rows.length, "rows repeat");
  assert.deepEqual(subsetWithCounts(labels, [40, 20, 5], new Rng(1)), rows, "not reproducible");
  assert.throws(() => subsetWithCounts(labels, [200, 1, 1], new Rng(1)), /class 0 has only 100/);
});

Deno.test("the reweighted robust objective is the class-weighted mean of adversarial cross-entropies", () => {
  const rng = new Rng(2);
  const model = new Linear(4, 3, rng);
  const counts = [6, 3, 1];
  const classify = (x: tf.Tensor) => model.forward(tf.reshape(x, [x.shape[0], 4]));
  const threat = linfThreat(0.1, UNIT_PIXELS);
  const reweighted = reweightedRobustObjective(classify, counts, { threat, steps: 2, stepSize: 0.05, rng: new Rng(3) });
  const weights = inverseFrequencyWeights(counts);
  assert.deepEqual(reweighted.classWeights, weights);
  tf.tidy(() => {
    const images = tf.tensor4d(rng.fillUniform(new Float32Array(5 * 4), 0.2, 0.8), [5, 2, 2, 1]);
    const labels = [0, 1, 2, 2, 0];
    const batch = { imagesNHWC: images, labels: tf.tensor1d(labels, "int32") };
    const { loss } = reweighted.objective(batch, true);
    // The same adversarial points (same seed, same draws), then Σᵢ w_yᵢ·CEᵢ / Σᵢ w_yᵢ by hand.
    const adversarial = pgd(classify, images, batch.labels, threat, {
      steps: 2,
      stepSize: 0.05,
      randomStart: new Rng(3),
    });
    const logits = classify(adversarial).arraySync() as number[][];
    let weighted = 0, totalWeight = 0, plain = 0;
    logits.forEach((row, i) => {
      const m = Math.max(...row);
      const ce = m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0)) - row[labels[i]];
      weighted += weights[labels[i]] * ce;
      totalWeight += weights[labels[i]];
      plain += ce / logits.length;
    });
    const expected = weighted / totalWeight;
    assert.ok(Math.abs(loss.dataSync()[0] - expected) < 1e-5, `loss ${loss.dataSync()[0]} vs ${expected}`);
    assert.ok(Math.abs(plain - expected) > 1e-3, "the weights make no difference here: the test cannot tell");
  });
  reweighted.dispose();
  model.dispose();
});
