/**
 * bench — how fast training steps are on each backend, written as JSON under results/bench/.
 *
 * The native engine (lib/native, our WebAssembly SIMD kernels, one model at a time): one seed-000
 * model (k=3 c=16 n=128, batch 1) per step, and the full default grid's projected time from the
 * per-step time of every grid shape (240 configurations × 5 rounds × 20 epochs × 1000 steps).
 * Per tfjs backend: a 1024² matMul in GFLOP/s and one seed-000 model (k=3 c=16 n=128, batch 1) per
 * step. Per tfjs backend also one training step of each experiment's model (experiments.ts), and the
 * same steps in PyTorch when Debian's python3 has torch (pytorch_steps.py); `--experiments` runs only
 * those. Timings are wall-clock on a shared machine: compare ratios from one run, not across runs.
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag } from "../../lib/cli/args.ts";
import { matMulGflops, nativeStepMs, singleStepMs } from "./step_time.ts";
import { benchExperiments, type ExperimentTiming, pytorchReference, withExperiments } from "./experiments.ts";
import { gridRuns, SEED_GRID, shapeKey } from "../siamese_grid/config.ts";
import type { SiameseRunConfig } from "../siamese_grid/config.ts";
import { writeJsonAtomic } from "../../lib/report/atomic.ts";
import { environment } from "../../lib/report/results.ts";
import { Progress } from "../../lib/report/progress.ts";
import { printReportPage } from "../../lib/report/page.ts";
import { writeFigures } from "./figures.ts";
import { benchLockstep } from "./webgpu.ts";

const { backend: _b, seed: _s, ...common } = commonFlags("bench");
const flags = cli(
  {
    ...common,
    backends: flag.strings(
      ["native", "lockstep", "wasm", "cpu", "webgpu"],
      "engines to measure: native, lockstep (the webgpu engine: all grid runs at once), or a tfjs backend",
      { choices: ["native", "lockstep", "wasm", "cpu", "webgpu"] },
    ),
    experiments: flag.boolean(
      "time only one training step of each experiment's model (uva-convnet, basics-cnn, adversarial-pgd10, " +
        "cnn-scratch-autodiff, cnn-scratch-handwritten, readme-cnn), and PyTorch's where python3 has torch",
    ),
  },
  "deno task bench",
  "Time training steps per backend and project the full siamese grid's duration.",
);
const quick = flags.quick;
const base: SiameseRunConfig = {
  model: "siamese",
  architecture: 5,
  k: 3,
  channels: 16,
  hidden: 128,
  weightSharing: true,
  aux: true,
  alpha: 0.5,
  round: 0,
  epochs: 20,
  batchSize: 1,
  lr: 1e-3,
  gamma: 0.9,
  dropout: 0.2,
  trainSize: 1000,
  testSize: 1000,
  normalize: false,
  seed: 0,
};
const STEPS_PER_RUN = 20 * 1000;

/** Per-shape ms per model-step → the full grid (25 runs a shape) in hours, one process and two. */
function projectGrid(perShape: { shape: string; msPerModelStep: number }[], shapes: number, how: string) {
  const seconds = perShape.reduce((s, p) => s + (p.msPerModelStep / 1000) * STEPS_PER_RUN * 25, 0) *
    (shapes / perShape.length);
  const cores = navigator.hardwareConcurrency;
  const projection = {
    runs: shapes * 25,
    oneProcessHours: seconds / 3600,
    twoProcessHours: seconds / 3600 / 2,
    cores,
    allCoresHours: seconds / 3600 / cores,
    note: `${how}, 20 epochs × 1000 steps per run, evaluation (≈ 20 % more) not counted; n processes assume n free ` +
      "cores" +
      (perShape.length < shapes ? `; extrapolated from ${perShape.length} shapes` : ""),
    perShape,
  };
  console.log(
    `  full grid projection: ${projection.oneProcessHours.toFixed(2)} h in one process, ${
      projection.twoProcessHours.toFixed(2)
    } h on two cores${
      cores > 2 ? `, ${(projection.allCoresHours * 60).toFixed(1)} min on this machine's ${cores}` : ""
    }`,
  );
  return projection;
}

const gridShapes = [...new Map(gridRuns(SEED_GRID, { ...base }).map((r) => [shapeKey(r), r])).values()];
/** --quick times 2 shapes and extrapolates. */
const timedShapes = quick ? gridShapes.slice(0, 2) : gridShapes;

async function benchNative() {
  const info = await initBackend("wasm"); // tfjs draws the initial weights only
  console.log("native engine (lib/native: WebAssembly SIMD kernels, one model at a time)");
  const singleMs = await nativeStepMs(base, quick ? 300 : 3000);
  console.log(`  one model, batch 1: ${singleMs.toFixed(3)} ms/step`);
  const bar = new Progress("  grid shapes", timedShapes.length, { unit: "shape" });
  const perShape = [];
  for (const s of timedShapes) {
    perShape.push({ shape: shapeKey(s), msPerModelStep: await nativeStepMs(s, 600) });
    bar.tick();
  }
  bar.finish();
  const projection = projectGrid(perShape, gridShapes.length, "one model at a time");
  return { backend: "native", environment: environment(info), singleModelMsPerStep: singleMs, projection };
}

const report: Record<string, unknown>[] = [];
const experiments: ExperimentTiming[] = [];
/** PyTorch's steps, timed beside wasm's (see benchExperiments); the whole reference at the end otherwise. */
const reference: ExperimentTiming[] = [];
for (const name of flags.backends) {
  if (name === "lockstep") {
    if (!flags.experiments) report.push(await benchLockstep(base, { quick }));
    continue;
  }
  if (name === "native") {
    if (flags.experiments) continue;
    report.push(await benchNative());
    continue;
  }
  const info = await initBackend(name as "wasm" | "cpu" | "webgpu").catch((
    e,
  ) => (console.error(`${name}: ${e.message}`), null));
  if (!info) continue;
  console.log(describeBackend(info));
  // The cpu backend and WebGPU on a software adapter are slow: fewer repetitions.
  const slow = name === "cpu" || (name === "webgpu" && info.adapterIsFallback !== false);
  const beside = name === "wasm" && reference.length === 0 ? reference : undefined;
  experiments.push(...await benchExperiments(name, { quick, slow, reference: beside }));
  if (flags.experiments) continue;
  const gflops = await matMulGflops(1024, slow ? 3 : 10);
  const singleMs = await singleStepMs(base, quick ? 10 : slow ? 20 : 200);
  console.log(`  matMul 1024²: ${gflops.toFixed(1)} GFLOP/s; one model, batch 1: ${singleMs.toFixed(2)} ms/step`);
  report.push({
    backend: name,
    environment: environment(info),
    matMul1024Gflops: gflops,
    singleModelMsPerStep: singleMs,
  });
}
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const doc = {
  schema: "tsdl-bench/1",
  createdAt: new Date().toISOString(),
  model: "siamese a5 k3 c16 n128, batch 1, Adam",
  targets: { singleModelMsPerStep: 2.5, gridMinutes: 45 },
  results: report,
  experiments,
  pytorchReference: reference.length > 0 ? reference : await pytorchReference(quick),
};
await writeJsonAtomic(`${flags.out}/bench-${stamp}.json`, doc);
await writeJsonAtomic(
  `${flags.out}/latest.json`,
  flags.experiments ? await withExperiments(`${flags.out}/latest.json`, doc) : doc,
);
const figures = await writeFigures(flags.out);
console.log(`wrote ${flags.out}/bench-${stamp}.json, ${figures.join(", ")}`);
await printReportPage(flags.out);
