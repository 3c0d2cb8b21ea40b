/**
 * TRADES (scripts/adversarial/robust/trades.ts) against a direct implementation on a tiny model: the loss
 * CE(f(x), y) + β·KL(f(x) ‖ f(x′)) and its parameter gradient (both f(x) and f(x′) carry
 * gradients), and the inner maximisation: feasible, increasing the KL, seeded.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Linear, Sequential, Tanh } from "../lib/nn/mod.ts";
import { linfThreat, UNIT_PIXELS } from "../lib/attacks/threat_model.ts";
import { tradesAdversary, tradesLoss, type TradesOptions } from "../scripts/adversarial/robust/trades.ts";
import { klDivergence } from "../lib/train/losses.ts";
import { assertScaledClose } from "./_helpers/numeric.ts";

await initBackend("wasm");

const N = 4, D = 6, K = 3;

function tinyModel(seed: number): Sequential {
  const rng = new Rng(seed);
  return new Sequential(new Linear(D, 5, rng), new Tanh(), new Linear(5, K, rng));
}

/** softmax of one row, in float64. */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The TRADES loss written out from the paper in plain arithmetic. */
function directTradesLoss(clean: number[][], adversarial: number[][], labels: number[], beta: number): number {
  let ce = 0, kl = 0;
  for (let i = 0; i < clean.length; i++) {
    const p = softmax(clean[i]), q = softmax(adversarial[i]);
    ce -= Math.log(p[labels[i]]);
    for (let k = 0; k < p.length; k++) kl += p[k] * (Math.log(p[k]) - Math.log(q[k]));
  }
  return ce / clean.length + beta * kl / clean.length;
}

function rows(t: tf.Tensor): number[][] {
  return t.arraySync() as number[][];
}

Deno.test("TRADES loss equals CE(f(x), y) + β·KL(f(x) ‖ f(x′)) computed directly", () => {
  const model = tinyModel(1);
  const rng = new Rng(2);
  tf.tidy(() => {
    const x = tf.tensor2d(rng.fillUniform(new Float32Array(N * D), 0, 1), [N, D]);
    const xAdv = tf.add(x, tf.tensor2d(rng.fillUniform(new Float32Array(N * D), -0.3, 0.3), [N, D]));
    const labels = [0, 2, 1, 2];
    const batch = { imagesNHWC: x as unknown as tf.Tensor4D, labels: tf.tensor1d(labels, "int32") };
    for (const beta of [0, 1, 6]) {
      const { loss, correct } = tradesLoss((t) => model.forward(t), batch, xAdv, beta);
      const expected = directTradesLoss(rows(model.forward(x)), rows(model.forward(xAdv)), labels, beta);
      assert.ok(
        Math.abs(loss.dataSync()[0] - expected) < 1e-5 * Math.max(1, expected),
        `β=${beta}: ${loss.dataSync()[0]} vs ${expected}`,
      );
      const predicted = rows(model.forward(x)).map((r) => r.indexOf(Math.max(...r)));
      assert.equal(correct.dataSync()[0], predicted.filter((c, i) => c === labels[i]).length);
    }
  });
  model.dispose();
});

Deno.test("TRADES gradient flows through both f(x) and f(x′) and matches finite differences of the direct loss", () => {
  const model = tinyModel(3);
  const rng = new Rng(4);
  const beta = 6, h = 1e-2;
  tf.tidy(() => {
    const x = tf.tensor2d(rng.fillUniform(new Float32Array(N * D), 0, 1), [N, D]);
    const xAdv = tf.add(x, tf.tensor2d(rng.fillUniform(new Float32Array(N * D), -0.3, 0.3), [N, D]));
    const labels = [1, 0, 2, 1];
    const batch = { imagesNHWC: x as unknown as tf.Tensor4D, labels: tf.tensor1d(labels, "int32") };
    const { grads } = tf.variableGrads(
      () => tradesLoss((t) => model.forward(t), batch, xAdv, beta).loss,
      model.parameters(),
    );
    const direct = () => directTradesLoss(rows(model.forward(x)), rows(model.forward(xAdv)), labels, beta);
    for (const p of model.parameters()) {
      const values = p.dataSync().slice();
      const numeric = new Float32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const at = (v: number) => {
          const shifted = values.slice();
          shifted[i] = v;
          p.assign(tf.tensor(shifted, p.shape));
          return direct();
        };
        numeric[i] = (at(values[i] + h) - at(values[i] - h)) / (2 * h);
        p.assign(tf.tensor(values, p.shape));
      }
      assertScaledClose(grads[p.name].dataSync(), numeric, 2e-2, p.name);
    }
    // The KL's gradient through f(x) is not dropped: with x′ = x it vanishes, so the gradient
    // differs from that of the β-free loss only when x′ ≠ x.
    const ceOnly = tf.variableGrads(() =>
      tradesLoss((t) => model.forward(t), batch, xAdv, 0).loss, model.parameters()).grads;
    const someParam = model.parameters()[0].name;
    assert.notDeepEqual(ceOnly[someParam].dataSync(), grads[someParam].dataSync());
  });
  model.dispose();
});

Deno.test("the TRADES adversary maximises the KL inside the ε-ball, reproducibly", () => {
  const model = tinyModel(5);
  const threat = linfThreat(0.2, UNIT_PIXELS);
  const options = (seed: number): TradesOptions => ({
    threat,
    steps: 10,
    stepSize: 0.05,
    beta: 6,
    startNoise: 0.001,
    rng: new Rng(seed),
  });
  tf.tidy(() => {
    const x = tf.tensor2d(new Rng(6).fillUniform(new Float32Array(N * D), 0.1, 0.9), [N, D]);
    const classify = (t: tf.Tensor) => model.forward(t);
    const adversarial = tradesAdversary(classify, x, options(1));
    const delta = tf.sub(adversarial, x).dataSync();
    assert.ok(delta.every((d) => Math.abs(d) <= threat.epsilon + 1e-6), "outside the ε-ball");
    const kl = klDivergence(classify(x), classify(adversarial)).dataSync()[0];
    const start = tf.add(x, tf.tensor2d(new Rng(7).fillNormal(new Float32Array(N * D), 0, 0.001), [N, D]));
    const klStart = klDivergence(classify(x), classify(start)).dataSync()[0];
    assert.ok(kl > 100 * klStart && kl > 1e-4, `KL after the attack ${kl} vs at the start ${klStart}`);
    assert.deepEqual(tradesAdversary(classify, x, options(1)).dataSync(), adversarial.dataSync());
  });
  model.dispose();
});
