// A complete experiment: an MLP on MNIST, trained with the shared loop, saved as JSON + SVG.
import {
  Adam,
  cli,
  commonFlags,
  countCorrect,
  crossEntropy,
  environment,
  evaluate,
  fit,
  flag,
  initBackend,
  learningCurves,
  Linear,
  loadMnist,
  makeResult,
  minibatches,
  ReLU,
  Rng,
  Sequential,
  tf,
  writeFileAtomic,
  writeResult,
} from "../lib/mod.ts";

const flags = cli(
  { ...commonFlags("first-experiment"), epochs: flag.int(3, "epochs") },
  "first_experiment",
  "MLP on MNIST",
);
const backend = await initBackend(flags.backend as "auto");
const { train, test } = await loadMnist();
const n = flags.quick ? 2000 : train.n, rng = new Rng(flags.seed);
const toTensors = (set: typeof train, count: number) => ({
  x: tf.tensor2d(Float32Array.from(set.pixels.subarray(0, count * 784), (p) => p / 255), [count, 784]),
  y: tf.tensor1d(Int32Array.from(set.labels.subarray(0, count)), "int32"),
});
const data = { train: toTensors(train, n), test: toTensors(test, flags.quick ? 1000 : test.n) };

const model = new Sequential(new Linear(784, 128, rng), new ReLU(), new Linear(128, 10, rng));
const objective = ({ set, rows }: { set: typeof data.train; rows: Int32Array }) => {
  const idx = tf.tensor1d(rows, "int32"), logits = model.forward(tf.gather(set.x, idx)), y = tf.gather(set.y, idx);
  return { loss: crossEntropy(logits, y), correct: countCorrect(logits, y) };
};
const batches = (set: typeof data.train, order: Int32Array) =>
  minibatches(order, 128).map((rows) => ({ data: { set, rows }, size: rows.length }));
const { history, seconds } = await fit({
  params: model.parameters(),
  objective,
  optimizer: new Adam(model.parameters(), 1e-3),
  epochs: flags.epochs,
  trainBatches: () => batches(data.train, rng.permutation(n)),
  testBatches: () => batches(data.test, Int32Array.from({ length: data.test.y.size }, (_, i) => i)),
});
const final = await evaluate(objective, batches(data.test, Int32Array.from({ length: data.test.y.size }, (_, i) => i)));

await writeResult(
  `${flags.out}/mlp.json`,
  makeResult({
    experiment: "first-experiment",
    run: "mlp",
    seconds,
    config: { ...flags },
    environment: environment(backend),
    history,
    final: { testLoss: final.loss, testAccuracy: final.accuracy },
    notes: [],
  }),
);
const rows = history.flatMap((h) => [
  { epoch: h.epoch!, value: h.trainLoss, series: "train" },
  { epoch: h.epoch!, value: h.testLoss!, series: "test" },
]);
await writeFileAtomic(`${flags.out}/loss.svg`, learningCurves(rows, { title: "MLP on MNIST", yLabel: "loss" }));
console.log(`test accuracy ${(100 * final.accuracy).toFixed(2)}% → ${flags.out}/mlp.json, loss.svg`);
