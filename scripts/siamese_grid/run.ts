/**
 * One seed-000 run: the model built from the run's seeds, trained with Adam and StepLR by lib/train's
 * `fit`, checkpointed every `checkpointEvery` epochs. A run killed mid-way resumes from its last
 * checkpoint and gives the same numbers as an uninterrupted one (generator states are part of it).
 */
import { PairMLP, type PairModel, SiameseNet } from "./siamese.ts";
import { pairObjective, type PairRows } from "./pair_objective.ts";
import { Adam } from "../../lib/train/adam.ts";
import { stepLR } from "../../lib/train/step_lr.ts";
import { autodiffStep, fit, type FitOptions, type HistoryRow } from "../../lib/train/loop.ts";
import { allRows, minibatches } from "../../lib/data/batches.ts";
import { Rng } from "../../lib/random/rng.ts";
import type { RoundData } from "./data.ts";
import { type RunConfig, shapeKey } from "./config.ts";

export interface RunOutcome {
  history: HistoryRow[];
  stopped: string | null;
  seconds: number;
  parameters: number;
  /** Epochs restored from a checkpoint rather than trained by this process. */
  resumedEpochs: number;
}

/** What the grid adds when a loss stops being finite. */
export const NAN_HINT = "or standardise the inputs (--normalize)";

/** The model of a run, with the generator that initialised it (and then draws its dropout masks). */
export function buildModel(cfg: RunConfig): { model: PairModel; rng: Rng } {
  const rng = Rng.derive(cfg.seed, "init", cfg.round, shapeKey(cfg));
  const model = cfg.model === "mlp" ? new PairMLP(cfg.hidden, cfg.dropout, rng) : new SiameseNet(
    {
      architecture: cfg.architecture,
      k: cfg.k,
      channels: cfg.channels,
      hidden: cfg.hidden,
      weightSharing: cfg.weightSharing,
      dropout: cfg.dropout,
    },
    rng,
  );
  return { model, rng };
}

export function orderRng(cfg: RunConfig): Rng {
  return Rng.derive(cfg.seed, "order", cfg.round, shapeKey(cfg));
}

export interface RunOptions {
  checkpointPath: string;
  checkpointEvery: number;
  label: string;
  silent?: boolean;
}

/**
 * What a run's `fit` is on either engine: its epochs and StepLR, minibatches in the run's own order,
 * the whole test set as one batch (as the seed, TEST_BATCH_SIZE = 1000), checkpoints that carry the
 * generators of the data order and of the dropout masks (`init`, which drew the weights first).
 */
export function runSchedule<S extends { n: number }>(
  cfg: RunConfig,
  data: { train: S; test: S },
  init: Rng,
  opts: RunOptions,
): Omit<FitOptions<{ set: S; rows: Int32Array }>, "step"> {
  const order = orderRng(cfg), test = allRows(data.test.n);
  return {
    epochs: cfg.epochs,
    schedule: stepLR(cfg.lr, cfg.gamma),
    trainBatches: () =>
      minibatches(order.permutation(data.train.n), cfg.batchSize).map((rows) => ({
        data: { set: data.train, rows },
        size: rows.length,
      })),
    testBatches: () => [{ data: { set: data.test, rows: test }, size: test.length }],
    checkpoint: { path: opts.checkpointPath, every: opts.checkpointEvery, generators: { init, order } },
    nanHint: NAN_HINT,
    label: opts.label,
    silent: opts.silent,
  };
}

/** One run on tfjs autodiff (`--engine tfjs`), on the backend chosen at start-up. */
export async function trainRun(
  cfg: RunConfig,
  data: RoundData,
  opts: RunOptions,
): Promise<RunOutcome> {
  const { model, rng: initRng } = buildModel(cfg);
  const params = model.parameters();
  const optimizer = new Adam(params, cfg.lr);
  try {
    const result = await fit<PairRows>({
      step: autodiffStep({
        params,
        objective: pairObjective(model, { enabled: cfg.aux, alpha: cfg.alpha }),
        optimizer,
        setTraining: (on) => model.train(on),
        module: model,
      }),
      ...runSchedule(cfg, data, initRng, opts),
    });
    return {
      history: result.history,
      stopped: result.stopped,
      seconds: result.seconds,
      parameters: model.parameterCount(),
      resumedEpochs: result.resumedEpochs,
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
