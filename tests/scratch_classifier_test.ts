/**
 * The scratch classifier and optimiser: AdaGrad's update equals lib/train's, a whole scratch
 * network's gradients equal tfjs' tape through its lib/nn twin, training learns a toy task with a
 * flat tensor count and seeded determinism through lib/train's fit, and the scratch and autodiff twins
 * train identically.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { ScratchAdaGrad } from "../lib/scratch/adagrad.ts";
import { ScratchLinear } from "../lib/scratch/linear.ts";
import { type LabelledImages, ScratchClassifier } from "../lib/scratch/classifier.ts";
import { SoftmaxCrossEntropy } from "../lib/scratch/softmax_cross_entropy.ts";
import { gradientError } from "../lib/scratch/gradcheck.ts";
import { AdaGrad } from "../lib/train/adagrad.ts";
import { crossEntropy } from "../lib/train/losses.ts";
import { type Architecture, buildAutodiff, buildScratch } from "../scripts/cnn_scratch/architectures.ts";
import { trainTwins } from "../scripts/cnn_scratch/train_twins.ts";
import type { SeedSplits } from "../scripts/cnn_scratch/data.ts";

await initBackend("wasm");

/** A CNN with every scratch layer kind on 8×8 images. */
const TINY: Architecture = {
  name: "tiny",
  description: "test net",
  input: [8, 8, 1],
  layers: [
    { kind: "conv", filters: 3, kernel: 3, padding: 1 },
    { kind: "relu" },
    { kind: "maxpool", window: 2 },
    { kind: "conv", filters: 4, kernel: [2, 3], stride: 1 },
    { kind: "relu" },
    { kind: "avgpool", window: [1, 2] },
    { kind: "flatten" },
    { kind: "dense", units: 6 },
    { kind: "relu" },
    { kind: "dense", units: 2 },
  ],
};

/** Class 1: a bright bar in the top half; class 0: in the bottom half; plus noise. */
function toySet(n: number, rng: Rng): LabelledImages {
  const pixels = new Float32Array(n * 64), labels = new Int32Array(n);
  for (let s = 0; s < n; s++) {
    labels[s] = s % 2;
    const row = (labels[s] === 1 ? 0 : 4) + rng.int(4);
    for (let p = 0; p < 64; p++) pixels[s * 64 + p] = 0.2 * rng.next() + (Math.floor(p / 8) === row ? 1 : 0);
  }
  return { imagesNHWC: tf.tensor4d(pixels, [n, 8, 8, 1]), labels: tf.tensor1d(labels, "int32") };
}

function disposeSet(set: LabelledImages): void {
  tf.dispose([set.imagesNHWC, set.labels]);
}

Deno.test("scratch AdaGrad takes the same steps as lib/train's AdaGrad (torch's and the seed's settings)", async () => {
  for (const opts of [{ eps: 1e-10, initialAccumulator: 0 }, { eps: 0, initialAccumulator: 1 }]) {
    const rng = new Rng("adagrad");
    const layer = new ScratchLinear(3, 2, rng);
    const variables = layer.params.map((p) => tf.variable(p.clone()));
    const reference = new AdaGrad(variables, 0.1, opts);
    const optimizer = new ScratchAdaGrad(0.1, opts);
    for (let step = 0; step < 3; step++) {
      const grads = layer.params.map((p) => tf.tensor(rng.fillUniform(new Float32Array(p.size), -1, 1), p.shape));
      layer.grads = grads;
      optimizer.step([layer]);
      reference.step(grads);
      tf.dispose(grads);
    }
    for (let i = 0; i < 2; i++) {
      assert.ok(
        gradientError(await layer.params[i].data(), await variables[i].data()).worst < 1e-6,
        JSON.stringify(opts),
      );
    }
    optimizer.dispose();
    reference.dispose();
    tf.dispose([...variables, ...layer.params]);
  }
});

Deno.test("a whole scratch CNN's gradients equal tfjs' tape through its lib/nn twin", async () => {
  const net = buildScratch(TINY, new Rng("whole net"));
  const twin = buildAutodiff(TINY, new Rng("unused"), net);
  const data = toySet(5, new Rng("whole net data"));
  const sce = new SoftmaxCrossEntropy();
  const tensors = tf.tidy(() => {
    const loss = sce.forward(net.forward(data.imagesNHWC, true), data.labels);
    net.backward(sce.backward());
    const params = twin.parameters();
    const { value, grads } = tf.variableGrads(() => crossEntropy(twin.forward(data.imagesNHWC), data.labels), params);
    return [loss, ...net.grads, value, ...params.map((p) => grads[p.name])];
  });
  const values = await Promise.all(tensors.map((t) => t.data()));
  const half = values.length / 2;
  assert.ok(Math.abs(values[0][0] - values[half][0]) < 1e-6, `loss ${values[0][0]} vs ${values[half][0]}`);
  for (let i = 1; i < half; i++) {
    const e = gradientError(values[i], values[half + i]);
    assert.ok(e.worst < 1e-5, `parameter ${i - 1}: ${JSON.stringify(e)}`);
  }
  tf.dispose(tensors);
  net.dispose();
  twin.dispose();
  disposeSet(data);
});

Deno.test("fit learns the toy task with a flat tensor count; predict, predictProba and accuracy agree", async () => {
  const train = toySet(64, new Rng("toy train")), validation = toySet(32, new Rng("toy val"));
  const run = async (seed: number) => {
    const net = buildScratch(TINY, Rng.derive(seed, "init"));
    const optimizer = new ScratchAdaGrad(0.05);
    const classifier = new ScratchClassifier(net, optimizer, 16);
    const opts = { epochs: 1, batchSize: 8, rng: Rng.derive(seed, "shuffle"), validation, silent: true };
    const first = await classifier.fit(train, opts);
    const tensorsAfterOne = tf.memory().numTensors;
    const rest = await classifier.fit(train, { ...opts, epochs: 5 });
    assert.equal(tf.memory().numTensors, tensorsAfterOne, "tensor count flat across epochs");
    return { classifier, history: [...first.history, ...rest.history], net, optimizer };
  };
  const a = await run(1);
  const last = a.history.at(-1)!;
  assert.ok(last.trainLoss < a.history[0].trainLoss, JSON.stringify(a.history));
  assert.ok(last.validationAccuracy! >= 0.9, JSON.stringify(last));

  const proba = a.classifier.predictProba(validation.imagesNHWC);
  assert.deepEqual(proba.shape, [32, 2]);
  for (const s of tf.tidy(() => tf.sum(proba, 1)).dataSync()) assert.ok(Math.abs(s - 1) < 1e-5);
  const predicted = await a.classifier.predict(validation.imagesNHWC);
  const labels = await validation.labels.data();
  const agree = predicted.filter((p, i) => p === labels[i]).length / predicted.length;
  assert.equal(await a.classifier.accuracy(validation), agree);
  assert.equal(agree, last.validationAccuracy);
  proba.dispose();

  const b = await run(1);
  assert.deepEqual(
    b.history.map((r) => [r.trainLoss, r.validationLoss]),
    a.history.map((r) => [r.trainLoss, r.validationLoss]),
  );
  for (const r of [a, b]) {
    r.net.dispose();
    r.optimizer.dispose();
  }
  disposeSet(train);
  disposeSet(validation);
});

Deno.test("scratch and autodiff twins train to the same curves and predictions", async () => {
  const splits: SeedSplits = {
    train: toySet(48, new Rng("twin train")),
    validation: toySet(16, new Rng("twin val")),
    test: toySet(16, new Rng("twin test")),
    sizes: { train: 48, validation: 16, test: 16 },
  };
  const cfg = { epochs: 2, batchSize: 8, lr: 0.05, eps: 1e-10, initialAccumulator: 0, seed: 3 };
  const before = tf.memory().numTensors;
  const pair = await trainTwins(TINY, splits, cfg, () => Promise.resolve());
  assert.equal(tf.memory().numTensors, before, "trainTwins disposes what it made");
  pair.scratch.history.forEach((row, i) => {
    const twin = pair.autodiff.history[i];
    assert.ok(Math.abs(row.trainLoss - twin.trainLoss) < 1e-4, `epoch ${i + 1}: ${row.trainLoss} vs ${twin.trainLoss}`);
    assert.ok(Math.abs(row.validationLoss! - twin.validationLoss!) < 1e-4);
  });
  for (const row of [...pair.scratch.history, ...pair.autodiff.history]) {
    assert.equal(row.lr, cfg.lr);
    assert.equal(row.testLoss, undefined, "the validation split is scored as validation, not as a test set");
  }
  assert.equal(pair.testPredictionAgreement, 1);
  assert.equal(pair.scratch.final.parameters, pair.autodiff.final.parameters);
  for (const set of [splits.train, splits.validation, splits.test]) disposeSet(set);
});
