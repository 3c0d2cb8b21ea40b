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
 * Every run trains on the native engine (lib/native: our WebAssembly SIMD kernels), one process per
 * core, a GPU machine included (see engine.ts); `--engine tfjs` trains each run with tfjs autodiff
 * on the chosen backend. Both go through lib/train's `fit`.
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, positive, wasGiven } from "../../lib/cli/args.ts";
import { type Architecture, ARCHITECTURES } from "./siamese.ts";
import { type Common, gridRuns, type RunConfig, runId, SEED_GRID, studyRuns } from "./config.ts";
import { RoundDataCache } from "./data.ts";
import { type RunOutcome, trainRun } from "./run.ts";
import { trainRunNative } from "./native_run.ts";
import { type EngineChoice, ENGINES, resolveEngine } from "./engine.ts";
import { loadResults, type RunFinal, type RunIndex, runPath, type SiameseResult, summarize } from "./summary.ts";
import { writeFigures } from "./figures.ts";
import { parseShard, type Shard, shardOf } from "./grid.ts";
import { claimRun, runWorkers } from "./workers.ts";
import { environment, makeResult, writeResult } from "../../lib/report/results.ts";
import { removeTemporaries, removeWithTemporaries, writeJsonAtomic } from "../../lib/report/atomic.ts";
import { Progress } from "../../lib/report/progress.ts";

const FLAGS = {
  ...commonFlags("siamese-grid"),
  study: flag.boolean("run the 2×2 study (sharing × aux) + MLP baseline instead of the grid"),
  arch: flag.ints([5], "trunk architectures 1–5 of the seed (the grid uses 5)"),
  k: flag.ints(SEED_GRID.k, "kernel sizes (architecture 5)"),
  channels: flag.ints(SEED_GRID.channels, "channels c of the first conv (the second has 2c)"),
  hidden: flag.ints(SEED_GRID.hidden, "hidden units n of the FC head"),
  alpha: flag.numbers(SEED_GRID.alpha, "α: weight of the comparison BCE; each digit CE gets (1−α)/2"),
  rounds: flag.int(5, "rounds (fresh pairs and init per round); --study defaults to 10", { check: positive }),
  epochs: flag.int(20, "epochs per run", { check: positive }),
  "batch-size": flag.int(1, "training minibatch size", { check: positive }),
  lr: flag.number(1e-3, "Adam learning rate", { check: positive }),
  gamma: flag.number(0.9, "StepLR decay per epoch", { check: positive }),
  "train-size": flag.int(1000, "pairs drawn from MNIST's training images", { check: positive }),
  "test-size": flag.int(1000, "pairs drawn from MNIST's test images", { check: positive }),
  dropout: flag.number(0.2, "dropout probability everywhere", {
    check: (v) => (v >= 0 && v < 1) || "must be in [0, 1)",
  }),
  "no-sharing": flag.boolean("grid without weight sharing (two trunks)"),
  "no-aux": flag.boolean("grid without the auxiliary digit loss (α ignored)"),
  normalize: flag.boolean("standardise pixels with the train mean/std (the seed keeps 0–255)"),
  "mlp-hidden": flag.int(512, "hidden units of the MLP baseline (392→n→n→1; the seed's basic_net size)", {
    check: positive,
  }),
  "checkpoint-every": flag.int(5, "epochs between checkpoints of a running model", { check: positive }),
  fresh: flag.boolean("ignore and overwrite earlier results of this grid"),
  shard: flag.string("", "run only shard i/n of the run list (e.g. 0/4); summarise with `deno task report`"),
  engine: flag.string(
    "auto",
    "native (own WebAssembly SIMD kernels, CPU; what auto picks) or tfjs (autodiff on --backend)",
    {
      choices: ENGINES,
    },
  ),
  workers: flag.int(
    0,
    "local worker processes to run in parallel, then summarise (0 = one per core on the native engine, else 1)",
    {
      check: (v) => v >= 0 || "must be ≥ 0",
    },
  ),
  claim: flag.boolean("worker mode (set by --workers): train only the runs this process claims first"),
};

const flags = cli(
  FLAGS,
  "deno task siamese-grid",
  "Siamese CNNs comparing two MNIST digits: the seed-000 grid and the 2×2 study.",
);
for (const a of flags.arch) {
  if (!(ARCHITECTURES as readonly number[]).includes(a)) {
    console.error(`error: --arch ${a}: architectures are ${ARCHITECTURES.join(", ")}`);
    Deno.exit(2);
  }
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
const index: RunIndex = {
  schema: "tsdl-siamese-index/1",
  kind,
  description: flags.study ? "2×2 study: weight sharing × auxiliary loss, plus MLP baseline" : "seed-000 grid",
  runIds: runs.map(runId),
};
await writeJsonAtomic(`${out}/${kind}-index.json`, index);

const engine = resolveEngine(flags.engine as EngineChoice);
if (engine === "native" && wasGiven("backend")) {
  console.error(
    "note: the native engine trains one model per process on the CPU; --backend only applies to --engine tfjs",
  );
}
// The native engine uses tfjs only to build each model (weights drawn by our own generator), which
// wasm does quickly on any machine; on a GPU host, one worker per core would otherwise each open a WebGPU device.
const backend = await initBackend(engine === "native" ? "wasm" : flags.backend as never);
console.error(`${describeBackend(backend)}; engine ${engine}`);

const workers = flags.workers || (engine === "native" && !flags.shard ? navigator.hardwareConcurrency : 1);
if (workers > 1 && !flags.shard && !flags.claim) {
  if (flags.fresh) await removeResults(runs);
  const passOn = Deno.args.filter((a, i, all) =>
    !a.startsWith("--workers") && all[i - 1] !== "--workers" && a !== "--fresh"
  );
  const complete = (await loadResults(out, index.runIds)).length;
  await runWorkers(import.meta.filename!, passOn, workers, out, runs.length - complete);
  await printSummary();
  Deno.exit(0);
}

const shard: Shard | null = flags.shard ? parseShard(flags.shard) : null;
const mine = shard ? shardOf(runs, shard) : runs;
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
for (const cfg of todo) {
  const id = runId(cfg);
  if (flags.claim && !(await claimRun(out, id))) continue; // another worker has it
  const data = await cache.get(cfg);
  const label = `  ${id.replace(/-[0-9a-f]{8}$/, "")}`;
  const opts = { checkpointPath: checkpointPath(id), checkpointEvery: flags["checkpoint-every"], label };
  const outcome = engine === "native"
    ? await trainRunNative(cfg, { train: data.train.set, test: data.test.set }, opts)
    : await trainRun(cfg, data, opts);
  const final = await saveRun(cfg, outcome);
  if (outcome.stopped) gridBar.log(`! ${id}: ${outcome.stopped}`);
  gridBar.tick(1, `last: ${(100 * final.testAccuracy).toFixed(1)}% test`);
  // This process owned the run: its checkpoint and any temporary file a kill left go.
  await removeWithTemporaries(checkpointPath(id));
}
gridBar.finish();
cache.dispose();

if (shard) {
  console.error(
    `shard ${flags.shard} done; when all shards are, run: deno task report --only siamese-grid --out ${out}`,
  );
} else if (!flags.claim) {
  await printSummary();
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
      }  (${s.rounds} rounds)`,
    );
  }
  console.log(`\nwrote ${files.join(", ")}`);
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
    ],
  });
  await writeResult(runPath(out, runId(cfg)), result);
  await removeTemporaries(runPath(out, runId(cfg)));
  return final;
}
