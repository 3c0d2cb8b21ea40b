/**
 * The training loop (lib/train/loop.ts) on the wasm backend with a small seed-000 siamese network,
 * and the optimisers and schedule against their PyTorch formulas.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { loadMnist } from "../lib/data/mnist.ts";
import { makePairs, normalizePairs } from "../scripts/siamese_grid/pairs.ts";
import { PairTensors } from "../scripts/siamese_grid/pair_tensors.ts";
import { minibatches } from "../lib/data/batches.ts";
import { SiameseNet } from "../scripts/siamese_grid/siamese.ts";
import { pairObjective, type PairRows } from "../scripts/siamese_grid/pair_objective.ts";
import { autodiffStep, type Batch, evaluate, fit, type FitResult, type HistoryRow } from "../lib/train/loop.ts";
import { Adam } from "../lib/train/adam.ts";
import { SGD } from "../lib/train/sgd.ts";
import { AdaGrad } from "../lib/train/adagrad.ts";
import { stepLR } from "../lib/train/step_lr.ts";
import type { Optimizer } from "../lib/train/optimizer.ts";

await initBackend("wasm");
const mnist = await loadMnist();

interface RunOutput {
  result: FitResult;
  tensorsAfterEpoch: number[];
  weights: Float32Array[];
  epochEnds: number;
}

/** A SiameseNet (architecture 5, k 3, c 2, n 8) trained with Adam + StepLR on 40 pairs, batch 4. */
async function trainSmall(
  opts: { lr?: number; epochs?: number; inputScale?: number; seed?: number; checkpoint?: string } = {},
): Promise<RunOutput> {
  const lr = opts.lr ?? 1e-3, epochs = opts.epochs ?? 3;
  const baseline = tf.memory().numTensors;
  const trainSet = makePairs(mnist.train, 40, Rng.derive(0, "pairs", "train"));
  const testSet = makePairs(mnist.test, 20, Rng.derive(0, "pairs", "test"));
  normalizePairs(trainSet, testSet);
  if (opts.inputScale) {
    for (const s of [trainSet, testSet]) s.imagesNHWC.forEach((v, i, a) => (a[i] = v * opts.inputScale!));
  }
  const train = new PairTensors(trainSet), test = new PairTensors(testSet);
  const init = Rng.derive(opts.seed ?? 0, "init"); // draws the weights, then the dropout masks
  const model = new SiameseNet(
    { architecture: 5, k: 3, channels: 2, hidden: 8, weightSharing: true, dropout: 0.2 },
    init,
  );
  const order = Rng.derive(opts.seed ?? 0, "order");
  const params = model.parameters();
  const optimizer = new Adam(params, lr);
  const all = Int32Array.from({ length: test.n }, (_, i) => i);
  const tensorsAfterEpoch: number[] = [];
  let epochEnds = 0;
  const result = await fit<PairRows>({
    step: autodiffStep({
      params,
      objective: pairObjective(model, { enabled: true, alpha: 0.5 }),
      optimizer,
      setTraining: (on) => model.train(on),
      module: model,
    }),
    epochs,
    schedule: stepLR(lr, 0.9),
    ...(opts.checkpoint && { checkpoint: { path: opts.checkpoint, every: 1, generators: { init, order } } }),
    trainBatches: () =>
      minibatches(order.permutation(train.n), 4).map((rows) => ({ data: { set: train, rows }, size: rows.length })),
    testBatches: () => [{ data: { set: test, rows: all }, size: all.length }],
    silent: true,
    callbacks: [{
      onEpochEnd: () => {
        epochEnds++;
        tensorsAfterEpoch.push(tf.memory().numTensors);
      },
    }],
  });
  const weights: Float32Array[] = [];
  for (const p of params) weights.push((await p.data()) as Float32Array);
  optimizer.dispose();
  model.dispose();
  train.dispose();
  test.dispose();
  assert.equal(tf.memory().numTensors, baseline, "tensors left after disposing model, optimizer and data");
  return { result, tensorsAfterEpoch, weights, epochEnds };
}

const withoutSeconds = (h: HistoryRow[]) => h.map(({ seconds: _, ...rest }) => rest);

Deno.test("fit on wasm: finite history, tensor count flat across epochs, schedule applied", async () => {
  const run = await trainSmall();
  assert.equal(run.result.stopped, null);
  const h = run.result.history;
  assert.equal(h.length, 3);
  assert.deepEqual(h.map((r) => r.epoch), [1, 2, 3]);
  for (const r of h) {
    for (const k of ["trainLoss", "trainAccuracy", "testLoss", "testAccuracy", "seconds"] as const) {
      assert.ok(Number.isFinite(r[k]), `epoch ${r.epoch}: ${k} = ${r[k]}`);
    }
    assert.ok(r.trainAccuracy >= 0 && r.trainAccuracy <= 1 && r.testAccuracy! >= 0 && r.testAccuracy! <= 1);
    // Accuracy is a count over 40 (train) and 20 (test) pairs.
    assert.ok(Math.abs(r.trainAccuracy * 40 - Math.round(r.trainAccuracy * 40)) < 1e-6);
    assert.ok(Math.abs(r.testAccuracy! * 20 - Math.round(r.testAccuracy! * 20)) < 1e-6);
  }
  const sched = stepLR(1e-3, 0.9);
  h.forEach((r, i) => assert.ok(Math.abs(r.lr - sched(i)) < 1e-15, `epoch ${r.epoch} lr ${r.lr}`));
  assert.equal(run.epochEnds, 3);
  const [, e2, e3] = run.tensorsAfterEpoch;
  assert.equal(e3, e2, `tensor count grows across epochs: ${run.tensorsAfterEpoch.join(" → ")}`);
  assert.equal(
    run.tensorsAfterEpoch[0],
    e2,
    `tensor count after epoch 1 differs: ${run.tensorsAfterEpoch.join(" → ")}`,
  );
});

Deno.test("fit on wasm: two runs with the same seeds give bitwise identical histories and weights", async () => {
  const a = await trainSmall({ epochs: 2 }), b = await trainSmall({ epochs: 2 });
  assert.deepEqual(withoutSeconds(b.result.history), withoutSeconds(a.result.history));
  assert.equal(a.weights.length, b.weights.length);
  a.weights.forEach((w, i) => assert.deepEqual(b.weights[i], w, `parameter ${i} differs`));
});

Deno.test("fit: a run resumed from its checkpoint continues the uninterrupted one, bitwise (not a retraining)", async () => {
  const dir = await Deno.makeTempDir();
  const straight = await trainSmall({ epochs: 3 });
  await trainSmall({ epochs: 2, checkpoint: `${dir}/ckpt.safetensors` }); // checkpoint after epoch 1
  // Another seed: other weights, dropout masks and data order, so only the checkpoint can make it match.
  const other = await trainSmall({ epochs: 3, seed: 7 });
  assert.notDeepEqual(withoutSeconds(other.result.history), withoutSeconds(straight.result.history));
  const resumed = await trainSmall({ epochs: 3, seed: 7, checkpoint: `${dir}/ckpt.safetensors` });
  assert.equal(resumed.result.resumedEpochs, 1);
  assert.deepEqual(withoutSeconds(resumed.result.history), withoutSeconds(straight.result.history));
  straight.weights.forEach((w, i) => assert.deepEqual(resumed.weights[i], w, `parameter ${i} differs`));
});

Deno.test("fit with a custom TrainStep: host-number sums, step-counted rows, validation and test, NaN stop", async () => {
  // A fake step whose loss is the batch's first row number and which counts one correct per batch.
  let lr = 0;
  const step = {
    get lr() {
      return lr;
    },
    set lr(v: number) {
      lr = v;
    },
    train: (rows: number[]) => ({ loss: rows[0] === 99 ? NaN : rows[0], correct: 1 }),
    evaluate: (batches: Iterable<Batch<number[]>>) => {
      const all = [...batches];
      return Promise.resolve({ loss: all.length, accuracy: 0.5 });
    },
  };
  const batch = (r: number[]) => ({ data: r, size: r.length });
  const { history, stopped } = await fit<number[]>({
    step,
    epochs: 2,
    countSteps: true,
    schedule: (e) => 0.1 / (e + 1),
    trainBatches: (e) => e === 0 ? [batch([1, 0]), batch([3, 0, 0, 0])] : [batch([2, 0])],
    validationBatches: () => [batch([0])],
    testBatches: () => [batch([0]), batch([0])],
    silent: true,
  });
  assert.equal(stopped, null);
  assert.deepEqual(history.map(({ seconds: _, ...r }) => r), [
    // (1·2 + 3·4) / 6 samples; 2 correct of 6
    {
      step: 2,
      lr: 0.1,
      trainLoss: 14 / 6,
      trainAccuracy: 2 / 6,
      validationLoss: 1,
      validationAccuracy: 0.5,
      testLoss: 2,
      testAccuracy: 0.5,
    },
    {
      step: 3,
      lr: 0.05,
      trainLoss: 2,
      trainAccuracy: 0.5,
      validationLoss: 1,
      validationAccuracy: 0.5,
      testLoss: 2,
      testAccuracy: 0.5,
    },
  ]);
  const nan = await fit<number[]>({
    step,
    epochs: 3,
    trainBatches: () => [batch([99])],
    nanHint: "or check the data",
    silent: true,
  });
  assert.equal(nan.history.length, 1);
  assert.equal(nan.stopped, "training loss became NaN in epoch 1: lower the learning rate or check the data");
});

Deno.test("fit: a divergent run (lr 1e6, or infinite inputs) stops with a message instead of throwing", async () => {
  for (const [label, opts] of [["lr 1e6", { lr: 1e6 }], ["inputs ×∞", { inputScale: Infinity }]] as const) {
    const run = await trainSmall({ ...opts, epochs: 3 });
    const { stopped, history } = run.result;
    assert.ok(stopped !== null, `${label}: fit did not report the divergence; history ${JSON.stringify(history)}`);
    const last = history[history.length - 1];
    assert.ok(!Number.isFinite(last.trainLoss), `${label}: last loss ${last.trainLoss}`);
    assert.match(stopped, new RegExp(`epoch ${last.epoch}\\b`), `${label}: message names the epoch: ${stopped}`);
    assert.match(stopped, /lower the learning rate/, `${label}: message says what to do: ${stopped}`);
    assert.ok(history.length < 3 || last.epoch === 3);
  }
});

Deno.test("evaluate: mean loss weighted by batch size, accuracy over samples", async () => {
  const batches = [
    { data: { loss: 1, correct: 2 }, size: 2 },
    { data: { loss: 4, correct: 1 }, size: 6 },
  ];
  const before = tf.memory().numTensors;
  const r = await evaluate(
    (b: { loss: number; correct: number }) => ({ loss: tf.scalar(b.loss), correct: tf.scalar(b.correct) }),
    batches,
  );
  assert.ok(Math.abs(r.loss - (1 * 2 + 4 * 6) / 8) < 1e-6);
  assert.ok(Math.abs(r.accuracy - 3 / 8) < 1e-6);
  assert.equal(tf.memory().numTensors, before);
});

// --------------------------------------------------------------------------- optimisers

/** Applies `grads` (one per step) to a scalar parameter p0 and returns p after each step. */
async function steps(make: (p: tf.Variable[]) => Optimizer, p0: number, grads: number[]): Promise<number[]> {
  const p = tf.variable(tf.scalar(p0));
  const opt = make([p]);
  const out: number[] = [];
  for (const g of grads) {
    const gt = tf.scalar(g);
    opt.step([gt]);
    gt.dispose();
    out.push((await p.data())[0]);
  }
  opt.dispose();
  p.dispose();
  return out;
}

/** float32 holds ~7 significant digits; the updates are a few float32 ops. */
function assertNear(actual: number[], expected: number[], label: string) {
  actual.forEach((a, i) => {
    const e = expected[i];
    assert.ok(Math.abs(a - e) <= 1e-6 * Math.max(1, Math.abs(e)), `${label} step ${i + 1}: ${a} vs ${e}`);
  });
}

Deno.test("Adam matches PyTorch's formula (bias corrections, ε outside the square root, weight decay)", async () => {
  const lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  for (const wd of [0, 0.05]) {
    const grads = [0.5, -2, 0.25];
    let p = 1.5, m = 0, v = 0;
    const expected: number[] = [];
    grads.forEach((g0, i) => {
      const t = i + 1, g = g0 + wd * p;
      m = b1 * m + (1 - b1) * g;
      v = b2 * v + (1 - b2) * g * g;
      const mHat = m / (1 - b1 ** t), vHat = v / (1 - b2 ** t);
      p -= lr * mHat / (Math.sqrt(vHat) + eps);
      expected.push(p);
    });
    // The first step moves by lr·sign(g) regardless of |g|.
    if (wd === 0) assert.ok(Math.abs(expected[0] - (1.5 - lr)) < 1e-7);
    assertNear(await steps((ps) => new Adam(ps, lr, { weightDecay: wd }), 1.5, grads), expected, `Adam wd=${wd}`);
  }
  // State for checkpoints: the step count and both moments.
  const p = tf.variable(tf.scalar(0));
  const adam = new Adam([p], 0.01);
  adam.step([tf.scalar(1)]);
  const state = adam.state();
  assert.deepEqual(state.scalars, { t: 1 });
  assert.deepEqual(state.tensors.map(([n]) => n), ["m", "v"]);
  assert.ok(Math.abs((await state.tensors[0][1].data())[0] - 0.1) < 1e-7);
  assert.ok(Math.abs((await state.tensors[1][1].data())[0] - 0.001) < 1e-9);
  adam.dispose();
  p.dispose();
});

Deno.test("SGD (plain, momentum, weight decay) matches torch.optim.SGD", async () => {
  const grads = [0.5, -1, 2];
  for (const [mu, wd] of [[0, 0], [0.9, 0], [0.9, 0.1], [0, 0.1]]) {
    let p = 2, buf = 0;
    const expected = grads.map((g0, i) => {
      const g = g0 + wd * p;
      buf = mu > 0 ? (i === 0 ? g : mu * buf + g) : g;
      p -= 0.1 * buf;
      return p;
    });
    assertNear(
      await steps((ps) => new SGD(ps, 0.1, { momentum: mu, weightDecay: wd }), 2, grads),
      expected,
      `SGD μ=${mu} λ=${wd}`,
    );
  }
  // Two steps by hand: p = 2 − 0.1·0.5 = 1.95, buf = 0.9·0.5 − 1 = −0.55, p = 1.95 + 0.055 = 2.005.
  assertNear(await steps((ps) => new SGD(ps, 0.1, { momentum: 0.9 }), 2, [0.5, -1]), [1.95, 2.005], "SGD by hand");
});

Deno.test("AdaGrad matches torch.optim.Adagrad (accumulated squares, initial accumulator)", async () => {
  const grads = [0.5, -1, 2];
  for (const init of [0, 0.1]) {
    let p = 1, s = init;
    const expected = grads.map((g) => {
      s += g * g;
      p -= 0.1 * g / (Math.sqrt(s) + 1e-10);
      return p;
    });
    assertNear(
      await steps((ps) => new AdaGrad(ps, 0.1, { initialAccumulator: init }), 1, grads),
      expected,
      `AdaGrad s0=${init}`,
    );
  }
  // By hand: step 1 moves by lr·sign(g) = 0.1; step 2: s = 0.25 + 1 → p = 0.9 + 0.1/√1.25.
  assertNear(
    await steps((ps) => new AdaGrad(ps, 0.1), 1, [0.5, -1]),
    [0.9, 0.9 + 0.1 / Math.sqrt(1.25)],
    "AdaGrad by hand",
  );
});

Deno.test("optimisers reject bad input; stepLR gives lr₀·γ^⌊epoch/step⌋", () => {
  const p = tf.variable(tf.scalar(1));
  assert.throws(() => new SGD([p], 0), /learning rate must be > 0/);
  assert.throws(() => new Adam([p], -1), /learning rate must be > 0/);
  const sgd = new SGD([p], 0.1);
  assert.throws(() => sgd.step([]), /1 parameters but got 0 gradients/);
  p.dispose();

  const s = stepLR(1e-3, 0.9);
  const expected = [1e-3, 9e-4, 8.1e-4, 7.29e-4];
  expected.forEach((e, i) => assert.ok(Math.abs(s(i) - e) < 1e-15, `epoch ${i}: ${s(i)}`));
  const every2 = stepLR(1, 0.5, 2);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map(every2), [1, 1, 0.5, 0.5, 0.25, 0.25]);
});
