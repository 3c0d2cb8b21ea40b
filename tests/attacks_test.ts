/**
 * The attacks (lib/attacks): feasibility (ε-ball and valid range in network-input units), the FGSM
 * closed form on a logistic model, PGD ≥ FGSM ≥ clean loss on a trained model, detachment from an
 * enclosing tape, seeded determinism, no tensor leaks, and the forward-convolution gradients the
 * experiment's LeNet uses.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Conv2d, Flatten, Linear, ReLU, Sequential } from "../lib/nn/mod.ts";
import type { Classifier } from "../lib/attacks/classifier.ts";
import { fgsm, fgsmRandomStart } from "../lib/attacks/fgsm.ts";
import { pgd } from "../lib/attacks/pgd.ts";
import { gaussianNoise } from "../lib/attacks/gaussian_noise.ts";
import { detached } from "../lib/attacks/detached.ts";
import { linfThreat, SYMMETRIC_PIXELS, UNIT_PIXELS, validInputRange } from "../lib/attacks/threat_model.ts";
import { perceptualAdversary, perceptualDistance } from "../scripts/adversarial/robust/perceptual.ts";
import { LeNet } from "../scripts/adversarial/lenet.ts";
import { ImageTensors } from "../scripts/adversarial/image_tensors.ts";
import { METHODS } from "../scripts/adversarial/methods.ts";
import { trainMethod } from "../scripts/adversarial/train_method.ts";
import type { ExperimentConfig } from "../scripts/adversarial/config.ts";
import { countCorrect, crossEntropy } from "../lib/train/losses.ts";
import { Adam } from "../lib/train/adam.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { assertScaledClose } from "./_helpers/numeric.ts";

await initBackend("wasm");

const TOL = 1e-5;

function tinyConvNet(rng: Rng): Sequential {
  return new Sequential(new Conv2d(1, 3, 3, rng), new ReLU(), new Flatten(), new Linear(3 * 6 * 6, 4, rng));
}

/** Images with pixels at both ends of the range, where projection to the valid range bites. */
function imagesInRange(n: number, side: number, range: { min: number; max: number }, rng: Rng): tf.Tensor4D {
  const values = new Float32Array(n * side * side).map(() => {
    const u = rng.next();
    return u < 0.3 ? range.min : u > 0.7 ? range.max : rng.uniform(range.min, range.max);
  });
  return tf.tensor4d(values, [n, side, side, 1]);
}

function assertFeasible(
  adversarial: tf.Tensor,
  clean: tf.Tensor,
  epsilon: number,
  range: { min: number; max: number },
  what: string,
) {
  const a = adversarial.dataSync(), x = clean.dataSync();
  let maxDelta = 0;
  for (let i = 0; i < a.length; i++) {
    maxDelta = Math.max(maxDelta, Math.abs(a[i] - x[i]));
    assert.ok(
      a[i] >= range.min - TOL && a[i] <= range.max + TOL,
      `${what}: value ${a[i]} outside [${range.min}, ${range.max}]`,
    );
  }
  assert.ok(maxDelta <= epsilon + TOL, `${what}: |δ|∞ = ${maxDelta} > ε = ${epsilon}`);
  assert.ok(maxDelta >= 0.5 * epsilon, `${what}: the attack barely moved (|δ|∞ = ${maxDelta}, ε = ${epsilon})`);
}

Deno.test("ε in pixel units maps to the normalised input scale and its valid range", () => {
  assert.deepEqual(linfThreat(0.3, SYMMETRIC_PIXELS), { epsilon: 0.6, range: { min: -1, max: 1 } });
  assert.deepEqual(linfThreat(0.3, UNIT_PIXELS), { epsilon: 0.3, range: { min: 0, max: 1 } });
  const mnistStats = { mean: 0.1307, std: 0.3081 };
  const range = validInputRange(mnistStats);
  assert.ok(Math.abs(range.min + 0.1307 / 0.3081) < 1e-12 && Math.abs(range.max - 0.8693 / 0.3081) < 1e-12);
  assert.throws(() => linfThreat(-0.1, UNIT_PIXELS), /ε must be ≥ 0/);
});

Deno.test("FGSM, FGSM-RS, PGD and Gaussian noise stay in the ε-ball and the valid range", () => {
  for (const norm of [SYMMETRIC_PIXELS, UNIT_PIXELS]) {
    const rng = new Rng(3);
    const net = tinyConvNet(rng);
    const model: Classifier = (x) => net.forward(x);
    const threat = linfThreat(0.2, norm);
    tf.tidy(() => {
      const x = imagesInRange(6, 8, threat.range, rng);
      const y = tf.tensor1d([0, 1, 2, 3, 0, 1], "int32");
      const label = `std ${norm.std}`;
      assertFeasible(fgsm(model, x, y, threat), x, threat.epsilon, threat.range, `FGSM ${label}`);
      assertFeasible(
        fgsmRandomStart(model, x, y, threat, 1.25 * threat.epsilon, rng),
        x,
        threat.epsilon,
        threat.range,
        `FGSM-RS ${label}`,
      );
      const adversarial = pgd(model, x, y, threat, { steps: 7, stepSize: threat.epsilon / 3, randomStart: rng });
      assertFeasible(adversarial, x, threat.epsilon, threat.range, `PGD ${label}`);
      const noisy = gaussianNoise(x, threat.epsilon, threat.range, rng).dataSync();
      assert.ok(noisy.every((v) => v >= threat.range.min && v <= threat.range.max), "Gaussian noise leaves the range");
    });
    net.dispose();
  }
});

Deno.test("FGSM on a logistic model equals the closed form clip(x + ε·(1 − 2y)·sign(w))", () => {
  // Two-class logistic regression with logits [0, w·x + b]: ∂CE/∂x = (σ(z) − y)·w, whose sign is
  // sign(w) for y = 0 and −sign(w) for y = 1 (σ ∈ (0, 1)).
  const rng = new Rng(5);
  const d = 16, n = 5;
  const w = Float32Array.from({ length: d }, (_, i) => (i % 4 === 0 ? 0.7 : -0.3) * (1 + rng.next()));
  const threat = linfThreat(0.1, SYMMETRIC_PIXELS);
  tf.tidy(() => {
    const weights = tf.tensor2d(w, [d, 1]);
    const model: Classifier = (x) => {
      const z = tf.add(tf.matMul(tf.reshape(x, [x.shape[0], d]), weights), 0.2);
      return tf.concat([tf.zerosLike(z), z], 1);
    };
    const xs = imagesInRange(n, 4, threat.range, rng);
    const labels = [0, 1, 1, 0, 1];
    const adversarial = fgsm(model, xs, tf.tensor1d(labels, "int32"), threat).dataSync();
    const x = xs.dataSync();
    const expected = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const moved = x[i * d + j] + threat.epsilon * (1 - 2 * labels[i]) * Math.sign(w[j]);
        expected[i * d + j] = Math.min(Math.max(moved, threat.range.min), threat.range.max);
      }
    }
    assertScaledClose(adversarial, expected, 1e-6, "FGSM closed form");
  });
});

Deno.test("the attack is a constant for an enclosing gradient (detached from the tape)", () => {
  const rng = new Rng(7);
  const net = tinyConvNet(rng);
  const model: Classifier = (x) => net.forward(x);
  const threat = linfThreat(0.3, SYMMETRIC_PIXELS);
  tf.tidy(() => {
    const x = imagesInRange(4, 8, threat.range, rng);
    const y = tf.tensor1d([0, 1, 2, 3], "int32");
    let adversarial: tf.Tensor | null = null;
    const tape = () => (tf.engine().state as unknown as { activeTape: unknown[] }).activeTape.length;
    let recordedByAttack = -1;
    const throughAttack = tf.variableGrads(() => {
      const before = tape();
      adversarial = tf.keep(pgd(model, x, y, threat, { steps: 3, stepSize: 0.2, randomStart: new Rng(1) }));
      recordedByAttack = tape() - before;
      return crossEntropy(model(adversarial), y);
    }, net.parameters());
    assert.equal(recordedByAttack, 0, "the attack's operations were recorded on the training tape");
    const atConstant = tf.variableGrads(() => crossEntropy(model(adversarial!.clone()), y), net.parameters());
    for (const p of net.parameters()) {
      assertScaledClose(throughAttack.grads[p.name].dataSync(), atConstant.grads[p.name].dataSync(), 1e-6, p.name);
    }
    // And the engine's tape is back in the state the enclosing gradient left it.
    assert.equal((tf.engine().state as unknown as { gradientDepth: number }).gradientDepth, 0);
  });
  assert.equal(detached(() => 3), 3);
  net.dispose();
});

Deno.test("attacks are deterministic given the seed and leak no tensors", () => {
  const net = tinyConvNet(new Rng(11));
  const model: Classifier = (x) => net.forward(x);
  const threat = linfThreat(0.25, UNIT_PIXELS);
  const x = imagesInRange(3, 8, threat.range, new Rng(12));
  const y = tf.tensor1d([1, 2, 3], "int32");
  const run = (seed: number) => {
    const out = pgd(model, x, y, threat, { steps: 4, stepSize: 0.1, randomStart: new Rng(seed) });
    const values = out.dataSync().slice();
    out.dispose();
    return values;
  };
  const before = tf.memory().numTensors;
  const a = run(1), b = run(1), c = run(2);
  assert.equal(tf.memory().numTensors, before, "PGD left tensors behind");
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  tf.dispose([x, y]);
  net.dispose();
});

Deno.test("on a quickly trained model, PGD loss ≥ FGSM loss ≥ clean loss on average", async () => {
  const mnist = await loadMnist();
  const n = 512, side = 28;
  const toInputs = (pixels: Uint8Array, count: number) =>
    tf.tensor4d(Float32Array.from(pixels.subarray(0, count * side * side), (p) => p / 255), [count, side, side, 1]);
  const x = toInputs(mnist.train.pixels, n),
    y = tf.tensor1d(Int32Array.from(mnist.train.labels.subarray(0, n)), "int32");
  const model = new LeNet({ height: side, width: side, channels: 1, classes: 10, widthFactor: 1 }, new Rng(1));
  const optimizer = new Adam(model.parameters(), 3e-3);
  for (let step = 0; step < 40; step++) {
    tf.tidy(() => {
      const rows = tf.tensor1d(Int32Array.from({ length: 64 }, (_, i) => (step * 64 + i) % n), "int32");
      const { grads } = tf.variableGrads(
        () => crossEntropy(model.forward(tf.gather(x, rows)), tf.gather(y, rows)),
        model.parameters(),
      );
      optimizer.step(model.parameters().map((p) => grads[p.name]));
    });
  }
  const classify: Classifier = (t) => model.forward(t);
  const threat = linfThreat(0.1, UNIT_PIXELS);
  const losses = tf.tidy(() => {
    const xt = toInputs(mnist.test.pixels, 200),
      yt = tf.tensor1d(Int32Array.from(mnist.test.labels.subarray(0, 200)), "int32");
    const clean = crossEntropy(classify(xt), yt);
    const oneStep = crossEntropy(classify(fgsm(classify, xt, yt, threat)), yt);
    const manySteps = crossEntropy(
      classify(pgd(classify, xt, yt, threat, { steps: 10, stepSize: 0.025, randomStart: new Rng(3) })),
      yt,
    );
    return [clean, oneStep, manySteps].map((t) => t.dataSync()[0]);
  });
  const [clean, fgsmLoss, pgdLoss] = losses;
  assert.ok(clean < 1, `the model did not train (clean loss ${clean})`);
  assert.ok(fgsmLoss > clean, `FGSM loss ${fgsmLoss} ≤ clean loss ${clean}`);
  assert.ok(pgdLoss >= fgsmLoss, `PGD loss ${pgdLoss} < FGSM loss ${fgsmLoss}`);
  tf.dispose([x, y]);
  optimizer.dispose();
  model.dispose();
});

Deno.test("the perceptual distance is a distance and its adversary stays feasible", () => {
  const rng = new Rng(13);
  const model = new LeNet({ height: 16, width: 16, channels: 1, classes: 3, widthFactor: 1 }, rng);
  const threat = linfThreat(0.3, SYMMETRIC_PIXELS);
  tf.tidy(() => {
    const extractor = (t: tf.Tensor) => model.features(t);
    const a = imagesInRange(2, 16, threat.range, rng), b = imagesInRange(2, 16, threat.range, rng);
    const self = perceptualDistance(extractor, a, a).dataSync();
    assert.ok(self.every((v) => v < 1e-5), `d(x, x) = ${self}`);
    assertScaledClose(
      perceptualDistance(extractor, a, b).dataSync(),
      perceptualDistance(extractor, b, a).dataSync(),
      1e-5,
      "symmetry",
    );
    const adversarial = perceptualAdversary((t) => model.forward(t), a, tf.tensor1d([0, 2], "int32"), {
      threat,
      steps: 3,
      stepSize: 0.2,
      extractor,
      lambda: 1,
      bound: 0.1,
      startNoise: 0.002,
      rng,
    });
    assertFeasible(adversarial, a, threat.epsilon, threat.range, "perceptual adversary");
  });
  model.dispose();
});

Deno.test("every method trains through the one loop, tensor count flat, test curve on the test set", async () => {
  const side = 16, n = 24, classes = 3;
  const rng = new Rng(29);
  const imageSet = (labelOf: (i: number) => number) => ({
    pixelsNHWC: Uint8Array.from({ length: n * side * side }, () => rng.int(256)),
    labels: Uint8Array.from({ length: n }, (_, i) => labelOf(i)),
    n,
    height: side,
    width: side,
    channels: 1,
  });
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const train = new ImageTensors(imageSet((i) => i % classes), rows, SYMMETRIC_PIXELS);
  // A test set unlike the training set (one class only), so a curve measured on the wrong set shows.
  const test = new ImageTensors(imageSet(() => 1), rows, SYMMETRIC_PIXELS);
  const config: ExperimentConfig = {
    dataset: "mnist",
    normalization: "symmetric",
    trainSize: n,
    testSize: n,
    imbalance: 1,
    widthFactor: 1,
    init: "scratch",
    epochs: 1,
    batchSize: 8,
    lr: 1e-3,
    seed: 0,
    backend: "wasm",
    trainEpsilon: 0.3,
    trainSteps: 2,
    trainStepSize: 0.3,
    rampEpochs: 1,
    fgsmStepFactor: 1.25,
    tradesBeta: 6,
    tradesStartNoise: 0.001,
    patLambda: 10,
    patBound: 0.25,
    patStartNoise: 0.001,
    guardMaxDrop: 0.2,
    evalEpsilons: [0, 0.3],
    evalSteps: 2,
    evalStepFactor: 2.5,
    evalRestarts: 1,
    evalBatchSize: 12,
  };
  const shape = { height: side, width: side, channels: 1, classes, widthFactor: 1 };
  const extractor = new LeNet(shape, new Rng(30));
  for (const method of METHODS) {
    const model = new LeNet(shape, new Rng(31));
    const ctx = {
      config,
      rng: new Rng(32),
      trainClassCounts: [8, 8, 8],
      extractor: (t: tf.Tensor) => extractor.features(t),
      stepsPerEpoch: 3,
    };
    const counts: number[] = [];
    const trained = await trainMethod(method, model, train, test, ctx);
    for (const row of trained.history) assert.ok(Number.isFinite(row.trainLoss), `${method}: loss ${row.trainLoss}`);
    if (!trained.stopped) {
      const onTest = tf.tidy(() => countCorrect(model.forward(test.imagesNHWC), test.labels).dataSync()[0] / n);
      assert.equal(
        trained.history.at(-1)!.testAccuracy,
        onTest,
        `${method}: the test curve is not measured on the test set`,
      );
    }
    const before = tf.memory().numTensors;
    const longer = { ...ctx, config: { ...config, epochs: 3 } };
    await trainMethod(method, model, train, test, longer, () => counts.push(tf.memory().numTensors));
    assert.equal(tf.memory().numTensors, before, `${method}: training left tensors behind`);
    assert.ok(counts.every((c) => c === counts[0]), `${method}: tensor count per epoch ${counts}`);
    model.dispose();
  }
  // A guard that sees a collapse after every epoch stops training after the first and keeps its weights.
  const model = new LeNet(shape, new Rng(31));
  const strict = {
    config: { ...config, epochs: 3, guardMaxDrop: -1 },
    rng: new Rng(32),
    trainClassCounts: [8, 8, 8],
    extractor: (t: tf.Tensor) => extractor.features(t),
    stepsPerEpoch: 3,
  };
  const guarded = await trainMethod("fgsm", model, train, test, strict);
  assert.match(guarded.stopped ?? "", /catastrophic overfitting: .* after epoch 1$/);
  assert.equal(guarded.history.length, 1, "training went on after the guard stopped it");
  assert.equal(guarded.keptEpoch, 1);
  model.dispose();
  extractor.dispose();
  train.dispose();
  test.dispose();
});
