/**
 * The one epoch loop. What differs between experiments is how one batch trains — tfjs autodiff
 * (`autodiffStep`), the native engine's kernels, hand-written backward passes — and that is a
 * `TrainStep`. `fit` owns the rest: epochs (or evaluation periods of a step-counted run), the
 * learning-rate schedule, per-epoch train/validation/test metrics, progress, the NaN stop,
 * checkpoints and resume, and the history rows every experiment's JSON shares.
 *
 * Losses and correct counts of tfjs steps are summed on the device and read once per epoch: each
 * read is a full device sync on WebGPU.
 */
import { tf } from "../tf.ts";
import type { Optimizer } from "./optimizer.ts";
import { Progress } from "../report/progress.ts";
import { DeviceSums } from "./device_sums.ts";
import {
  type CheckpointState,
  loadCheckpoint,
  moduleState,
  restoreModuleState,
  saveCheckpoint,
  type SavedState,
} from "./checkpoint.ts";
import type { Module } from "../nn/module.ts";
import type { Rng } from "../random/rng.ts";
import type { Callback } from "./callbacks/callback.ts";
import { CallbackRunner } from "./callbacks/runner.ts";

/** What an objective returns for a batch: its mean loss and correct count, as device scalars. */
export interface BatchStats {
  /** Mean loss over the batch. */
  loss: tf.Scalar;
  /** Number of correct predictions in the batch. */
  correct: tf.Scalar;
}

/** A batch → mean loss and correct count (`training` tells whether the step will update on it). */
export type Objective<B> = (batch: B, training: boolean) => BatchStats;

/** A minibatch for `fit`: the data a step trains on and its number of samples. */
export interface Batch<B> {
  data: B;
  size: number;
}

/** Mean loss and accuracy over a set. */
export interface Metrics {
  loss: number;
  accuracy: number;
}

/**
 * One row of a history: the vocabulary of every experiment's results. `epoch` counts epochs, or
 * `step` counts optimisation steps in a step-counted run (one row per evaluation period).
 */
export interface HistoryRow {
  epoch?: number;
  step?: number;
  lr: number;
  /** Mean over the epoch's minibatches (weighted by size) of the loss while training. */
  trainLoss: number;
  trainAccuracy: number;
  validationLoss?: number;
  validationAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
  /** Wall time of the epoch, training and evaluation. */
  seconds: number;
}

/** A batch's mean loss and correct count: device scalars (tfjs) or numbers (the native engine). */
export interface StepStats {
  loss: tf.Scalar | number;
  correct: tf.Scalar | number;
}

/** How one batch trains and how held-out batches are scored. */
export interface TrainStep<B> {
  /** Learning rate of the coming steps (the schedule sets it each epoch). */
  lr: number;
  /** One optimisation step. Runs inside a tf.tidy; returned tensors are kept for the epoch's sums. */
  train(batch: B): StepStats;
  /** Mean loss and accuracy over held-out batches, in inference mode, without a step. */
  evaluate(batches: Iterable<Batch<B>>): Promise<Metrics>;
  /** Switches dropout / batch-norm behaviour. */
  setTraining?(on: boolean): void;
  /** What a checkpoint must hold to continue bit-exactly (parameters, optimiser state, …). */
  state?(): Promise<CheckpointState>;
  /** Restores `state()` from a checkpoint file (`path` for error messages). */
  restore?(state: SavedState, path: string): void;
}

/** What `fit` takes: the step (or params, objective, optimiser), batches, schedule, callbacks, checkpoints. */
export interface FitOptions<B> {
  /** How a batch trains; default: autodiff of `objective` over `params` with `optimizer`. */
  step?: TrainStep<B>;
  params?: tf.Variable[];
  objective?: Objective<B>;
  optimizer?: Optimizer;
  /** Switches dropout/batch-norm behaviour for the default step (e.g. `(on) => model.train(on)`). */
  setTraining?: (on: boolean) => void;
  /** Epochs, or evaluation periods of a step-counted run. */
  epochs: number;
  /** The minibatches of an epoch (0-based); called once per epoch, so it may reshuffle. */
  trainBatches: (epoch: number) => Iterable<Batch<B>>;
  /** Held-out batches scored after every epoch (rows get validationLoss/validationAccuracy). */
  validationBatches?: () => Iterable<Batch<B>>;
  /** Test batches scored after every epoch (rows get testLoss/testAccuracy). */
  testBatches?: () => Iterable<Batch<B>>;
  /** Learning rate for a 0-based epoch; default constant. */
  schedule?: (epoch: number) => number;
  /** Rows count optimisation steps (`step`) instead of epochs (`epoch`). */
  countSteps?: boolean;
  /** Checkpoint every `every` epochs (not after the last) into `path`; resume from it when present. */
  checkpoint?: { path: string; every: number; generators?: Record<string, Rng> };
  /** Hooks around epochs and batches that may stop training or change the learning rate (lib/train/callbacks). */
  callbacks?: Callback[];
  /** The model trained: what callbacks snapshot or save, and the default step's checkpoint state. */
  module?: Module;
  /** Added to the message when a loss stops being finite (e.g. "or normalise the inputs (--normalize)"). */
  nanHint?: string;
  label?: string;
  silent?: boolean;
}

/** What `fit` returns: the history rows, why it stopped early (or null), and the training time. */
export interface FitResult {
  history: HistoryRow[];
  /** Why training stopped before `epochs`, or null. */
  stopped: string | null;
  /** Training time, including the time before a resumed checkpoint. */
  seconds: number;
  /** Epochs restored from a checkpoint (0 for a fresh run). */
  resumedEpochs: number;
}

/** Mean loss and accuracy over `batches` (losses weighted by batch size, as over samples). */
export async function evaluate<B>(objective: Objective<B>, batches: Iterable<Batch<B>>): Promise<Metrics> {
  const sums = new DeviceSums();
  for (const b of batches) {
    tf.tidy(() => {
      const { loss, correct } = objective(b.data, false);
      sums.add(loss, correct, b.size);
    });
  }
  const { loss, accuracy } = await sums.readAndDispose();
  return { loss, accuracy };
}

/** Training by tfjs' tape: gradients of `objective` w.r.t. `params`, one `optimizer` step. */
export function autodiffStep<B>(opts: {
  params: tf.Variable[];
  objective: Objective<B>;
  optimizer: Optimizer;
  setTraining?: (on: boolean) => void;
  /** The model whose parameters and buffers a checkpoint holds (with the optimiser's state). */
  module?: Module;
}): TrainStep<B> {
  const { params, objective, optimizer, module } = opts;
  return {
    get lr() {
      return optimizer.lr;
    },
    set lr(value: number) {
      optimizer.lr = value;
    },
    train(batch) {
      let correct: tf.Scalar | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const stats = objective(batch, true);
        correct = tf.keep(stats.correct); // the tape's own tidy would dispose it
        return stats.loss;
      }, params);
      optimizer.step(params.map((p) => grads[p.name]));
      const tracked = tf.clone(correct!); // owned by fit's tidy again
      correct!.dispose();
      return { loss: value, correct: tracked };
    },
    evaluate: (batches) => evaluate(objective, batches),
    setTraining: opts.setTraining,
    ...(module && {
      state: () => moduleState(module, optimizer),
      restore: (saved, path) => restoreModuleState(module, optimizer, saved, path),
    }),
  };
}

/** The one epoch loop: trains `step` (default: autodiff of `objective`) and returns the history rows. */
export async function fit<B>(opts: FitOptions<B>): Promise<FitResult> {
  const step = opts.step ?? defaultStep(opts);
  const ckpt = opts.checkpoint;
  let history: HistoryRow[] = [], priorSeconds = 0, stepsDone = 0;
  const resumed = ckpt ? await loadCheckpoint(ckpt.path) : null;
  if (ckpt && resumed) {
    if (!step.restore) throw new Error("fit: this training step cannot restore a checkpoint");
    step.restore(resumed, ckpt.path);
    ({ history, seconds: priorSeconds, steps: stepsDone } = resumed.meta);
    for (const [name, rng] of Object.entries(ckpt.generators ?? {})) {
      const saved = resumed.meta.generators[name];
      if (!saved) throw new Error(`${ckpt.path}: no state for generator '${name}'; delete it to restart the run`);
      rng.setState(saved);
    }
  }
  const resumedEpochs = history.length;
  const started = performance.now();
  const seconds = () => priorSeconds + (performance.now() - started) / 1000;
  const parts = { step, module: opts.module, history, epochs: opts.epochs, steps: stepsDone };
  const callbacks = new CallbackRunner(opts.callbacks, parts);
  await callbacks.trainBegin();
  for (let epoch = resumedEpochs; epoch < opts.epochs; epoch++) {
    const t0 = performance.now();
    if (opts.schedule) step.lr = opts.schedule(epoch);
    await callbacks.epochBegin(epoch);
    const batches = [...opts.trainBatches(epoch)];
    const unit = opts.countSteps ? "period" : "epoch";
    const bar = new Progress(`${opts.label ?? "train"} ${unit} ${epoch + 1}/${opts.epochs}`, batches.length, {
      unit: "step",
      silent: opts.silent,
    });
    step.setTraining?.(true);
    const sums = new EpochSums();
    let done = 0;
    for (const b of batches) {
      callbacks.batchBegin(stepsDone + done);
      tf.tidy(() => sums.add(step.train(b.data), b.size));
      bar.tick(1, sums.running());
      if (callbacks.batchEnd(stepsDone + ++done)) break;
    }
    stepsDone += done;
    const train = await sums.read();
    let metrics: Omit<HistoryRow, "seconds"> = {
      ...(opts.countSteps ? { step: stepsDone } : { epoch: epoch + 1 }),
      lr: step.lr,
      trainLoss: train.loss,
      trainAccuracy: train.accuracy,
    };
    if (opts.validationBatches || opts.testBatches) step.setTraining?.(false);
    if (opts.validationBatches) {
      const v = await step.evaluate(opts.validationBatches());
      metrics = { ...metrics, validationLoss: v.loss, validationAccuracy: v.accuracy };
    }
    if (opts.testBatches) {
      const t = await step.evaluate(opts.testBatches());
      metrics = { ...metrics, testLoss: t.loss, testAccuracy: t.accuracy };
    }
    const row: HistoryRow = { ...metrics, seconds: (performance.now() - t0) / 1000 };
    bar.finish(formatRow(row));
    history.push(row);
    const stopped = nonFinite(row, opts.countSteps ? `at step ${stepsDone}` : `in epoch ${epoch + 1}`);
    if (stopped) {
      const hint = opts.nanHint ? ` ${opts.nanHint}` : "";
      await callbacks.trainEnd();
      return { history, stopped: `${stopped}: lower the learning rate${hint}`, seconds: seconds(), resumedEpochs };
    }
    if (await callbacks.epochEnd(row)) break;
    if (ckpt && (epoch + 1) % ckpt.every === 0 && epoch + 1 < opts.epochs) {
      if (!step.state) throw new Error("fit: this training step cannot save a checkpoint");
      const generators = Object.fromEntries(Object.entries(ckpt.generators ?? {}).map(([k, r]) => [k, r.getState()]));
      await saveCheckpoint(ckpt.path, await step.state(), {
        history,
        seconds: seconds(),
        steps: stepsDone,
        generators,
      });
    }
  }
  step.setTraining?.(false);
  await callbacks.trainEnd();
  return { history, stopped: callbacks.stopReason, seconds: seconds(), resumedEpochs };
}

function defaultStep<B>(opts: FitOptions<B>): TrainStep<B> {
  if (!opts.params || !opts.objective || !opts.optimizer) {
    throw new Error("fit needs a `step`, or `params`, `objective` and `optimizer`");
  }
  return autodiffStep({
    params: opts.params,
    objective: opts.objective,
    optimizer: opts.optimizer,
    setTraining: opts.setTraining,
    module: opts.module,
  });
}

/** "training loss became NaN in epoch 3", or null when every loss of the row is finite. */
function nonFinite(row: HistoryRow, when: string): string | null {
  const losses: [string, number | undefined][] = [
    ["training", row.trainLoss],
    ["validation", row.validationLoss],
    ["test", row.testLoss],
  ];
  const bad = losses.find(([, v]) => v !== undefined && !Number.isFinite(v));
  return bad ? `${bad[0]} loss became ${bad[1]} ${when}` : null;
}

/** An epoch's training sums: on the device for tfjs steps, on the host for numbers. */
class EpochSums {
  #device: DeviceSums | null = null;
  #loss = 0;
  #correct = 0;
  #count = 0;

  add(stats: StepStats, size: number): void {
    if (typeof stats.loss === "number" && typeof stats.correct === "number") {
      this.#loss += stats.loss * size;
      this.#correct += stats.correct;
      this.#count += size;
    } else {
      this.#device ??= new DeviceSums();
      this.#device.add(stats.loss as tf.Scalar, stats.correct as tf.Scalar, size);
    }
  }

  /** The running means so far, when they are host numbers (reading device sums would stall every step). */
  running(): string | undefined {
    if (this.#device || this.#count === 0) return undefined;
    return `loss ${(this.#loss / this.#count).toFixed(4)} acc ${(this.#correct / this.#count).toFixed(4)}`;
  }

  async read(): Promise<Metrics> {
    if (this.#device) return await this.#device.readAndDispose();
    const n = Math.max(this.#count, 1);
    return { loss: this.#loss / n, accuracy: this.#correct / n };
  }
}

export function formatRow(r: HistoryRow): string {
  const held = (name: string, loss?: number, accuracy?: number) =>
    loss !== undefined ? ` ${name} loss ${loss.toFixed(4)} acc ${accuracy!.toFixed(4)}` : "";
  return `train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAccuracy.toFixed(4)}` +
    held("validation", r.validationLoss, r.validationAccuracy) + held("test", r.testLoss, r.testAccuracy);
}
