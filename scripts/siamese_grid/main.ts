/**
 * siamese-grid — which of two MNIST digits is larger (seed 000, EPFL EE-559 mini-project 1).
 *
 * Trains the seed's siamese CNN on 1000 pairs of 14×14 MNIST digits over its grid
 * (k × channels × hidden × α, 5 rounds, 20 epochs, batch 1, Adam 1e-3, StepLR 0.9), saving every
 * run as it completes and resuming where a previous invocation stopped; or, with --study, the 2×2
 * comparison {weight sharing, none} × {auxiliary loss, none} plus an MLP baseline over ≥ 10 rounds.
 *
 *   deno task siamese-grid                      # the full grid
 *   deno task siamese-grid --quick              # a tiny grid in about a minute
 *   deno task siamese-grid --study              # the 2×2 study
 *   deno task siamese-grid --shard 0/4          # a quarter of the grid (Slurm array task, …)
 *   deno task siamese-grid --workers 2          # two local worker processes, then the summary
 *
 * Runs train on the native engine (lib/native: our WebAssembly SIMD kernels), one process per core,
 * or on a real GPU all at once in lockstep on the webgpu engine (lib/webgpu, webgpu_run.ts): what
 * `--engine auto` picks (engine.ts). `--engine tfjs` trains each run with tfjs autodiff on the chosen
 * backend. The native and tfjs steps go through lib/train's `fit`; the lockstep has its own epoch loop.
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, wasGiven } from "../../lib/cli/args.ts";
import { above, between, count, positive } from "../../lib/cli/checks.ts";
import { UsageError } from "../../lib/cli/errors.ts";
import { type Architecture, ARCHITECTURES } from "./siamese.ts";
import { type Common, gridRuns, MAX_PAIRS, type RunConfig, runId, SEED_GRID, studyRuns } from "./config.ts";
import { type RoundData, RoundDataCache } from "./data.ts";
import { type RunOutcome, trainRun } from "./run.ts";
import { trainRunNative } from "./native_run.ts";
import { type LockstepJob, trainRunsWebgpu } from "./webgpu_run.ts";
import { loadCheckpoint } from "../../lib/train/checkpoint.ts";
import { type EngineChoice, ENGINES, resolveEngine } from "./engine.ts";
import {
  loadResults,
  recordIndex,
  type RunFinal,
  type RunIndex,
  runPath,
  type SiameseResult,
  summarize,
} from "./summary.ts";
import { writeFigures } from "./figures.ts";
import { printReportPage } from "../../lib/report/page.ts";
import { parseShard, type Shard, shardOf } from "./grid.ts";
import { claimRun, releaseClaim, removeClaimsDirIfEmpty, removeStaleClaims, runWorkers } from "./workers.ts";
import { environment, makeResult, writeResult } from "../../lib/report/results.ts";
import {
  quarantine,
  removeStaleTemporaries,
  removeTemporaries,
  removeWithTemporaries,
} from "../../lib/report/atomic.ts";
import { Progress } from "../../lib/report/progress.ts";

const FLAGS = {
  ...commonFlags("siamese-grid"),
  study: flag.boolean("run the 2×2 study (sharing × aux) + MLP baseline instead of the grid"),
  arch: flag.ints([5], "trunk architectures 1–5 of the seed (the grid uses 5)"),
  k: flag.ints(SEED_GRID.k, "kernel sizes 1–5 (architecture 5; a larger k leaves no pixels)", {
    check: between(1, 5),
  }),
  channels: flag.ints(SEED_GRID.channels, "channels c of the first conv, 1–512 (the second has 2c)", {
    check: between(1, 512),
  }),
  hidden: flag.ints(SEED_GRID.hidden, "hidden units n of the FC head, 1–8192", { check: between(1, 8192) }),
  alpha: flag.numbers(SEED_GRID.alpha, "α ∈ [0, 1]: weight of the comparison BCE; each digit CE gets (1−α)/2", {
    check: between(0, 1),
  }),
  rounds: flag.int(5, "rounds (fresh pairs and init per round), 1–1000; --study: 10", { check: between(1, 1000) }),
  epochs: flag.int(20, "epochs per run, 1–10000", { check: between(1, 10000) }),
  "batch-size": flag.int(1, "training minibatch size (at most --train-size)", { check: positive }),
  lr: flag.number(1e-3, "Adam learning rate, in (0, 10]", { check: above(0, 10) }),
  gamma: flag.number(0.9, "StepLR decay per epoch, in (0, 1]", { check: above(0, 1) }),
  "train-size": flag.int(1000, `pairs drawn from MNIST's 60000 training images, 1–${MAX_PAIRS.train}`, {
    check: count(MAX_PAIRS.train, "two distinct images per pair"),
  }),
  "test-size": flag.int(1000, `pairs drawn from MNIST's 10000 test images, 1–${MAX_PAIRS.test}`, {
    check: count(MAX_PAIRS.test, "two distinct images per pair"),
  }),
  dropout: flag.number(0.2, "dropout probability everywhere", {
    check: (v) => (v >= 0 && v < 1) || "must be in [0, 1)",
  }),
  "no-sharing": flag.boolean("grid without weight sharing (two trunks)"),
  "no-aux": flag.boolean("grid without the auxiliary digit loss (α ignored)"),
  normalize: flag.boolean("standardise pixels with the train mean/std (the seed keeps 0–255)"),
  "mlp-hidden": flag.int(512, "hidden units of the MLP baseline, 1–8192 (392→n→n→1; the seed's basic_net size)", {
    check: between(1, 8192),
  }),
  "checkpoint-every": flag.int(5, "epochs between checkpoints of a running model", { check: positive }),
  fresh: flag.boolean("ignore and overwrite earlier results of this grid"),
  shard: flag.string("", "run only shard i/n of the run list (e.g. 0/4); summarise with `deno task report`", {
    check: (v) => v === "" || !!parseShard(v),
  }),
  engine: flag.string(
    "auto",
    "native (own WebAssembly SIMD kernels, CPU), webgpu (own WGSL kernels, all runs in lockstep on one GPU), tfjs (autodiff on --backend); auto: webgpu on a real GPU adapter, else native",
    {
      choices: ENGINES,
    },
  ),
  workers: flag.int(
    navigator.hardwareConcurrency,
    "local worker processes to run in parallel, then summarise (1–256; with --engine tfjs or --shard: 1)",
    { check: between(1, 256), shown: `one per core: ${navigator.hardwareConcurrency}` },
  ),
  claim: flag.boolean("worker mode (set by --workers): train claimed runs, leave the summary to the parent"),
};

const flags = cli(
  FLAGS,
  "deno task siamese-grid",
  "Siamese CNNs comparing two MNIST digits: the seed-000 grid and the 2×2 study.",
);
for (const a of flags.arch) {
  if (!(ARCHITECTURES as readonly number[]).includes(a)) {
    throw new UsageError(`--arch ${a}: architectures are ${ARCHITECTURES.join(", ")}`);
  }
}
if (wasGiven("shard") && !flags.shard) throw new UsageError("--shard needs a value i/n, e.g. 0/4");
if (flags["batch-size"] > flags["train-size"]) {
  throw new UsageError(`--batch-size ${flags["batch-size"]} is larger than --train-size ${flags["train-size"]}`);
}
const out = flags.out;

const quick = flags.quick;
const pick = <T>(name: string, value: T, quickValue: T): T => (quick && !wasGiven(name) ? quickValue : value);
const common: Common = {
  epochs: pick("epochs", flags.epochs, 2),
  batchSize: flags["batch-size"],
  lr: flags.lr,
  gamma: flags.gamma,
  dropout: flags.dropout,
  trainSize: flags["train-size"],
  testSize: flags["test-size"],
  normalize: flags.normalize,
  seed: flags.seed,
};
const runs: RunConfig[] = flags.study
  ? studyRuns(
    {
      architecture: flags.arch[0] as Architecture,
      k: pick("k", wasGiven("k") ? flags.k[0] : 3, 3),
      channels: wasGiven("channels") ? flags.channels[0] : 16,
      hidden: wasGiven("hidden") ? flags.hidden[0] : 128,
      alpha: wasGiven("alpha") ? flags.alpha[0] : 0.5,
    },
    pick("rounds", wasGiven("rounds") ? flags.rounds : 10, 1),
    flags["mlp-hidden"],
    common,
  )
  : gridRuns({
    architecture: flags.arch as Architecture[],
    k: pick("k", flags.k, [3]),
    channels: pick("channels", flags.channels, [4, 8]),
    hidden: pick("hidden", flags.hidden, [32]),
    alpha: pick("alpha", flags.alpha, [0.5, 1]),
    weightSharing: [!flags["no-sharing"]],
    aux: [!flags["no-aux"]],
    rounds: pick("rounds", flags.rounds, 1),
  }, common);

const kind = flags.study ? "study" : "grid";
// The folder's index: this invocation's runs added to those of earlier ones (the summary covers all).
const index: RunIndex = await recordIndex(out, {
  schema: "tsdl-siamese-index/1",
  kind,
  description: flags.study ? "2×2 study: weight sharing × auxiliary loss, plus MLP baseline" : "seed-000 grid",
  runIds: runs.map(runId),
});

const engine = await resolveEngine(flags.engine as EngineChoice);
if (engine === "native" && wasGiven("backend")) {
  console.error(
    "note: the native engine trains one model per process on the CPU; --backend only applies to --engine tfjs",
  );
}
// The native engine uses tfjs only to build each model (weights drawn by our own generator), which
// wasm does quickly on any machine; on a GPU host, one worker per core would otherwise each open a WebGPU device.
const backend = await initBackend(engine === "native" || engine === "webgpu" ? "wasm" : flags.backend as never);
console.error(`${describeBackend(backend)}; engine ${engine}`);

const workers = wasGiven("workers") || (engine === "native" && !flags.shard) ? flags.workers : 1;
const shard: Shard | null = flags.shard ? parseShard(flags.shard) : null;
const mine = shard ? shardOf(runs, shard) : runs;
// What a killed process left: claims of dead processes, their temporary files.
await removeStaleClaims(out);
await removeStaleTemporaries(out);
if (workers > 1 && !flags.claim) {
  if (flags.fresh) await removeResults(mine);
  const passOn = Deno.args.filter((a, i, all) =>
    !a.startsWith("--workers") && all[i - 1] !== "--workers" && a !== "--fresh"
  );
  const complete = (await loadResults(out, mine.map(runId))).length;
  await runWorkers(import.meta.filename!, passOn, workers, out, mine.length - complete);
  await finish();
  Deno.exit(0);
}
if (flags.fresh) await removeResults(mine);

/** --fresh: the runs' result files, checkpoints and any temporary files a kill left. */
async function removeResults(list: RunConfig[]): Promise<void> {
  for (const cfg of list) {
    await removeWithTemporaries(runPath(out, runId(cfg)));
    await removeWithTemporaries(checkpointPath(runId(cfg)));
  }
}
const done = new Set((await loadResults(out, mine.map(runId))).map((r) => r.run));
const todo = mine.filter((cfg) => !done.has(runId(cfg)));
// A kill between saving a run and removing its checkpoint leaves the checkpoint of a finished run.
for (const id of done) await removeWithTemporaries(checkpointPath(id));
console.error(
  `${kind}: ${runs.length} runs${shard ? `, shard ${shard.index}/${shard.count}: ${mine.length}` : ""}; ` +
    `${done.size} already complete, ${todo.length} to run → ${out}/runs/`,
);

function checkpointPath(id: string): string {
  return `${out}/checkpoints/${id}.safetensors`;
}

const env = environment(backend);
const cache = new RoundDataCache();
const gridBar = new Progress(kind, todo.length, { unit: "run", logEverySeconds: 60 });
let trained = 0;
if (engine === "webgpu") await trainLockstep();
for (const cfg of engine === "webgpu" ? [] : todo) {
  const id = runId(cfg);
  // Every process claims a run before training it: workers, shards and a second invocation alike.
  if (!(await claimRun(out, id))) continue;
  // Another process may have finished it between our look at the folder and the claim.
  if ((await loadResults(out, [id])).length) {
    await releaseClaim(out, id);
    continue;
  }
  const outcome = await trainOrRestart(cfg, id, await cache.get(cfg));
  const final = await saveRun(cfg, outcome);
  trained++;
  if (outcome.stopped) gridBar.log(`! ${id}: ${outcome.stopped}`);
  gridBar.tick(1, `last: ${(100 * final.testAccuracy).toFixed(1)}% test`);
  // This process owned the run: its checkpoint, any temporary file a kill left and its claim go.
  await removeWithTemporaries(checkpointPath(id));
  await releaseClaim(out, id);
}
gridBar.finish();
cache.dispose();
if (todo.length) {
  const others = todo.length - trained;
  console.error(`trained ${trained} runs${others ? `; ${others} were claimed or finished by other processes` : ""}`);
}
if (!flags.claim) await finish();

/** Trains a run, from its checkpoint if any; a damaged checkpoint is moved aside and the run restarts. */
async function trainOrRestart(cfg: RunConfig, id: string, data: RoundData): Promise<RunOutcome> {
  const label = `  ${id.replace(/-[0-9a-f]{8}$/, "")}`;
  const opts = { checkpointPath: checkpointPath(id), checkpointEvery: flags["checkpoint-every"], label };
  const train = () =>
    engine === "native"
      ? trainRunNative(cfg, { train: data.train.set, test: data.test.set }, opts)
      : trainRun(cfg, data, opts);
  try {
    return await train();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const exists = await Deno.stat(opts.checkpointPath).then(() => true, () => false);
    if (!exists || !message.includes(opts.checkpointPath)) throw e;
    console.error(await quarantine(opts.checkpointPath, message.split(": ").slice(1).join(": ").slice(0, 120)));
    return await train();
  }
}

/**
 * --engine webgpu: every run this process claims trains in lockstep on the GPU (webgpu_run.ts);
 * each is saved, and its checkpoint and claim removed, as its lockstep group finishes.
 */
async function trainLockstep(): Promise<void> {
  const jobs: LockstepJob[] = [];
  for (const cfg of todo) {
    const id = runId(cfg);
    if (!(await claimRun(out, id))) continue;
    if ((await loadResults(out, [id])).length) {
      await releaseClaim(out, id);
      continue;
    }
    const data = await cache.get(cfg);
    const opts = { checkpointPath: checkpointPath(id), checkpointEvery: flags["checkpoint-every"], label: id };
    // An unreadable checkpoint is moved aside (as trainOrRestart does) and the run starts over.
    await loadCheckpoint(opts.checkpointPath).catch(async (e) =>
      console.error(await quarantine(opts.checkpointPath, String(e?.message ?? e).split(": ").slice(1).join(": ")))
    );
    jobs.push({ cfg, data: { train: data.train.set, test: data.test.set }, opts });
  }
  await trainRunsWebgpu(jobs, async ({ cfg }, outcome) => {
    const id = runId(cfg), final = await saveRun(cfg, outcome);
    trained++;
    if (outcome.stopped) gridBar.log(`! ${id}: ${outcome.stopped}`);
    gridBar.tick(1, `last: ${(100 * final.testAccuracy).toFixed(1)}% test`);
    await removeWithTemporaries(checkpointPath(id));
    await releaseClaim(out, id);
  });
}

/** After the last run: the summary (or the shard's next step), and no claims folder left. */
async function finish(): Promise<void> {
  await removeClaimsDirIfEmpty(out);
  if (shard) {
    console.error(
      `shard ${flags.shard} done; when all shards are, run: deno task report --only siamese-grid --out ${out}`,
    );
  } else await printSummary();
}

/** Figures and the ten best configurations (or the study's four cells and the MLP). */
async function printSummary(): Promise<void> {
  const files = await writeFigures(out);
  const summary = summarize(await loadResults(out, index.runIds)).sort((a, b) =>
    b.testAccuracy.mean - a.testAccuracy.mean
  );
  console.log(`\n${kind === "study" ? "Study" : "Best configurations"} (final test accuracy, mean ± std over rounds):`);
  for (const s of summary.slice(0, 10)) {
    console.log(
      `  ${s.key.padEnd(36)} ${(100 * s.testAccuracy.mean).toFixed(2)}% ± ${
        (100 * s.testAccuracy.std).toFixed(2)
      }  (${s.rounds} round${s.rounds === 1 ? "" : "s"})`,
    );
  }
  console.log(`\nwrote ${files.join(", ")}`);
  await printReportPage(out);
}

async function saveRun(cfg: RunConfig, outcome: RunOutcome): Promise<RunFinal> {
  const last = outcome.history[outcome.history.length - 1];
  const final: RunFinal = {
    testAccuracy: last?.testAccuracy ?? NaN,
    testLoss: last?.testLoss ?? NaN,
    trainAccuracy: last?.trainAccuracy ?? NaN,
    trainLoss: last?.trainLoss ?? NaN,
    epochsRun: outcome.history.length,
    parameters: outcome.parameters,
    stopped: outcome.stopped,
    resumedEpochs: outcome.resumedEpochs,
    engine,
  };
  const result: SiameseResult = makeResult({
    experiment: "siamese-grid",
    run: runId(cfg),
    seconds: outcome.seconds,
    config: cfg,
    environment: env,
    history: outcome.history,
    final,
    notes: [
      "test loss accumulated over the whole test set with the run's own α (the seed overwrote it per batch and used α=0.5)",
      "BCE computed on the combiner's logit (stable form of Sigmoid + BCELoss)",
      "runs differing only in α/aux share initial weights, data order and dropout masks (common random numbers)",
      ...(engine === "native"
        ? ["trained on the native engine (lib/native, WebAssembly SIMD); tfjs only drew the initial weights"]
        : []),
      ...(engine === "webgpu"
        ? [
          "trained on the webgpu engine (lib/webgpu, own WGSL kernels), in lockstep with the invocation's other runs; tfjs only drew the initial weights",
          "seconds: each epoch's wall time of the lockstep divided by the runs trained together",
        ]
        : []),
    ],
  });
  await writeResult(runPath(out, runId(cfg)), result);
  await removeTemporaries(runPath(out, runId(cfg)));
  return final;
}
