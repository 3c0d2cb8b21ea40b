/**
 * The seed-000 pair sets on real MNIST (scripts/siamese_grid/pairs.ts), normalisation, and the batching and
 * splitting helpers (lib/data/batches.ts, scripts/siamese_grid/pair_tensors.ts).
 */
import assert from "node:assert/strict";
import { loadMnist } from "../lib/data/mnist.ts";
import { makePairs, normalizePairs, type PairSet } from "../scripts/siamese_grid/pairs.ts";
import { gatherRows, minibatches, shuffledBatches, trainValidationSplit } from "../lib/data/batches.ts";
import { PairTensors } from "../scripts/siamese_grid/pair_tensors.ts";
import { Rng } from "../lib/random/rng.ts";
import { initBackend, tf } from "../lib/tf.ts";

await initBackend("cpu");
const mnist = await loadMnist();
const N = 1000;

/** Asserts `lists` together hold each of 0..n-1 exactly once. */
function assertCoversOnce(lists: ArrayLike<number>[], n: number, label: string) {
  const seen = new Uint8Array(n);
  let total = 0;
  for (const l of lists) {
    for (let i = 0; i < l.length; i++) {
      const v = l[i];
      assert.ok(Number.isInteger(v) && v >= 0 && v < n, `${label}: index ${v} out of range`);
      assert.equal(seen[v], 0, `${label}: index ${v} appears twice`);
      seen[v] = 1;
      total++;
    }
  }
  assert.equal(total, n, `${label}: ${total} indices for ${n}`);
}

Deno.test("makePairs: shapes, targets, classes and pixels (2×2 means of the images the seed's permutation picks)", () => {
  const pairs = makePairs(mnist.train, N, new Rng("pairs/a"));
  assert.equal(pairs.n, N);
  assert.equal(pairs.size, 14);
  assert.equal(pairs.imagesNHWC.length, N * 14 * 14 * 2);
  assert.equal(pairs.target.length, N);
  assert.equal(pairs.classes.length, 2 * N);

  // The same draw, replayed: images order[2i] and order[2i+1] of the permutation.
  const order = new Rng("pairs/a").permutation(mnist.train.n);
  const used = new Set<number>();
  const { pixels, labels } = mnist.train;
  for (let i = 0; i < N; i++) {
    const a = order[2 * i], b = order[2 * i + 1];
    assert.ok(!used.has(a) && !used.has(b) && a !== b, `pair ${i}: images must be distinct`);
    used.add(a).add(b);
    assert.equal(pairs.classes[2 * i], labels[a]);
    assert.equal(pairs.classes[2 * i + 1], labels[b]);
    assert.equal(pairs.target[i], pairs.classes[2 * i] <= pairs.classes[2 * i + 1] ? 1 : 0, `pair ${i}: target`);
    if (i < 25) {
      for (const [ch, img] of [[0, a], [1, b]]) {
        for (let y = 0; y < 14; y++) {
          for (let x = 0; x < 14; x++) {
            const p = img * 784 + 2 * y * 28 + 2 * x;
            const mean = (pixels[p] + pixels[p + 1] + pixels[p + 28] + pixels[p + 29]) / 4;
            assert.equal(pairs.imagesNHWC[i * 392 + (y * 14 + x) * 2 + ch], mean, `pair ${i} ch ${ch} (${y},${x})`);
          }
        }
      }
    }
    // The two channels are different images.
    let differ = false;
    for (let j = 0; j < 196 && !differ; j++) {
      differ = pairs.imagesNHWC[i * 392 + 2 * j] !== pairs.imagesNHWC[i * 392 + 2 * j + 1];
    }
    assert.ok(differ, `pair ${i}: both channels hold the same pixels`);
  }
  // Pixel range 0–255 and both targets occur in sensible proportion (P(c1 ≤ c2) ≈ 0.55).
  assert.ok(pairs.imagesNHWC.every((v) => v >= 0 && v <= 255));
  const ones = pairs.target.reduce((s, t) => s + t, 0);
  assert.ok(ones > 0.45 * N && ones < 0.65 * N, `${ones} of ${N} targets are 1`);
  assert.throws(() => makePairs(mnist.test, 5001, new Rng(0)), /cannot draw 5001 pairs/);
});

Deno.test("makePairs: same seed → identical sets, different seed → different sets", () => {
  const a = makePairs(mnist.test, 300, new Rng(4)), b = makePairs(mnist.test, 300, new Rng(4));
  const c = makePairs(mnist.test, 300, new Rng(5));
  assert.deepEqual(a.imagesNHWC, b.imagesNHWC);
  assert.deepEqual(a.classes, b.classes);
  assert.deepEqual(a.target, b.target);
  assert.notDeepEqual(a.classes, c.classes);
  let samePairs = 0;
  for (let i = 0; i < 300; i++) {
    let same = true;
    for (let j = 0; j < 392 && same; j++) same = a.imagesNHWC[i * 392 + j] === c.imagesNHWC[i * 392 + j];
    if (same) samePairs++;
  }
  assert.ok(samePairs < 3, `${samePairs} of 300 pairs coincide across seeds`);
});

Deno.test("normalizePairs: train mean ≈ 0 and std ≈ 1; other sets use the train statistics", () => {
  const train = makePairs(mnist.train, N, new Rng("norm/train"));
  const test = makePairs(mnist.test, N, new Rng("norm/test"));
  const rawTest = test.imagesNHWC.slice();
  const stats = normalizePairs(train, test);
  const moments = (x: Float32Array) => {
    let s = 0;
    for (const v of x) s += v;
    const mean = s / x.length;
    let q = 0;
    for (const v of x) q += (v - mean) ** 2;
    return { mean, std: Math.sqrt(q / (x.length - 1)) };
  };
  const m = moments(train.imagesNHWC);
  assert.ok(Math.abs(m.mean) < 1e-4, `train mean ${m.mean}`);
  assert.ok(Math.abs(m.std - 1) < 1e-4, `train std ${m.std}`);
  // MNIST's mean pixel is about 33 of 255 and its std about 78 (pooled images slightly less).
  assert.ok(stats.mean > 25 && stats.mean < 40, `mean ${stats.mean}`);
  assert.ok(stats.std > 60 && stats.std < 90, `std ${stats.std}`);
  for (let i = 0; i < rawTest.length; i += 997) {
    assert.ok(Math.abs(test.imagesNHWC[i] - (rawTest[i] - stats.mean) / stats.std) < 1e-5, `test pixel ${i}`);
  }
  const t = moments(test.imagesNHWC);
  assert.ok(Math.abs(t.mean) < 0.1 && Math.abs(t.std - 1) < 0.1, "test set is close to standardised too");
});

Deno.test("minibatches, shuffledBatches and trainValidationSplit cover every index exactly once", () => {
  const order = new Rng(1).permutation(103);
  const batches = minibatches(order, 10);
  assert.equal(batches.length, 11);
  assert.deepEqual(batches.map((b) => b.length), [...Array(10).fill(10), 3]);
  assert.deepEqual(Array.from(batches.flatMap((b) => Array.from(b))), Array.from(order), "keeps the given order");
  assertCoversOnce(batches, 103, "minibatches");
  assert.deepEqual(minibatches([], 4), []);
  assert.deepEqual(minibatches([7], 4).map((b) => Array.from(b)), [[7]]);
  assert.throws(() => minibatches(order, 0), /batch size must be ≥ 1/);

  const s1 = shuffledBatches(50, 8, new Rng(2)), s2 = shuffledBatches(50, 8, new Rng(2));
  assertCoversOnce(s1, 50, "shuffledBatches");
  assert.deepEqual(s1, s2, "same seed, same batches");
  assert.notDeepEqual(s1, shuffledBatches(50, 8, new Rng(3)));
  const batch1 = shuffledBatches(20, 1, new Rng(4));
  assert.equal(batch1.length, 20);
  assertCoversOnce(batch1, 20, "batch size 1");

  for (const [n, fraction] of [[100, 0.2], [101, 0.1], [10, 0], [7, 0.5]] as const) {
    const plain = trainValidationSplit(n, fraction);
    assert.equal(plain.validation.length, Math.round(n * fraction));
    assertCoversOnce([plain.train, plain.validation], n, `split ${n}/${fraction}`);
    // Like Keras' validation_split: the last rows, before any shuffling.
    assert.deepEqual(
      Array.from(plain.validation),
      Array.from({ length: plain.validation.length }, (_, i) => n - plain.validation.length + i),
    );
    const shuffled = trainValidationSplit(n, fraction, new Rng(9));
    assertCoversOnce([shuffled.train, shuffled.validation], n, `shuffled split ${n}/${fraction}`);
    const trainSet = new Set(shuffled.train);
    assert.ok(Array.from(shuffled.validation).every((v) => !trainSet.has(v)), "disjoint");
  }
  assert.throws(() => trainValidationSplit(10, 1), /\[0, 1\)/);
  assert.throws(() => trainValidationSplit(10, -0.1), /\[0, 1\)/);
});

Deno.test("gatherRows and PairTensors.batch return the requested rows", async () => {
  const set: PairSet = makePairs(mnist.test, 12, new Rng("rows"));
  const rows = Int32Array.from([3, 0, 11, 3]);
  const gathered = gatherRows(set.imagesNHWC, 392, rows);
  assert.ok(gathered instanceof Float32Array);
  assert.deepEqual(gathered.subarray(392, 784), set.imagesNHWC.subarray(0, 392));
  assert.deepEqual(
    Array.from(gatherRows(set.classes, 2, rows)),
    [3, 0, 11, 3].flatMap((r) => [set.classes[2 * r], set.classes[2 * r + 1]]),
  );

  const before = tf.memory().numTensors;
  const tensors = new PairTensors(set);
  for (const r of [rows, Int32Array.from([5]), Int32Array.from({ length: 12 }, (_, i) => i)]) {
    const b = tf.tidy(() => {
      const { x, target, classes } = tensors.batch(r);
      return { x: tf.clone(x), target: tf.clone(target), classes: tf.clone(classes) };
    });
    assert.deepEqual(b.x.shape, [r.length, 14, 14, 2]);
    assert.deepEqual(await b.x.data(), gatherRows(set.imagesNHWC, 392, r));
    assert.deepEqual(Array.from(await b.target.data()), Array.from(gatherRows(set.target, 1, r)));
    assert.equal(b.classes.dtype, "int32");
    assert.deepEqual(Array.from(await b.classes.data()), Array.from(gatherRows(set.classes, 2, r)));
    tf.dispose([b.x, b.target, b.classes]);
  }
  tensors.dispose();
  assert.equal(tf.memory().numTensors, before, "PairTensors leaked tensors");
});
