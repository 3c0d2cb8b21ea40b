// A CNN on MNIST, Keras-style: validation split, early stopping, test accuracy, confusion matrix, JSON + SVG.
import * as tsdl from "../lib/mod.ts";
import { Conv2d, Dataset, EarlyStopping, Flatten, Linear, MaxPool2d, ReLU, SequentialModel } from "../lib/mod.ts";

const specs = { ...tsdl.commonFlags("keras-mnist"), epochs: tsdl.flag.int(6, "epochs") };
const flags = tsdl.cli(specs, "keras_mnist", "A CNN on MNIST, Keras-style");
tsdl.setSeed(flags.seed);
const backend = await tsdl.initBackend(flags.backend);
const mnist = await tsdl.loadMnist();
const data = Dataset.fromImages(mnist.train, { size: flags.quick ? 2000 : undefined });
const { train, validation } = data.split(0.1, flags.seed);
const test = Dataset.fromImages(mnist.test, { size: flags.quick ? 1000 : undefined });

const block = (from: number, to: number) => [new Conv2d(from, to, 5), new ReLU(), new MaxPool2d(2)];
const model = new SequentialModel([28, 28, 1], [...block(1, 16), ...block(16, 32), new Flatten(), new Linear(512, 10)]);
model.compile({ loss: "categoricalCrossentropy", optimizer: "adam", metrics: ["accuracy"] });
model.summary();
const callbacks = [new EarlyStopping({ monitor: "validationAccuracy", patience: 2, restoreBest: true })];
const history = await model.fit(train, { epochs: flags.epochs, batchSize: 64, validationData: validation, callbacks });

const { loss, accuracy } = await model.evaluate(test, { batchSize: 500 });
const matrix = tsdl.confusionMatrix(await test.labels(), await model.predictClasses(test, { batchSize: 500 }));
console.log(tsdl.classificationReport(matrix));
const final = { testLoss: loss, testAccuracy: accuracy }, environment = tsdl.environment(backend);
const run = { experiment: "keras-mnist", run: "cnn", seconds: history.seconds, config: flags, notes: [] };
await tsdl.writeResult(`${flags.out}/cnn.json`, tsdl.makeResult({ ...run, environment, history: history.rows, final }));
await tsdl.writeFileAtomic(`${flags.out}/confusion.svg`, tsdl.confusionMatrixFigure(matrix));
await tsdl.writeFileAtomic(`${flags.out}/curves.svg`, tsdl.learningCurves(tsdl.historyCurves(history.rows)));
await model.save(`${flags.out}/cnn.safetensors`);
console.log(`test accuracy ${(100 * accuracy!).toFixed(2)}% → ${flags.out}/cnn.json, confusion.svg, curves.svg`);
