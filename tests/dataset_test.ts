/**
 * Dataset: pixels scaled into tensors once (images or flat rows, labels or one-hot), seeded and
 * Keras-style splits that are disjoint and cover the rows, shuffled batches that visit every row once
 * per epoch, host labels, and no tensors left behind.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Dataset } from "../lib/data/dataset.ts";
import { FASHION_MNIST_DIR, type ImageSet, loadFashionMnist } from "../lib/data/mnist.ts";
import { CLASS_NAMES } from "../lib/data/image_dataset.ts";

await initBackend("cpu");

/** n 2×2 grayscale images whose every pixel is the image's index, labels index mod 3. */
function tinySet(n: number): ImageSet {
  const pixels = Uint8Array.from({ length: n * 4 }, (_, i) => Math.floor(i / 4));
  return { pixels, labels: Uint8Array.from({ length: n }, (_, i) => i % 3), n, height: 2, width: 2 };
}

/** The image index each batch row holds (its first pixel, unscaled). */
async function rowIds(batches: { data: { x: tf.Tensor } }[], scale = 1): Promise<number[]> {
  const ids: number[] = [];
  for (const b of batches) {
    const v = await b.data.x.data();
    for (let i = 0; i < b.data.x.shape[0]; i++) ids.push(Math.round(v[i * 4] / scale));
  }
  return ids;
}

Deno.test("fromImages: NHWC in [0, 1] by default, flat rows, one-hot targets, size", async () => {
  const images = Dataset.fromImages(tinySet(6));
  const [batch] = images.batches(6);
  assert.deepEqual(batch.data.x.shape, [6, 2, 2, 1]);
  assert.equal(batch.data.y.dtype, "int32");
  assert.deepEqual(Array.from(await batch.data.y.data()), [0, 1, 2, 0, 1, 2]);
  assert.ok(Math.abs((await batch.data.x.data())[20] - 5 / 255) < 1e-7);
  assert.deepEqual(images.inputShape, [2, 2, 1]);
  assert.equal(images.classes, 3);
  images.dispose();

  const flat = Dataset.fromImages(tinySet(6), { flatten: true, oneHot: true, scale: 1, size: 4 });
  const [b] = flat.batches(10);
  assert.deepEqual(b.data.x.shape, [4, 4]);
  assert.deepEqual(await b.data.y.array(), [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]]);
  assert.deepEqual(Array.from(await flat.labels()), [0, 1, 2, 0]);
  flat.dispose();
});

Deno.test("split: Keras' last fraction without a seed; a seeded one is reproducible; both disjoint and complete", () => {
  const data = Dataset.fromImages(tinySet(10));
  const keras = data.split(0.3);
  assert.deepEqual(Array.from(keras.train.rows), [0, 1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(keras.validation.rows), [7, 8, 9]);
  const a = data.split(0.3, 7), b = data.split(0.3, 7), c = data.split(0.3, 8);
  assert.deepEqual(a.validation.rows, b.validation.rows);
  assert.notDeepEqual(a.validation.rows, c.validation.rows);
  assert.equal(a.validation.size, 3);
  const all = [...a.train.rows, ...a.validation.rows].sort((x, y) => x - y);
  assert.deepEqual(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(data.take(3).rows), [0, 1, 2]);
  assert.throws(() => data.split(1), /validation fraction must be in \[0, 1\)/);
  data.dispose();
});

Deno.test("batches: in order, or shuffled per call with every row once; views gather their own rows", async () => {
  const data = Dataset.fromImages(tinySet(10), { scale: 1 });
  assert.deepEqual(await rowIds(data.batches(4)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(data.batches(4).map((b) => b.size), [4, 4, 2]);
  assert.equal(data.batchCount(4), 3);
  const rng = new Rng(1);
  const first = await rowIds(data.batches(3, rng)), second = await rowIds(data.batches(3, rng));
  assert.deepEqual([...first].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.notDeepEqual(first, second);
  const { validation } = data.split(0.2, 3);
  assert.deepEqual(await rowIds(validation.batches(5)), Array.from(validation.rows));
  assert.deepEqual(Array.from(await validation.labels()), Array.from(validation.rows, (r) => r % 3));
  validation.dispose();
  data.dispose();
});

Deno.test("no tensors left: a call frees the previous call's batches, dispose frees the rest", () => {
  const before = tf.memory().numTensors;
  const data = Dataset.fromImages(tinySet(10));
  const { train } = data.split(0.2);
  train.batches(3);
  const afterOne = tf.memory().numTensors;
  train.batches(3, new Rng(0));
  assert.equal(tf.memory().numTensors, afterOne);
  train.dispose();
  data.dispose();
  assert.equal(tf.memory().numTensors, before);
});

Deno.test("fromTensors: the caller keeps its tensors; one-hot targets give labels", async () => {
  const x = tf.tensor2d([[1], [2], [3]]), y = tf.tensor2d([[0, 1], [1, 0], [0, 1]]);
  const data = Dataset.fromTensors(x, y);
  assert.equal(data.classes, 2);
  assert.deepEqual(Array.from(await data.labels()), [1, 0, 1]);
  data.batches(2);
  data.dispose();
  assert.ok(!x.isDisposed && !y.isDisposed);
  assert.throws(() => Dataset.fromTensors(x, tf.zeros([2])), /x has 3 rows but y has 2/);
  tf.dispose([x, y]);
});

const fashionPresent = await Deno.stat(FASHION_MNIST_DIR).then(() => true, () => false);

Deno.test({
  name: "fromImages on a real loader: Fashion-MNIST's 10 classes, labels in loader order",
  ignore: !fashionPresent,
  fn: async () => {
    const { test } = await loadFashionMnist();
    const data = Dataset.fromImages(test, { size: 100 });
    assert.equal(data.classes, CLASS_NAMES["fashion-mnist"].length);
    assert.deepEqual(Array.from(await data.labels()), Array.from(test.labels.subarray(0, 100)));
    assert.deepEqual(data.inputShape, [28, 28, 1]);
    data.dispose();
  },
});
