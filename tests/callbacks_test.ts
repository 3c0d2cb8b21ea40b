/**
 * Callbacks through the real `fit`, on a scripted step whose validation losses are known: early
 * stopping stops at the right epoch (patience, min delta, max mode) and restores the best epoch's
 * weights; checkpoint-best writes exactly the improving epochs; reduce-on-plateau lowers the rate at
 * the right epochs (patience, cooldown, floor); the CSV logger, per-step schedules and a stop from a
 * batch hook.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Linear } from "../lib/nn/linear.ts";
import { loadState } from "../lib/nn/state.ts";
import { fit, type HistoryRow, type TrainStep } from "../lib/train/loop.ts";
import {
  type Callback,
  CheckpointBest,
  CsvLogger,
  EarlyStopping,
  historyCsv,
  LearningRateScheduler,
  ReduceLROnPlateau,
} from "../lib/train/callbacks/mod.ts";
import { warmupCosine } from "../lib/train/schedules.ts";

await initBackend("cpu");

/**
 * A step that trains nothing: validation losses (and accuracies) come from `script`, one per epoch,
 * and each epoch's training sets the module's single weight to the epoch number, so a restored or
 * saved weight tells which epoch it came from. Records the learning rate of every step.
 */
function scriptedRun(script: number[], opts: { batches?: number; lr?: number } = {}) {
  const module = new Linear(1, 1, new Rng(0), { bias: false });
  const lrs: number[] = [];
  let epoch = 0;
  const step: TrainStep<number> = {
    lr: opts.lr ?? 1,
    train(batch) {
      lrs.push(this.lr);
      if (batch === 0) module.weight.assign(tf.tensor2d([[++epoch]]));
      return { loss: 1, correct: 0 };
    },
    evaluate: () => Promise.resolve({ loss: script[epoch - 1], accuracy: 1 - script[epoch - 1] }),
  };
  const run = (callbacks: Callback[]) =>
    fit({
      step,
      module,
      epochs: script.length,
      trainBatches: () => Array.from({ length: opts.batches ?? 1 }, (_, i) => ({ data: i, size: 1 })),
      validationBatches: () => [],
      callbacks,
      silent: true,
    });
  const weight = async () => (await module.weight.data())[0];
  return { run, weight, lrs, module };
}

Deno.test("EarlyStopping: stops after `patience` epochs without improvement, with the reason", async () => {
  const { run } = scriptedRun([1.0, 0.8, 0.85, 0.9, 0.7, 0.6]);
  const result = await run([new EarlyStopping({ patience: 2 })]);
  assert.deepEqual(result.history.map((r) => r.epoch), [1, 2, 3, 4]);
  assert.match(
    result.stopped!,
    /^early stopping: validationLoss did not improve for 2 epochs \(best 0\.8000 in epoch 2\)$/,
  );

  // patience 0 (Keras' default): the first epoch that does not improve ends training.
  assert.equal((await scriptedRun([1.0, 0.8, 0.85, 0.7]).run([new EarlyStopping()])).history.length, 3);
  // More patience than the plateau: runs to the end, stopped stays null.
  const patient = await scriptedRun([1.0, 0.8, 0.85, 0.9, 0.7]).run([new EarlyStopping({ patience: 3 })]);
  assert.equal(patient.history.length, 5);
  assert.equal(patient.stopped, null);
});

Deno.test("EarlyStopping: minDelta, max mode for accuracies", async () => {
  // 0.95 is not below 1.0 − 0.1: no improvement, so patience 1 stops after epoch 2.
  const small = await scriptedRun([1.0, 0.95, 0.5, 0.4]).run([new EarlyStopping({ patience: 1, minDelta: 0.1 })]);
  assert.equal(small.history.length, 2);
  const plain = await scriptedRun([1.0, 0.95, 0.5, 0.4]).run([new EarlyStopping({ patience: 1 })]);
  assert.equal(plain.history.length, 4);
  // accuracy = 1 − loss: rises 0, 0.2, then falls; "validationAccuracy" is maximised by default.
  const acc = await scriptedRun([1.0, 0.8, 0.9, 0.95, 0.1]).run([
    new EarlyStopping({ monitor: "validationAccuracy", patience: 2 }),
  ]);
  assert.equal(acc.history.length, 4);
  assert.match(acc.stopped!, /validationAccuracy did not improve .* in epoch 2/);
});

Deno.test("EarlyStopping restoreBest: the model ends with the best epoch's weights", async () => {
  const restoring = scriptedRun([1.0, 0.8, 0.85, 0.9, 0.7]);
  await restoring.run([new EarlyStopping({ patience: 2, restoreBest: true })]);
  assert.equal(await restoring.weight(), 2);
  const keeping = scriptedRun([1.0, 0.8, 0.85, 0.9, 0.7]);
  await keeping.run([new EarlyStopping({ patience: 2 })]);
  assert.equal(await keeping.weight(), 4);
  // Not stopped early: still ends on the best epoch (3 of 4).
  const full = scriptedRun([1.0, 0.9, 0.5, 0.6]);
  await full.run([new EarlyStopping({ patience: 5, restoreBest: true })]);
  assert.equal(await full.weight(), 3);
});

Deno.test("a watched key that fit does not produce is a clear error", async () => {
  const { run } = scriptedRun([1, 2]);
  await assert.rejects(
    () => run([new EarlyStopping({ monitor: "testLoss" })]),
    /EarlyStopping watches testLoss, but fit's rows have none/,
  );
});

Deno.test("CheckpointBest writes the weights of every improving epoch and no other", async () => {
  const dir = await Deno.makeTempDir(), path = `${dir}/best.safetensors`;
  const { run, module } = scriptedRun([1.0, 0.8, 0.85, 0.6, 0.9]);
  const best = new CheckpointBest(path);
  await run([best]);
  assert.deepEqual(best.saved, [1, 2, 4]);
  const metadata = await loadState(module, path);
  assert.equal((await module.weight.data())[0], 4);
  assert.deepEqual(metadata, { epoch: "4", monitor: "validationLoss", value: "0.6" });
  await Deno.remove(dir, { recursive: true });
});

Deno.test("ReduceLROnPlateau: lr × factor after `patience` flat epochs; cooldown; floor", async () => {
  const flat = [1, 1, 1, 1, 1, 1, 1];
  const plain = scriptedRun(flat);
  const reduce = new ReduceLROnPlateau({ factor: 0.5, patience: 2 });
  const result = await plain.run([reduce]);
  assert.deepEqual(reduce.reductions, [[3, 0.5], [5, 0.25], [7, 0.125]]);
  // A row records the rate its epoch trained with; the reduction applies from the next epoch.
  assert.deepEqual(result.history.map((r: HistoryRow) => r.lr), [1, 1, 1, 0.5, 0.5, 0.25, 0.25]);

  // Keras' cooldown: the epochs while it runs do not count; the one that ends it does.
  const cooled = new ReduceLROnPlateau({ factor: 0.5, patience: 2, cooldown: 2 });
  await scriptedRun(flat).run([cooled]);
  assert.deepEqual(cooled.reductions.map(([epoch]) => epoch), [3, 6]);
  const quick = new ReduceLROnPlateau({ factor: 0.5, patience: 1, cooldown: 2 });
  await scriptedRun(flat).run([quick]);
  assert.deepEqual(quick.reductions.map(([epoch]) => epoch), [2, 4, 6]);

  const floored = new ReduceLROnPlateau({ factor: 0.1, patience: 1, minLr: 0.05 });
  await scriptedRun(flat).run([floored]);
  assert.deepEqual(floored.reductions, [[2, 0.1], [3, 0.05]]);

  // An improvement resets the count: 1, 0.9 (better), 0.95, 0.95 → reduce at epoch 4 only.
  const improving = new ReduceLROnPlateau({ factor: 0.5, patience: 2 });
  await scriptedRun([1, 0.9, 0.95, 0.95]).run([improving]);
  assert.deepEqual(improving.reductions, [[4, 0.5]]);
});

Deno.test("CsvLogger: the history in the vocabulary's column order, rewritten every epoch", async () => {
  const dir = await Deno.makeTempDir(), path = `${dir}/history.csv`;
  const { run } = scriptedRun([0.5, 0.25]);
  const result = await run([new CsvLogger(path)]);
  const lines = (await Deno.readTextFile(path)).trim().split("\n");
  assert.equal(lines[0], "epoch,lr,trainLoss,trainAccuracy,validationLoss,validationAccuracy,seconds");
  assert.equal(lines.length, 3);
  assert.equal(lines[2], `2,1,1,0,0.25,0.75,${result.history[1].seconds}`);
  assert.equal(await Deno.readTextFile(path), historyCsv(result.history));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("LearningRateScheduler sets every step's rate from the step count, across epochs", async () => {
  const { run, lrs } = scriptedRun([1, 1, 1], { batches: 4 });
  const schedule = warmupCosine(0.1, { steps: 12, warmupSteps: 4 });
  await run([new LearningRateScheduler(schedule)]);
  assert.equal(lrs.length, 12);
  assert.deepEqual(lrs, Array.from({ length: 12 }, (_, s) => schedule(s)));
  assert.deepEqual(lrs.slice(0, 4), [1, 2, 3, 4].map((s) => 0.1 * s / 4));
});

Deno.test("a batch hook can stop training mid-epoch; the row covers the steps done", async () => {
  const { run, lrs } = scriptedRun([1, 1, 1], { batches: 4 });
  const stopAtSix: Callback = {
    onBatchEnd: (ctx) => ctx.steps === 6 ? ctx.stop("enough steps") : undefined,
  };
  const result = await run([stopAtSix]);
  assert.equal(result.stopped, "enough steps");
  assert.equal(result.history.length, 2);
  assert.equal(lrs.length, 6);
});

Deno.test("restoreBest without a module: the step's own state and restore (e.g. the native engine)", async () => {
  let weight = 0, epoch = 0;
  const losses = [1.0, 0.5, 0.7, 0.8];
  const step: TrainStep<number> = {
    lr: 1,
    train: () => {
      weight = ++epoch * 10;
      return { loss: 1, correct: 0 };
    },
    evaluate: () => Promise.resolve({ loss: losses[epoch - 1], accuracy: 0 }),
    state: () => Promise.resolve({ tensors: [["w", { shape: [1], data: Float32Array.of(weight) }]], scalars: {} }),
    restore: (saved) => void (weight = saved.tensors.get("w")!.data[0]),
  };
  const result = await fit({
    step,
    epochs: 4,
    trainBatches: () => [{ data: 0, size: 1 }],
    validationBatches: () => [],
    callbacks: [new EarlyStopping({ patience: 2, restoreBest: true })],
    silent: true,
  });
  assert.equal(result.history.length, 4);
  assert.equal(weight, 20);
  const bare: TrainStep<number> = { lr: 1, train: step.train, evaluate: step.evaluate };
  await assert.rejects(
    () => fit({ step: bare, epochs: 1, trainBatches: () => [], callbacks: [new EarlyStopping({ restoreBest: true })] }),
    /EarlyStopping\(\{ restoreBest \}\) needs the model/,
  );
});
