/**
 * One seed-000 run on the native engine: the same run `trainRun` (scripts/siamese_grid/run.ts) trains with
 * tfjs — same initial weights, data order, minibatches, dropout masks, loss, Adam and StepLR — so the
 * history agrees to float rounding (tests/native_equivalence_test.ts), at a fraction of the time.
 * Checkpoints (parameters, Adam moments, generator states, history) every `checkpointEvery` epochs
 * make an interrupted run resume bit-exactly.
 */
import { adamScalars, Engine } from "../../lib/native/engine.ts";
import { type LossWeights, NativePairModel } from "./native_pair_model.ts";
import { buildModel, orderRng, type RunOutcome } from "./run.ts";
import type { RunConfig } from "./config.ts";
import type { PairSet } from "./pairs.ts";
import { minibatches } from "../../lib/data/batches.ts";
import { stepLR } from "../../lib/train/step_lr.ts";
import { type EpochRow, formatRow } from "../../lib/train/loop.ts";
import { Progress } from "../../lib/report/progress.ts";
import { readFileIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import { decodeSafetensors, encodeSafetensors } from "../../lib/nn/state.ts";
import type { Rng, RngState } from "../../lib/random/rng.ts";

type GenState = { s: RngState; spare: number | null };

interface Meta {
  epoch: number;
  adamSteps: number;
  history: EpochRow[];
  initRng: GenState;
  orderRng: GenState;
  seconds: number;
}

/**
 * Pairs per evaluation pass (buffers are sized for max(batch size, this)). Small on purpose: a
 * chunk's im2col patches stay in L2 (10 pairs: ≈ 0.2 MB for k=5; 100 pairs spilled and made the
 * per-epoch test pass ~1.5× slower).
 */
const EVAL_PAIRS = 10;

/** The seed-000 loss weights of a run (as pairLoss: no digit heads or no aux → plain BCE). */
export function lossWeights(cfg: RunConfig): LossWeights {
  const aux = cfg.aux && cfg.model === "siamese";
  return { alpha: aux ? cfg.alpha : 1, ce: aux ? (1 - cfg.alpha) / 2 : 0 };
}

export async function trainRunNative(
  cfg: RunConfig,
  data: { train: PairSet; test: PairSet },
  opts: { checkpointPath: string; checkpointEvery: number; label: string; silent?: boolean },
): Promise<RunOutcome> {
  const engine = await Engine.create();
  const { model, rng: initRng } = buildModel(cfg);
  const native = new NativePairModel(engine, model, data.train.size, Math.max(cfg.batchSize, EVAL_PAIRS));
  const parameters = model.parameterCount();
  model.dispose(); // its weights now live in the engine; its Dropouts' generator keeps drawing
  const adam = { p: native.params, m: native.m, v: native.v };
  const order = orderRng(cfg), schedule = stepLR(cfg.lr, cfg.gamma), w = lossWeights(cfg);
  let meta: Meta = {
    epoch: 0,
    adamSteps: 0,
    history: [],
    initRng: initRng.getState(),
    orderRng: order.getState(),
    seconds: 0,
  };
  const resumed = await loadNativeCheckpoint(opts.checkpointPath, adam, initRng, order);
  if (resumed) {
    meta = resumed;
    native.stateRestored();
  }
  const started = performance.now();
  let stopped: string | null = null;
  for (let epoch = meta.epoch; epoch < cfg.epochs && !stopped; epoch++) {
    const t0 = performance.now(), lr = schedule(epoch);
    const batches = minibatches(order.permutation(data.train.n), cfg.batchSize);
    const bar = new Progress(`${opts.label} epoch ${epoch + 1}/${cfg.epochs}`, batches.length, {
      unit: "step",
      silent: opts.silent,
    });
    let lossSum = 0, correct = 0;
    for (const rows of batches) {
      const s = native.step(data.train, rows, w, adamScalars(++meta.adamSteps, lr));
      lossSum += s.loss * rows.length;
      correct += s.correct;
      bar.tick();
    }
    const test = native.evaluate(data.test, w);
    const row: EpochRow = {
      epoch: epoch + 1,
      lr,
      trainLoss: lossSum / data.train.n,
      trainAccuracy: correct / data.train.n,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
      seconds: (performance.now() - t0) / 1000,
    };
    bar.finish(formatRow(row));
    meta.history.push(row);
    const bad = [["training", row.trainLoss], ["test", row.testLoss!]].find(([, v]) => !Number.isFinite(v));
    if (bad) {
      stopped = `${bad[0]} loss became ${bad[1]} in epoch ${row.epoch}: lower the learning rate ` +
        "or normalise the inputs (--normalize)";
    }
    if (!stopped && row.epoch % opts.checkpointEvery === 0 && row.epoch < cfg.epochs) {
      await saveNativeCheckpoint(opts.checkpointPath, adam, {
        ...meta,
        epoch: row.epoch,
        initRng: initRng.getState(),
        orderRng: order.getState(),
        seconds: meta.seconds + (performance.now() - started) / 1000,
      });
    }
  }
  const seconds = meta.seconds + (performance.now() - started) / 1000;
  return { history: meta.history, stopped, seconds, parameters };
}

type AdamBuffers = { p: { f: Float32Array }; m: { f: Float32Array }; v: { f: Float32Array } };

const stateArrays = (adam: AdamBuffers) => [["params", adam.p], ["adam.m", adam.m], ["adam.v", adam.v]] as const;

async function saveNativeCheckpoint(path: string, adam: AdamBuffers, meta: Meta): Promise<void> {
  const arrays = stateArrays(adam).map(([name, b]): [string, { shape: number[]; data: Float32Array }] => [
    name,
    { shape: [b.f.length], data: b.f },
  ]);
  await writeFileAtomic(path, encodeSafetensors(arrays, { native: JSON.stringify(meta) }));
}

async function loadNativeCheckpoint(path: string, adam: AdamBuffers, initRng: Rng, order: Rng): Promise<Meta | null> {
  const bytes = await readFileIfExists(path);
  if (!bytes) return null;
  const saved = decodeSafetensors(bytes, path);
  if (!saved.metadata.native) {
    throw new Error(`${path} is a tfjs checkpoint; resume with --engine tfjs or delete it to restart the run`);
  }
  for (const [name, b] of stateArrays(adam)) {
    const t = saved.tensors.get(name);
    if (!t || t.data.length !== b.f.length) {
      throw new Error(`${path}: ${name} missing or of another size; delete the checkpoint to restart the run`);
    }
    b.f.set(t.data);
  }
  const meta = JSON.parse(saved.metadata.native) as Meta;
  initRng.setState(meta.initRng);
  order.setState(meta.orderRng);
  return meta;
}
