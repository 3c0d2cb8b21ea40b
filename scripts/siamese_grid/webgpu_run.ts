/**
 * `--engine webgpu`: every run of the invocation trains in lockstep on one GPU — the runs the
 * native engine trains one by one, with the same initial weights, pair orders, dropout masks
 * (their generators' streams continue on the GPU), loss, Adam and StepLR, so histories agree to
 * float rounding (tests/webgpu_equivalence_test.ts). A step of all runs is one dispatch per layer
 * kind and stage (lib/webgpu/lockstep.ts); an epoch's steps and its test pass are encoded without a
 * read, and the per-pair outcomes are read once per epoch. Checkpoints are the native engine's
 * (lib/train's format: flat params and Adam moments, generators, history), so either engine resumes
 * the other's. Epochs are this file's loop rather than lib/train's `fit`, which trains one model.
 */
import { buildModel, NAN_HINT, orderRng, type RunOptions, type RunOutcome } from "./run.ts";
import { lossWeights } from "./native_run.ts";
import type { RunConfig } from "./config.ts";
import type { PairSet } from "./pairs.ts";
import { GpuPairModel, type GpuSet, PAIR_FLOATS, PAIR_KERNELS } from "./webgpu_model.ts";
import { type GpuDevice, openDevice } from "../../lib/webgpu/device.ts";
import { Lockstep, type Program, TooLargeForDevice } from "../../lib/webgpu/lockstep.ts";
import { DENSE_BACKWARD_ADAM, DENSE_FORWARD } from "../../lib/webgpu/dense.ts";
import { CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_ADAM } from "../../lib/webgpu/conv.ts";
import { POOL_BACKWARD, POOL_FORWARD } from "../../lib/webgpu/pool.ts";
import type { StepScalars } from "../../lib/webgpu/prelude.ts";
import { adamScalars } from "../../lib/native/engine.ts";
import { stepLR } from "../../lib/train/step_lr.ts";
import { loadCheckpoint, saveCheckpoint } from "../../lib/train/checkpoint.ts";
import { formatRow, type HistoryRow } from "../../lib/train/loop.ts";
import type { Rng } from "../../lib/random/rng.ts";

/** Pairs per evaluation chunk (activations are sized for max(batch, this) pairs of every run). */
export const EVAL_PAIRS = 10;

const KERNELS = [
  DENSE_FORWARD,
  DENSE_BACKWARD_ADAM,
  CONV_FORWARD,
  CONV_INPUT_GRAD,
  CONV_WEIGHT_ADAM,
  POOL_FORWARD,
  POOL_BACKWARD,
  ...PAIR_KERNELS,
];

export interface LockstepJob {
  cfg: RunConfig;
  data: { train: PairSet; test: PairSet };
  opts: RunOptions;
}

/** What the bench reads: work per lockstep step and epoch, and the resident state. */
export interface LockstepStats {
  runs: number;
  dispatchesPerStep: number;
  dispatchesPerEvalChunk: number;
  stepsPerEpoch: number;
  commandBuffersPerEpoch: number;
  readbacksPerEpoch: number;
  parameterBytes: number;
  momentBytes: number;
  workBytes: number;
  epochSeconds: number[];
  adapter: string;
  fallbackAdapter: boolean;
}

/** Runs of one lockstep: settings every run of it shares, and the epoch they continue from. */
function lockstepKey(cfg: RunConfig, resumed: number): string {
  const { epochs, batchSize, lr, gamma, trainSize, testSize } = cfg;
  return JSON.stringify([resumed, epochs, batchSize, lr, gamma, trainSize, testSize]);
}

/**
 * Trains all jobs, in lockstep groups (runs resumed at different epochs, or with different
 * schedules, form separate groups); `onDone` is called for each run as its group finishes.
 */
export async function trainRunsWebgpu(
  jobs: LockstepJob[],
  onDone: (job: LockstepJob, outcome: RunOutcome) => Promise<void>,
  report?: (stats: LockstepStats) => void,
): Promise<void> {
  if (!jobs.length) return;
  const gpu = await openDevice();
  try {
    const groups = new Map<string, { job: LockstepJob; saved: Saved | null }[]>();
    for (const job of jobs) {
      const saved = await loadCheckpoint(job.opts.checkpointPath);
      const key = lockstepKey(job.cfg, saved?.meta.history.length ?? 0);
      groups.set(key, [...(groups.get(key) ?? []), { job, saved }]);
    }
    // A group over the device's buffer limits trains as halves, one after the other (the same
    // numbers: a run's do not depend on which runs train beside it).
    const train = async (group: { job: LockstepJob; saved: Saved | null }[]): Promise<void> => {
      try {
        const outcomes = await trainGroup(gpu, group, report);
        for (const [i, { job }] of group.entries()) await onDone(job, outcomes[i]);
      } catch (e) {
        if (!(e instanceof TooLargeForDevice) || group.length < 2) throw e;
        const half = Math.ceil(group.length / 2);
        await train(group.slice(0, half));
        await train(group.slice(half));
      }
    };
    for (const group of groups.values()) await train(group);
  } finally {
    gpu.device.destroy();
  }
}

type Saved = NonNullable<Awaited<ReturnType<typeof loadCheckpoint>>>;

interface RunState {
  job: LockstepJob;
  model: GpuPairModel;
  init: Rng;
  order: Rng;
  train: GpuSet;
  test: GpuSet;
  history: HistoryRow[];
  stopped: string | null;
  seconds: number;
  resumedEpochs: number;
}

async function trainGroup(
  gpu: GpuDevice,
  group: { job: LockstepJob; saved: Saved | null }[],
  report?: (stats: LockstepStats) => void,
): Promise<RunOutcome[]> {
  const { cfg } = group[0].job, B = cfg.batchSize, n = cfg.trainSize, nTest = cfg.testSize;
  const resumedEpochs = group[0].saved?.meta.history.length ?? 0;
  // Data sets (shared by the runs of a round) and integer regions.
  const images: Float32Array[] = [], ints: number[] = [];
  let dataFloats = 0;
  const sets = new Map<PairSet, GpuSet>();
  const place = (set: PairSet): GpuSet => {
    let g = sets.get(set);
    if (!g) {
      if (set.size !== 14) throw new Error("webgpu engine: the seed-000 models take 14×14 pairs");
      g = {
        set,
        images: dataFloats,
        target: ints.length,
        classes: ints.length + set.n,
        identity: ints.length + 3 * set.n,
      };
      images.push(set.imagesNHWC);
      dataFloats += set.n * PAIR_FLOATS;
      ints.push(...set.target, ...set.classes, ...Array.from({ length: set.n }, (_, i) => i));
      sets.set(set, g);
    }
    return g;
  };
  let workFloats = 0, paramFloats = 0, outcomeFloats = 0;
  const work = { floats: (k: number) => (workFloats += k) - k };
  const runs: RunState[] = group.map(({ job, saved }) => {
    const { model, rng: init } = buildModel(job.cfg);
    const train = place(job.data.train), test = place(job.data.test);
    const at = {
      order: ints.length,
      rng: ints.length + n,
      trainOutcomes: outcomeFloats,
      testOutcomes: outcomeFloats + 2 * n,
    };
    ints.push(...new Array(n).fill(0), ...init.getState().s);
    outcomeFloats += 2 * (n + nTest);
    const gm = new GpuPairModel(model, paramFloats, work, B, Math.max(B, EVAL_PAIRS), at, lossWeights(job.cfg));
    paramFloats += gm.params.values.length;
    model.dispose(); // its weights are copied; its Dropouts' generator (init) keeps drawing, on the GPU
    return {
      job,
      model: gm,
      init,
      order: orderRng(job.cfg),
      train,
      test,
      history: saved?.meta.history ?? [],
      stopped: null,
      seconds: saved?.meta.seconds ?? 0,
      resumedEpochs,
    };
  });
  const params = new Float32Array(paramFloats);
  for (const r of runs) params.set(r.model.params.values, r.model.params.base);
  const data = new Float32Array(dataFloats);
  let off = 0;
  for (const im of images) data.set(im, (off += im.length) - im.length);
  const steps = Math.ceil(n / B), chunks = Math.ceil(nTest / EVAL_PAIRS);
  const engine = await Lockstep.create(gpu, {
    params,
    data,
    ints: Uint32Array.from(ints),
    work: workFloats,
    outcomes: outcomeFloats,
    slots: steps + chunks,
    kernels: KERNELS,
  });
  let adamSteps = restore(engine, runs, group.map((g) => g.saved));
  const programs = new Map<string, Program>();
  const program = async (kind: "train" | "eval", pairs: number) => {
    const key = `${kind}${pairs}`;
    if (!programs.has(key)) {
      const items = runs.flatMap((r) =>
        kind === "train" ? r.model.trainItems(r.train, pairs) : r.model.evalItems(r.test, pairs)
      );
      programs.set(key, await engine.program(items));
    }
    return programs.get(key)!;
  };
  const trainPrograms = [await program("train", B), await program("train", n - (steps - 1) * B)];
  const evalPrograms = [await program("eval", EVAL_PAIRS), await program("eval", nTest - (chunks - 1) * EVAL_PAIRS)];
  const schedule = stepLR(cfg.lr, cfg.gamma);
  const epochSeconds: number[] = [];
  const counted = { ...engine.counters };
  for (let epoch = resumedEpochs; epoch < cfg.epochs; epoch++) {
    const t0 = performance.now(), lr = schedule(epoch);
    for (const r of runs) engine.write("ints", r.model.at.order, Uint32Array.from(r.order.permutation(n)));
    const scalars: StepScalars[] = [];
    for (let s = 0; s < steps; s++) scalars.push({ base: s * B, adam: adamScalars(++adamSteps, lr) });
    for (let c = 0; c < chunks; c++) scalars.push({ base: c * EVAL_PAIRS, adam: [0, 0, 0, 0] });
    engine.writeSteps(scalars);
    engine.run([
      ...Array.from({ length: steps }, (_, s) => ({ program: trainPrograms[s === steps - 1 ? 1 : 0], slot: s })),
      ...Array.from({ length: chunks }, (_, c) => ({
        program: evalPrograms[c === chunks - 1 ? 1 : 0],
        slot: steps + c,
      })),
    ]);
    const [outcomes] = await engine.read([{ name: "outcomes", floats: outcomeFloats }]);
    const seconds = (performance.now() - t0) / 1000;
    epochSeconds.push(seconds);
    for (const r of runs) {
      if (r.stopped) continue;
      const row = epochRow(r, outcomes, epoch, lr, seconds / runs.length);
      r.history.push(row);
      r.seconds += row.seconds;
      const bad = [["training", row.trainLoss], ["test", row.testLoss!]].find(([, v]) => !Number.isFinite(v));
      if (bad) r.stopped = `${bad[0]} loss became ${bad[1]} in epoch ${epoch + 1}: lower the learning rate ${NAN_HINT}`;
    }
    if (!group[0].job.opts.silent) {
      const last = runs.length === 1 ? `: ${formatRow(runs[0].history.at(-1)!)}` : "";
      console.error(`webgpu: ${runs.length} runs, epoch ${epoch + 1}/${cfg.epochs} in ${seconds.toFixed(2)} s${last}`);
    }
    const every = cfg.epochs > epoch + 1 ? group[0].job.opts.checkpointEvery : 0;
    if (every && (epoch + 1) % every === 0) await checkpoint(engine, runs, paramFloats, adamSteps);
  }
  const perEpoch = (k: keyof typeof counted) =>
    (engine.counters[k] - counted[k]) / Math.max(1, cfg.epochs - resumedEpochs);
  report?.({
    runs: runs.length,
    dispatchesPerStep: trainPrograms[0].length,
    dispatchesPerEvalChunk: evalPrograms[0].length,
    stepsPerEpoch: steps,
    commandBuffersPerEpoch: perEpoch("commandBuffers"),
    readbacksPerEpoch: perEpoch("readbacks"),
    parameterBytes: 4 * paramFloats,
    momentBytes: 8 * paramFloats,
    workBytes: 4 * workFloats,
    epochSeconds,
    adapter: gpu.description,
    fallbackAdapter: gpu.fallback,
  });
  for (const b of Object.values(engine.buffers)) b.destroy();
  return runs.map((r) => ({
    history: r.history,
    stopped: r.stopped,
    seconds: r.seconds,
    parameters: r.model.parameterCount,
    resumedEpochs: r.resumedEpochs,
  }));
}

/** The native engine's sums: mean over the epoch's pairs of each pair's loss, and of its correctness. */
function epochRow(r: RunState, outcomes: Float32Array, epoch: number, lr: number, seconds: number): HistoryRow {
  const mean = (start: number, count: number) => {
    let loss = 0, correct = 0;
    for (let i = 0; i < count; i++) {
      loss += outcomes[start + 2 * i];
      correct += outcomes[start + 2 * i + 1];
    }
    return { loss: loss / count, accuracy: correct / count };
  };
  const train = mean(r.model.at.trainOutcomes, r.job.cfg.trainSize);
  const test = mean(r.model.at.testOutcomes, r.job.cfg.testSize);
  return {
    epoch: epoch + 1,
    lr,
    trainLoss: train.loss,
    trainAccuracy: train.accuracy,
    testLoss: test.loss,
    testAccuracy: test.accuracy,
    seconds,
  };
}

const STATE = [["params", "params"], ["adam.m", "mom1"], ["adam.v", "mom2"]] as const;

/** Parameters, moments and generators from each run's checkpoint (if any); the Adam step count. */
function restore(engine: Lockstep, runs: RunState[], saved: (Saved | null)[]): number {
  let adamSteps = 0;
  runs.forEach((r, i) => {
    const s = saved[i];
    if (!s) return;
    const { base, values } = r.model.params, path = r.job.opts.checkpointPath;
    for (const [name, buffer] of STATE) {
      const t = s.tensors.get(name);
      if (!t || t.data.length !== values.length) {
        throw new Error(`${path}: ${name} missing or of another size; delete the checkpoint to restart the run`);
      }
      engine.write(buffer, base, t.data);
    }
    for (const [name, rng] of [["init", r.init], ["order", r.order]] as const) {
      const g = s.meta.generators[name];
      if (!g) throw new Error(`${path}: no state for generator '${name}'; delete it to restart the run`);
      rng.setState(g);
    }
    engine.write("ints", r.model.at.rng, Uint32Array.from(r.init.getState().s));
    adamSteps = s.scalars.adamSteps;
  });
  return adamSteps;
}

/** Every run's checkpoint, in the native engine's format (one read for all runs). */
async function checkpoint(engine: Lockstep, runs: RunState[], floats: number, adamSteps: number): Promise<void> {
  const intFloats = Math.max(...runs.map((r) => r.model.at.rng + 4));
  const [p, m, v, ints] = await engine.read([
    { name: "params", floats },
    { name: "mom1", floats },
    { name: "mom2", floats },
    { name: "ints", floats: intFloats },
  ]);
  const words = new Uint32Array(ints.buffer);
  for (const r of runs) {
    const { base, values } = r.model.params, at = r.model.at.rng;
    r.init.setState({ s: [words[at], words[at + 1], words[at + 2], words[at + 3]], spare: r.init.getState().spare });
    const slice = (b: Float32Array) => ({ shape: [values.length], data: b.slice(base, base + values.length) });
    await saveCheckpoint(r.job.opts.checkpointPath, {
      tensors: [["params", slice(p)], ["adam.m", slice(m)], ["adam.v", slice(v)]],
      scalars: { adamSteps },
    }, {
      history: r.history,
      seconds: r.seconds,
      steps: adamSteps,
      generators: { init: r.init.getState(), order: r.order.getState() },
    });
  }
}
