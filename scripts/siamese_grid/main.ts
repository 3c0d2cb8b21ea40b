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
 * core, a GPU machine included (faster there than tfjs ensembles on WebGPU: scripts/siamese_grid/engine.ts);
 * `--engine tfjs` trains runs of one shape together as a tfjs ensemble on the chosen backend.
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, positive, wasGiven } from "../../lib/cli/args.ts";
import { type Architecture, ARCHITECTURES } from "./siamese.ts";
import { type Common, gridRuns, type RunConfig, runId, SEED_GRID, shapeKey, studyRuns } from "./config.ts";
import { RoundDataCache } from "./data.ts";
import { type RunOutcome, trainRun } from "./run.ts";
import { trainPairEnsemble } from "./ensemble/train_pair_ensemble.ts";
import { trainRunNative } from "./native_run.ts";
import { type EngineChoice, ENGINES, resolveEngine } from "./engine.ts";
import { groupRuns, type RunGroup, shardGroups } from "./schedule.ts";
import { loadResults, type RunFinal, type RunIndex, runPath, type SiameseResult, summarize } from "./summary.ts";
import { writeFigures } from "./figures.ts";
import { parseShard, type Shard } from "./grid.ts";
import { claimGroup, runWorkers } from "./workers.ts";
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
  pairs: flag.int(1000, "pairs per split (train and test)", { check: positive }),
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
    "native (own WebAssembly SIMD kernels, CPU; what auto picks) or tfjs (ensembles on --backend)",
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
  ensemble: flag.int(25, "tfjs engine: most runs trained together as one ensemble (same shape; rounds × α)", {
    check: positive,
  }),
  "no-ensemble": flag.boolean("tfjs engine: train runs one by one (the plain path, for comparison)"),
  claim: flag.boolean("worker mode (set by --workers): train only the groups this process claims first"),
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
  nPairs: flags.pairs,
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
// wasGiven("ensemble") also sees --no-ensemble.
const tfjsOnly = ["backend", "ensemble"].filter((f) => wasGiven(f));
if (engine === "native" && tfjsOnly.length > 0) {
  const names = tfjsOnly.map((f) => f === "ensemble" ? "--ensemble/--no-ensemble" : `--${f}`).join(" and ");
  console.error(
    `note: the native engine trains one model per process on the CPU; ${names} only apply to --engine tfjs`,
  );
}
// The native engine uses tfjs only to build each model (weights drawn by our own generator), which
// wasm does quickly on any machine; on a GPU host, 16 workers would otherwise each open a WebGPU device.
const backend = await initBackend(engine === "native" ? "wasm" : flags.backend as never);
console.error(`${describeBackend(backend)}; engine ${engine}`);

const groupSize = engine === "native" || flags["no-ensemble"] ? 1 : flags.ensemble;
const workers = flags.workers || (engine === "native" && !flags.shard ? navigator.hardwareConcurrency : 1);
if (workers > 1 && !flags.shard && !flags.claim) {
  if (flags.fresh) await removeResults(groupRuns(runs, groupSize));
  const passOn = Deno.args.filter((a, i, all) =>
    !a.startsWith("--workers") && all[i - 1] !== "--workers" && a !== "--fresh"
  );
  const complete = (await loadResults(out, index.runIds)).length;
  await runWorkers(import.meta.filename!, passOn, workers, out, runs.length - complete);
  await printSummary();
  Deno.exit(0);
}

const shard: Shard | null = flags.shard ? parseShard(flags.shard) : null;
const groups = shardGroups(groupRuns(runs, groupSize), shard);
const mine = groups.flatMap((g) => g.runs);
if (flags.fresh) await removeResults(groups);

/** --fresh: the groups' run files, checkpoints and any temporary files a kill left. */
async function removeResults(groups: RunGroup[]): Promise<void> {
  for (const g of groups) {
    for (const cfg of g.runs) await removeWithTemporaries(runPath(out, runId(cfg)));
    await removeWithTemporaries(checkpointPath(g.id));
  }
}
const done = new Set((await loadResults(out, mine.map(runId))).map((r) => r.run));
const todo = groups.map((g) => ({ ...g, runs: g.runs.filter((cfg) => !done.has(runId(cfg))) })).filter((g) =>
  g.runs.length
);
const todoRuns = todo.reduce((n, g) => n + g.runs.length, 0);
console.error(
  `${kind}: ${runs.length} runs${shard ? `, shard ${shard.index}/${shard.count}: ${mine.length}` : ""}; ` +
    `${done.size} already complete, ${todoRuns} to run ${
      groupSize === 1 ? "one by one" : `in ${todo.length} ensembles`
    } → ${out}/runs/`,
);

function checkpointPath(groupId: string): string {
  return `${out}/checkpoints/${groupId}.safetensors`;
}

const env = environment(backend);
const cache = new RoundDataCache();
const gridBar = new Progress(kind, todoRuns, { unit: "run", logEverySeconds: 60 });
for (const group of todo) {
  if (flags.claim && !(await claimGroup(out, group.id))) continue; // another worker has it
  const data = await Promise.all(group.runs.map((c) => cache.get(c.seed, c.round, c.nPairs, c.normalize)));
  const label = group.runs.length === 1
    ? `  ${runId(group.runs[0]).replace(/-[0-9a-f]{8}$/, "")}`
    : `  ${group.runs.length} × ${shapeKey(group.runs[0])}`;
  const opts = { checkpointPath: checkpointPath(group.id), checkpointEvery: flags["checkpoint-every"], label };
  const outcomes = engine === "native"
    ? [await trainRunNative(group.runs[0], { train: data[0].train.set, test: data[0].test.set }, opts)]
    : group.runs.length === 1
    ? [await trainRun(group.runs[0], data[0], opts)]
    : await trainPairEnsemble(group.runs, data, opts);
  for (const [i, cfg] of group.runs.entries()) {
    const final = await saveRun(cfg, outcomes[i], group.runs.length);
    if (outcomes[i].stopped) gridBar.log(`! ${runId(cfg)}: ${outcomes[i].stopped}`);
    gridBar.tick(1, `last: ${(100 * final.testAccuracy).toFixed(1)}% test`);
  }
  // This process owned the group: its checkpoint and any temporary file a kill left go.
  await removeWithTemporaries(checkpointPath(group.id));
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

async function saveRun(cfg: RunConfig, outcome: RunOutcome, ensembleSize: number): Promise<RunFinal> {
  const last = outcome.history[outcome.history.length - 1];
  const final: RunFinal = {
    testAccuracy: last?.testAccuracy ?? NaN,
    testLoss: last?.testLoss ?? NaN,
    trainAccuracy: last?.trainAccuracy ?? NaN,
    trainLoss: last?.trainLoss ?? NaN,
    epochsRun: outcome.history.length,
    parameters: outcome.parameters,
    stopped: outcome.stopped,
    ensembleSize,
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
      ...(ensembleSize > 1
        ? [
          `trained in an ensemble of ${ensembleSize} (same numbers as alone up to float rounding); seconds = ensemble time / size`,
        ]
        : []),
    ],
  });
  await writeResult(runPath(out, runId(cfg)), result);
  await removeTemporaries(runPath(out, runId(cfg)));
  return final;
}
