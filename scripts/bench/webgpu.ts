/**
 * The webgpu engine's part of the bench: the seed grid in lockstep on the adapter at hand, with the
 * engine's counters — dispatches per lockstep step and per evaluation chunk, command buffers and
 * readbacks per epoch, bytes of parameters, Adam moments and activations — and its time per
 * lockstep step. On a real GPU it trains every run of the default grid (1,200) for `epochs` epochs
 * at the grid's sizes; on a software adapter (llvmpipe: correctness only, slower than the CPU) a
 * few shapes of it on a few pairs. The full grid's GPU time is projected from the counters: per
 * step, the bytes the kernels move at a fraction of the memory bandwidth plus a fixed cost per
 * dispatch, ×20,000 steps; the assumptions are written beside the projection.
 */
import { initBackend } from "../../lib/tf.ts";
import { hasRealGpu } from "../../lib/webgpu/device.ts";
import { gridRuns, runId, SEED_GRID, type SiameseRunConfig } from "../siamese_grid/config.ts";
import { trunkOutputSide } from "../siamese_grid/siamese.ts";
import { RoundDataCache } from "../siamese_grid/data.ts";
import { loadResults } from "../siamese_grid/summary.ts";
import { type LockstepJob, type LockstepStats, trainRunsWebgpu } from "../siamese_grid/webgpu_run.ts";

/** Bytes a lockstep step moves per parameter: Adam reads and writes p, m, v; forward and dx read W. */
const BYTES_PER_PARAMETER_STEP = 32;
const GRID_STEPS = 20 * 1000;
/** Projection assumptions for an H100/H200-class GPU (nominal HBM bandwidth, fraction reached, per-dispatch cost). */
const ASSUMED = { bandwidthBytesPerSecond: 4.8e12, efficiency: [0.3, 0.6], secondsPerDispatch: 8e-6 };

export async function benchLockstep(
  base: SiameseRunConfig,
  opts: { quick: boolean; epochs?: number },
): Promise<Record<string, unknown>> {
  await initBackend("wasm"); // tfjs draws the initial weights only
  const real = await hasRealGpu();
  const epochs = opts.epochs ?? (opts.quick ? 1 : 2);
  const grid = gridRuns(SEED_GRID, { ...base, epochs });
  const runs = real && !opts.quick
    ? grid
    : grid.filter((r) => r.round === 0 && r.alpha === 0.5 && r.hidden === 32 && r.channels <= 4)
      .map((r) => ({ ...r, trainSize: 20, testSize: 20 }));
  console.log(
    `webgpu engine (lib/webgpu, lockstep): ${runs.length} runs × ${epochs} epochs × ${runs[0].trainSize} pairs` +
      (real ? "" : " on a software adapter (correctness only)"),
  );
  const dir = await Deno.makeTempDir();
  const cache = new RoundDataCache();
  const jobs: LockstepJob[] = [];
  for (const cfg of runs) {
    const d = await cache.get(cfg);
    jobs.push({
      cfg,
      data: { train: d.train.set, test: d.test.set },
      opts: { checkpointPath: `${dir}/${runId(cfg)}.safetensors`, checkpointEvery: 1e9, label: "", silent: true },
    });
  }
  let stats: LockstepStats | null = null;
  const t0 = performance.now();
  await trainRunsWebgpu(jobs, () => Promise.resolve(), (s) => (stats = s));
  const seconds = (performance.now() - t0) / 1000;
  await Deno.remove(dir, { recursive: true });
  cache.dispose();
  const s = stats! as LockstepStats;
  // The last epoch: pipelines compiled and tables built before the first.
  const epochSeconds = s.epochSeconds.at(-1)!;
  const msPerLockstepStep = (1000 * epochSeconds) / s.stepsPerEpoch;
  console.log(
    `  ${s.dispatchesPerStep} dispatches per lockstep step, ${s.commandBuffersPerEpoch} command buffers and ` +
      `${s.readbacksPerEpoch} readback(s) per epoch; ${mib(s.parameterBytes)} MiB parameters, ` +
      `${mib(s.momentBytes)} MiB moments, ${mib(s.workBytes)} MiB activations; ` +
      `${msPerLockstepStep.toFixed(2)} ms per lockstep step (test pass included) on ${s.adapter}`,
  );
  return {
    backend: "webgpu-lockstep",
    adapter: s.adapter,
    fallbackAdapter: s.fallbackAdapter,
    runs: s.runs,
    epochs,
    trainSize: runs[0].trainSize,
    counters: {
      dispatchesPerLockstepStep: s.dispatchesPerStep,
      dispatchesPerEvalChunk: s.dispatchesPerEvalChunk,
      stepsPerEpoch: s.stepsPerEpoch,
      commandBuffersPerEpoch: s.commandBuffersPerEpoch,
      readbacksPerEpoch: s.readbacksPerEpoch,
      readbacksInsideAnEpoch: 0,
      parameterBytes: s.parameterBytes,
      momentBytes: s.momentBytes,
      workBytes: s.workBytes,
    },
    epochSeconds: s.epochSeconds,
    msPerLockstepStep,
    totalSeconds: seconds,
    fullGridProjection: projectGrid(grid, s),
  };
}

/** The full grid's GPU seconds from bytes and dispatches per step (assumptions in ASSUMED). */
function projectGrid(grid: SiameseRunConfig[], s: LockstepStats) {
  const gridParameters = grid.reduce((n, r) => n + siameseParameters(r), 0);
  const bytesPerStep = gridParameters * BYTES_PER_PARAMETER_STEP;
  const fixed = s.dispatchesPerStep * ASSUMED.secondsPerDispatch;
  const [slow, fast] = ASSUMED.efficiency.map((e) =>
    GRID_STEPS * (bytesPerStep / (ASSUMED.bandwidthBytesPerSecond * e) + fixed)
  );
  return {
    gridRuns: grid.length,
    gridParameters,
    bytesPerLockstepStep: bytesPerStep,
    secondsRange: [fast, slow],
    assumptions: {
      ...ASSUMED,
      bytesPerParameterStep: BYTES_PER_PARAMETER_STEP,
      steps: GRID_STEPS,
      note:
        "projection, not a measurement; test passes (≈ a third of a step's arithmetic per pair, no Adam) not counted",
    },
  };
}

/** Parameters of a seed-000 siamese model with one trunk (siamese.ts): conv k×k 1→c, c→2c, FC side²·2c→n→10, combiner 20→256→256→1. */
function siameseParameters(r: SiameseRunConfig): number {
  const { k, channels: c, hidden: n } = r, side = trunkOutputSide(r.architecture, k);
  const trunk = k * k * c + c + k * k * c * 2 * c + 2 * c + side * side * 2 * c * n + n + n * 10 + 10;
  return (r.weightSharing ? 1 : 2) * trunk + 20 * 256 + 256 + 256 * 256 + 256 + 256 + 1;
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

/** Final test accuracy of a results folder's grid runs: grand mean, mean per α, per run. */
async function gridAccuracy(dir: string) {
  const index = JSON.parse(await Deno.readTextFile(`${dir}/grid-index.json`)) as { runIds: string[] };
  const results = await loadResults(dir, index.runIds);
  const byAlpha = new Map<number, number[]>();
  for (const { config: { alpha }, final } of results) {
    if (alpha !== null) byAlpha.set(alpha, [...(byAlpha.get(alpha) ?? []), final.testAccuracy]); // no aux: no α
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    engine: [...new Set(results.map((r) => r.final.engine))].join(","),
    runs: results.length,
    seconds: results.reduce((s, r) => s + r.seconds, 0),
    grandMean: mean(results.map((r) => r.final.testAccuracy)),
    perAlpha: Object.fromEntries([...byAlpha].sort(([a], [b]) => a - b).map(([a, xs]) => [a, mean(xs)])),
    perRun: new Map(results.map((r) => [r.run, r.final.testAccuracy])),
  };
}

/**
 * `deno run -A scripts/bench/webgpu.ts compare <webgpu out> <native out> <json>`: the accuracy
 * distributions of one grid trained by both engines (target: grand and per-α means within 0.1 points).
 */
if (import.meta.main && Deno.args[0] === "compare") {
  const [, a, b, out] = Deno.args;
  const [x, y] = [await gridAccuracy(a), await gridAccuracy(b)];
  const deltas = [...x.perRun].filter(([id]) => y.perRun.has(id)).map(([id, acc]) => Math.abs(acc - y.perRun.get(id)!));
  const points = (d: number) => 100 * d;
  const doc = {
    schema: "tsdl-engine-comparison/1",
    [x.engine]: { ...x, perRun: undefined },
    [y.engine]: { ...y, perRun: undefined },
    grandMeanDeltaPoints: points(x.grandMean - y.grandMean),
    perAlphaDeltaPoints: Object.fromEntries(
      Object.entries(x.perAlpha).map(([k, v]) => [k, points(v - (y.perAlpha[Number(k)] ?? NaN))]),
    ),
    runsCompared: deltas.length,
    runsIdentical: deltas.filter((d) => d === 0).length,
    maxRunDeltaPoints: points(Math.max(0, ...deltas)),
  };
  await Deno.writeTextFile(out, JSON.stringify(doc, null, 2));
  console.log(JSON.stringify(doc, null, 2));
}
