// A custom training step on the low-level fit: FGSM adversarial training of a small CNN on MNIST
// (Goodfellow, Shlens & Szegedy 2015, §6: train on x′ = clip(x + ε·sign ∇ₓ loss) instead of x).
import * as tsdl from "../lib/mod.ts";
import { Adam, Conv2d, crossEntropy, type DataBatch, Dataset, Flatten, Linear, MaxPool2d, ReLU } from "../lib/mod.ts";

const flags = tsdl.cli(
  {
    ...tsdl.commonFlags("fgsm-training"),
    epochs: tsdl.flag.int(3, "epochs"),
    epsilon: tsdl.flag.number(0.1, "L∞ radius in pixel units [0, 1]"),
  },
  "fgsm_training",
  "FGSM adversarial training through a custom TrainStep",
);
tsdl.setSeed(flags.seed);
const backend = await tsdl.initBackend(flags.backend);
const mnist = await tsdl.loadMnist(), order = new tsdl.Rng(flags.seed);
const train = Dataset.fromImages(mnist.train, { size: flags.quick ? 1000 : 10000 });
const test = Dataset.fromImages(mnist.test, { size: flags.quick ? 500 : 2000 });

const model = new tsdl.Sequential(
  new Conv2d(1, 16, 5),
  new ReLU(),
  new MaxPool2d(2),
  new Flatten(),
  new Linear(12 * 12 * 16, 10),
);
const classify = (x: tsdl.tf.Tensor) => model.forward(x);
const objective = ({ x, y }: DataBatch) => {
  const logits = classify(x);
  return { loss: crossEntropy(logits, y), correct: tsdl.countCorrect(logits, y) };
};
const threat = tsdl.linfThreat(flags.epsilon, tsdl.UNIT_PIXELS);
const attacked = ({ x, y }: DataBatch): DataBatch => ({ x: tsdl.fgsm(classify, x, y, threat), y });

// The step: an ordinary autodiff step, fed the FGSM version of every training batch.
const plain = tsdl.autodiffStep({ params: model.parameters(), objective, optimizer: new Adam(model.parameters()) });
const fgsmStep: tsdl.TrainStep<DataBatch> = {
  get lr() {
    return plain.lr;
  },
  set lr(value) {
    plain.lr = value;
  },
  train: (batch) => plain.train(attacked(batch)),
  evaluate: (batches) => plain.evaluate(batches),
};
const { history, seconds } = await tsdl.fit({
  step: fgsmStep,
  epochs: flags.epochs,
  trainBatches: () => train.batches(64, order),
  testBatches: () => test.batches(500),
});

const clean = await tsdl.evaluate(objective, test.batches(500));
const robust = await tsdl.evaluate((batch) => objective(attacked(batch)), test.batches(500));
const final = { testAccuracy: clean.accuracy, fgsmTestAccuracy: robust.accuracy };
const run = { experiment: "fgsm-training", run: `eps-${flags.epsilon}`, seconds, config: flags, history, notes: [] };
const environment = tsdl.environment(backend);
await tsdl.writeResult(`${flags.out}/fgsm.json`, tsdl.makeResult({ ...run, environment, final }));
console.log(
  `clean ${(100 * clean.accuracy).toFixed(2)}%, FGSM ε=${flags.epsilon} ${(100 * robust.accuracy).toFixed(2)}%`,
);
