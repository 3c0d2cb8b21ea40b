/**
 * One seed-000 run on the native engine: the same run `trainRun` (run.ts) trains with tfjs — same
 * initial weights, data order, minibatches, dropout masks, loss, Adam and StepLR — so the history
 * agrees to float rounding (tests/native_equivalence_test.ts), at a fraction of the time. The
 * epochs, metrics, checkpoints and resume are lib/train's `fit`; only the step is the engine's.
 */
import { adamScalars, Engine } from "../../lib/native/engine.ts";
import { type LossWeights, NativePairModel } from "./native_pair_model.ts";
import { buildModel, type RunOptions, type RunOutcome, runSchedule } from "./run.ts";
import type { RunConfig } from "./config.ts";
import type { PairSet } from "./pairs.ts";
import { type Batch, fit, type TrainStep } from "../../lib/train/loop.ts";

/**
 * Pairs per evaluation pass (buffers are sized for max(batch size, this)). Small on purpose: a
 * chunk's im2col patches stay in L2, where larger chunks made the per-epoch test pass slower.
 */
const EVAL_PAIRS = 10;

/** Rows of a pair set, as the native engine reads them (host arrays, no tensors). */
export interface NativeRows {
  set: PairSet;
  rows: Int32Array;
}

/** The seed-000 loss weights of a run (as pairLoss: no digit heads or no aux → plain BCE). */
export function lossWeights(cfg: RunConfig): LossWeights {
  const alpha = cfg.model === "siamese" && cfg.aux ? cfg.alpha : null;
  return alpha === null ? { alpha: 1, ce: 0 } : { alpha, ce: (1 - alpha) / 2 };
}

/** A training step on the engine's kernels: forward, the loss's gradient, backward and Adam. */
export function nativeStep(native: NativePairModel, w: LossWeights, lr: number): TrainStep<NativeRows> {
  let adamSteps = 0;
  const buffers = [["params", native.params], ["adam.m", native.m], ["adam.v", native.v]] as const;
  return {
    lr,
    train({ set, rows }) {
      return native.step(set, rows, w, adamScalars(++adamSteps, this.lr));
    },
    evaluate(batches: Iterable<Batch<NativeRows>>) {
      let loss = 0, correct = 0, n = 0;
      for (const { data } of batches) {
        const s = native.evaluateRows(data.set, data.rows, w);
        loss += s.loss;
        correct += s.correct;
        n += data.rows.length;
      }
      return Promise.resolve({ loss: loss / n, accuracy: correct / n });
    },
    state: () =>
      Promise.resolve({
        tensors: buffers.map(([name, b]) => [name, { shape: [b.f.length], data: b.f }]),
        scalars: { adamSteps },
      }),
    restore(saved, path) {
      for (const [name, b] of buffers) {
        const t = saved.tensors.get(name);
        if (!t || t.data.length !== b.f.length) {
          throw new Error(`${path}: ${name} missing or of another size; delete the checkpoint to restart the run`);
        }
      }
      for (const [name, b] of buffers) b.f.set(saved.tensors.get(name)!.data);
      adamSteps = saved.scalars.adamSteps;
      native.stateRestored();
    },
  };
}

export async function trainRunNative(
  cfg: RunConfig,
  data: { train: PairSet; test: PairSet },
  opts: RunOptions,
): Promise<RunOutcome> {
  const engine = await Engine.create();
  const { model, rng: initRng } = buildModel(cfg);
  const native = new NativePairModel(engine, model, data.train.size, Math.max(cfg.batchSize, EVAL_PAIRS));
  const parameters = model.parameterCount();
  model.dispose(); // its weights now live in the engine; its Dropouts' generator keeps drawing
  const result = await fit<NativeRows>({
    step: nativeStep(native, lossWeights(cfg), cfg.lr),
    ...runSchedule(cfg, data, initRng, opts),
  });
  const { history, stopped, seconds, resumedEpochs } = result;
  return { history, stopped, seconds, parameters, resumedEpochs };
}
