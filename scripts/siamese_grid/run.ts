/**
 * One seed-000 run, one model at a time: build the model from the run's seeds, train it with Adam
 * and StepLR through the shared loop, checkpoint every `checkpointEvery` epochs, and return its
 * result. A run killed mid-way resumes from its last checkpoint and gives the same numbers as an
 * uninterrupted one (random-generator states are part of the checkpoint).
 */
import { PairMLP, type PairModel, SiameseNet } from "./siamese.ts";
import { pairObjective, type PairRows } from "./pair_objective.ts";
import { Adam } from "../../lib/train/adam.ts";
import { stepLR } from "../../lib/train/step_lr.ts";
import { type EpochRow, fit } from "../../lib/train/loop.ts";
import { loadCheckpoint, saveCheckpoint } from "../../lib/train/checkpoint.ts";
import { minibatches } from "../../lib/data/batches.ts";
import { Rng, type RngState } from "../../lib/random/rng.ts";
import type { RoundData } from "./data.ts";
import { type RunConfig, shapeKey } from "./config.ts";

export interface RunOutcome {
  history: EpochRow[];
  stopped: string | null;
  seconds: number;
  parameters: number;
}

interface Meta {
  epoch: number;
  history: EpochRow[];
  initRng: { s: RngState; spare: number | null };
  orderRng: { s: RngState; spare: number | null };
  seconds: number;
  [key: string]: unknown;
}

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

export async function trainRun(
  cfg: RunConfig,
  data: RoundData,
  opts: { checkpointPath: string; checkpointEvery: number; label: string; silent?: boolean },
): Promise<RunOutcome> {
  const { model, rng: initRng } = buildModel(cfg);
  const order = orderRng(cfg);
  const params = model.parameters();
  const optimizer = new Adam(params, cfg.lr);
  let startEpoch = 0, history: EpochRow[] = [], priorSeconds = 0;
  const resumed = await loadCheckpoint<Meta>(opts.checkpointPath, model, optimizer);
  if (resumed) {
    ({ epoch: startEpoch, history, seconds: priorSeconds } = resumed);
    initRng.setState(resumed.initRng);
    order.setState(resumed.orderRng);
  }
  const started = performance.now();
  const all = Int32Array.from({ length: data.test.n }, (_, i) => i);
  try {
    const result = await fit<PairRows>({
      params,
      objective: pairObjective(model, { enabled: cfg.aux, alpha: cfg.alpha }),
      optimizer,
      epochs: cfg.epochs,
      startEpoch,
      history,
      schedule: stepLR(cfg.lr, cfg.gamma),
      setTraining: (on) => model.train(on),
      trainBatches: () =>
        minibatches(order.permutation(data.train.n), cfg.batchSize).map((rows) => ({
          data: { set: data.train, rows },
          size: rows.length,
        })),
      // The whole test set as one batch, as the seed (TEST_BATCH_SIZE = 1000).
      testBatches: () => [{ data: { set: data.test, rows: all }, size: all.length }],
      label: opts.label,
      silent: opts.silent,
      onEpochEnd: async (row, hist) => {
        if (row.epoch % opts.checkpointEvery === 0 && row.epoch < cfg.epochs) {
          await saveCheckpoint(opts.checkpointPath, model, optimizer, {
            epoch: row.epoch,
            history: hist,
            initRng: initRng.getState(),
            orderRng: order.getState(),
            seconds: priorSeconds + (performance.now() - started) / 1000,
          });
        }
      },
    });
    return {
      history: result.history,
      stopped: result.stopped,
      seconds: priorSeconds + (performance.now() - started) / 1000,
      parameters: model.parameterCount(),
    };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}
