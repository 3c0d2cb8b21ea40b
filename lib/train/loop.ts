/**
 * The one training loop. Every experiment describes its model as an objective — a function from a
 * batch to a mean loss and a count of correct predictions — and this loop does the rest: gradients
 * from the tape, the optimiser step, the learning-rate schedule, per-epoch train/test loss and
 * accuracy, progress, NaN detection and an end-of-epoch hook (checkpoints).
 *
 * Loss and correct counts are summed on the device and read once per epoch: each read is a full
 * device sync on WebGPU.
 */
import { tf } from "../tf.ts";
import type { Optimizer } from "./optimizer.ts";
import { Progress } from "../report/progress.ts";
import { DeviceSums } from "./device_sums.ts";

export interface BatchStats {
  /** Mean loss over the batch. */
  loss: tf.Scalar;
  /** Number of correct predictions in the batch. */
  correct: tf.Scalar;
}

export type Objective<B> = (batch: B, training: boolean) => BatchStats;

export interface Batch<B> {
  data: B;
  size: number;
}

export interface EpochRow {
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss?: number;
  testAccuracy?: number;
  seconds: number;
}

export interface FitOptions<B> {
  params: tf.Variable[];
  objective: Objective<B>;
  optimizer: Optimizer;
  epochs: number;
  /** The minibatches of an epoch (0-based); called once per epoch, so it may reshuffle. */
  trainBatches: (epoch: number) => Iterable<Batch<B>>;
  /** Batches of the held-out set evaluated after every epoch (no optimiser step, eval mode). */
  testBatches?: () => Iterable<Batch<B>>;
  /** Learning rate for a 0-based epoch; default constant. */
  schedule?: (epoch: number) => number;
  /** Switches dropout/batch-norm behaviour (e.g. `(on) => model.train(on)`). */
  setTraining?: (on: boolean) => void;
  /** Resume: epochs already done and their rows. */
  startEpoch?: number;
  history?: EpochRow[];
  onEpochEnd?: (row: EpochRow, history: EpochRow[]) => Promise<void> | void;
  label?: string;
  silent?: boolean;
}

export interface FitResult {
  history: EpochRow[];
  /** Why training stopped before `epochs`, or null. */
  stopped: string | null;
}

/** Mean loss and accuracy over `batches` (losses weighted by batch size, as over samples). */
export async function evaluate<B>(
  objective: Objective<B>,
  batches: Iterable<Batch<B>>,
): Promise<{ loss: number; accuracy: number }> {
  const sums = new DeviceSums();
  for (const b of batches) {
    tf.tidy(() => {
      const { loss, correct } = objective(b.data, false);
      sums.add(loss, correct, b.size);
    });
  }
  return await sums.readAndDispose();
}

export async function fit<B>(opts: FitOptions<B>): Promise<FitResult> {
  const history = [...(opts.history ?? [])];
  const setTraining = opts.setTraining ?? (() => {});
  for (let epoch = opts.startEpoch ?? 0; epoch < opts.epochs; epoch++) {
    const started = performance.now();
    opts.optimizer.lr = opts.schedule ? opts.schedule(epoch) : opts.optimizer.lr;
    const batches = [...opts.trainBatches(epoch)];
    const bar = new Progress(`${opts.label ?? "train"} epoch ${epoch + 1}/${opts.epochs}`, batches.length, {
      unit: "step",
      silent: opts.silent,
    });
    setTraining(true);
    const sums = new DeviceSums();
    for (const b of batches) {
      trainStep(opts, b, sums);
      bar.tick();
    }
    const train = await sums.readAndDispose();
    let row: EpochRow = {
      epoch: epoch + 1,
      lr: opts.optimizer.lr,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
      seconds: 0,
    };
    if (opts.testBatches) {
      setTraining(false);
      const test = await evaluate(opts.objective, opts.testBatches());
      row = { ...row, testLoss: test.loss, testAccuracy: test.accuracy };
    }
    row.seconds = (performance.now() - started) / 1000;
    bar.finish(formatRow(row));
    history.push(row);
    const bad = [["training", row.trainLoss], ["test", row.testLoss ?? 0]].find(([, v]) => !Number.isFinite(v));
    if (bad) {
      return {
        history,
        stopped: `${bad[0]} loss became ${bad[1]} in epoch ${row.epoch}: lower the learning rate ` +
          "or normalise the inputs (--normalize)",
      };
    }
    await opts.onEpochEnd?.(row, history);
  }
  setTraining(false);
  return { history, stopped: null };
}

function trainStep<B>(opts: FitOptions<B>, b: Batch<B>, sums: DeviceSums) {
  tf.tidy(() => {
    let correct: tf.Scalar | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const stats = opts.objective(b.data, true);
      correct = tf.keep(stats.correct);
      return stats.loss;
    }, opts.params);
    opts.optimizer.step(opts.params.map((p) => grads[p.name]));
    sums.add(value, correct!, b.size);
    correct!.dispose();
  });
}

export function formatRow(r: EpochRow): string {
  const test = r.testLoss !== undefined ? ` test loss ${r.testLoss.toFixed(4)} acc ${r.testAccuracy!.toFixed(4)}` : "";
  return `train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAccuracy.toFixed(4)}${test}`;
}
