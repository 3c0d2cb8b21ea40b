// The low-level style: an MLP on MNIST through the shared loop `fit` with an objective, saved as JSON + SVG.
import * as tsdl from "../lib/mod.ts";
import { Adam, crossEntropy, type DataBatch, Dataset, Linear, ReLU, Sequential } from "../lib/mod.ts";

const flags = tsdl.cli({ ...tsdl.commonFlags("first-experiment"), epochs: tsdl.flag.int(3, "epochs") }, "first", "MLP");
tsdl.setSeed(flags.seed);
const backend = await tsdl.initBackend(flags.backend);
const mnist = await tsdl.loadMnist(), order = new tsdl.Rng(flags.seed);
const train = Dataset.fromImages(mnist.train, { flatten: true, size: flags.quick ? 2000 : undefined });
const test = Dataset.fromImages(mnist.test, { flatten: true, size: flags.quick ? 1000 : undefined });

const model = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
console.log(tsdl.summarize(model.layers, [784]).text);
const objective = ({ x, y }: DataBatch) => {
  const logits = model.forward(x);
  return { loss: crossEntropy(logits, y), correct: tsdl.countCorrect(logits, y) };
};
const { history, seconds } = await tsdl.fit({
  params: model.parameters(),
  objective,
  optimizer: new Adam(model.parameters(), 1e-3),
  epochs: flags.epochs,
  trainBatches: () => train.batches(128, order),
  testBatches: () => test.batches(1000),
});
const final = await tsdl.evaluate(objective, test.batches(1000));

const run = { experiment: "first-experiment", run: "mlp", seconds, config: flags, history, notes: [] };
const environment = tsdl.environment(backend), results = { testLoss: final.loss, testAccuracy: final.accuracy };
await tsdl.writeResult(`${flags.out}/mlp.json`, tsdl.makeResult({ ...run, environment, final: results }));
const figure = tsdl.learningCurves(tsdl.historyCurves(history), {
  title: "MLP on MNIST",
  percentMetrics: ["accuracy"],
});
await tsdl.writeFileAtomic(`${flags.out}/curves.svg`, figure);
console.log(`test accuracy ${(100 * final.accuracy).toFixed(2)}% → ${flags.out}/mlp.json, curves.svg`);
