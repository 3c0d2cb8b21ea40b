/**
 * Train a group of seed-000 runs — same architecture, any rounds, α and aux — as one ensemble:
 * every member keeps its own initialisation, data order, minibatches, dropout masks and loss
 * weights, and the sum of the members' losses is stepped by one Adam update (Adam is element-wise,
 * so each member's slice moves exactly as its own optimiser would move it). The result per member
 * is what `trainRun` would have produced for it alone, up to float rounding.
 */
import { tf } from "../../../lib/tf.ts";
import { Adam } from "../../../lib/train/adam.ts";
import { stepLR } from "../../../lib/train/step_lr.ts";
import { bceWithLogitsElementwise, crossEntropyPerRow } from "../../../lib/train/losses.ts";
import type { EpochRow } from "../../../lib/train/loop.ts";
import { loadCheckpoint, saveCheckpoint } from "../../../lib/train/checkpoint.ts";
import { Progress } from "../../../lib/report/progress.ts";
import type { Rng, RngState } from "../../../lib/random/rng.ts";
import { PairEnsemble } from "./pair_ensemble.ts";
import { buildModel, orderRng, type RunOutcome } from "../run.ts";
import type { RoundData } from "../data.ts";
import { type RunConfig, shapeKey } from "../config.ts";

type GenState = { s: RngState; spare: number | null };

interface Meta {
  epoch: number;
  histories: EpochRow[][];
  stopped: (string | null)[];
  initRngs: GenState[];
  orderRngs: GenState[];
  seconds: number;
  [key: string]: unknown;
}

/** Settings that must agree for runs to share one ensemble. */
export function ensembleKey(c: RunConfig): string {
  return JSON.stringify([shapeKey(c), c.epochs, c.batchSize, c.lr, c.gamma, c.dropout, c.nPairs, c.normalize, c.seed]);
}

/** All members' pair sets concatenated, with each member's row offset into them. */
class StackedData {
  readonly x: tf.Tensor4D;
  readonly target: tf.Tensor2D;
  readonly classes: tf.Tensor2D;
  readonly offsets: number[];
  readonly n: number;

  constructor(sets: RoundData[], which: "train" | "test") {
    const unique = [...new Set(sets)];
    const parts = unique.map((d) => d[which]);
    this.n = parts[0].n;
    this.offsets = sets.map((d) => unique.indexOf(d) * this.n);
    this.x = unique.length === 1 ? tf.clone(parts[0].x) : tf.concat(parts.map((p) => p.x));
    this.target = unique.length === 1 ? tf.clone(parts[0].target) : tf.concat(parts.map((p) => p.target));
    this.classes = unique.length === 1 ? tf.clone(parts[0].classes) : tf.concat(parts.map((p) => p.classes));
  }

  /** rows[e] (same length for every member) → tensors [E, b, …]. */
  batch(rows: Int32Array[]) {
    const E = rows.length, b = rows[0].length;
    const idx = new Int32Array(E * b);
    rows.forEach((r, e) => {
      for (let i = 0; i < b; i++) idx[e * b + i] = this.offsets[e] + r[i];
    });
    const at = tf.tensor1d(idx, "int32");
    return {
      x: tf.reshape(tf.gather(this.x, at), [E, b, ...this.x.shape.slice(1)] as number[]),
      target: tf.reshape(tf.gather(this.target, at), [E, b, 1]),
      classes: tf.reshape(tf.gather(this.classes, at), [E, b, 2]),
    };
  }

  dispose() {
    tf.dispose([this.x, this.target, this.classes]);
  }
}

/** Per-member mean losses [E] and correct counts [E] for a batch. */
function memberStats(
  model: PairEnsemble,
  batch: ReturnType<StackedData["batch"]>,
  alphas: tf.Tensor1D,
  ceWeights: tf.Tensor1D,
) {
  const out = model.forward(batch.x);
  const bce = tf.mean(bceWithLogitsElementwise(out.logit, batch.target), [1, 2]);
  let loss = tf.mul(alphas, bce);
  if (out.digits1 && out.digits2) {
    const [c1, c2] = tf.split(batch.classes, 2, 2).map((c) => tf.squeeze(c, [2]));
    const ce = tf.add(tf.mean(crossEntropyPerRow(out.digits1, c1), 1), tf.mean(crossEntropyPerRow(out.digits2, c2), 1));
    loss = tf.add(loss, tf.mul(ceWeights, ce));
  }
  const correct = tf.sum(tf.cast(tf.equal(tf.cast(tf.greater(out.logit, 0), "float32"), batch.target), "float32"), [
    1,
    2,
  ]);
  return { loss: loss as tf.Tensor1D, correct: correct as tf.Tensor1D };
}

export async function trainPairEnsemble(
  cfgs: RunConfig[],
  data: RoundData[],
  opts: { checkpointPath: string; checkpointEvery: number; label: string; evalChunk?: number; silent?: boolean },
): Promise<RunOutcome[]> {
  const key = ensembleKey(cfgs[0]);
  if (!cfgs.every((c) => ensembleKey(c) === key)) {
    throw new Error("an ensemble's runs must share architecture and training settings");
  }
  const E = cfgs.length, cfg0 = cfgs[0];
  const built = cfgs.map(buildModel);
  const model = new PairEnsemble(built.map((b) => b.model));
  for (const b of built) b.model.dispose(); // their values now live in the stacked parameters; their Dropouts keep drawing
  const initRngs: Rng[] = built.map((b) => b.rng);
  const orderRngs = cfgs.map(orderRng);
  const train = new StackedData(data, "train"), test = new StackedData(data, "test");
  const alphas = tf.tensor1d(cfgs.map((c) => c.aux ? c.alpha : 1));
  const ceWeights = tf.tensor1d(cfgs.map((c) => c.aux ? (1 - c.alpha) / 2 : 0));
  const params = model.parameters();
  const optimizer = new Adam(params, cfg0.lr);
  const schedule = stepLR(cfg0.lr, cfg0.gamma);

  let histories: EpochRow[][] = cfgs.map(() => []), stopped: (string | null)[] = cfgs.map(() => null);
  let startEpoch = 0, priorSeconds = 0;
  const resumed = await loadCheckpoint<Meta>(opts.checkpointPath, model, optimizer);
  if (resumed) {
    ({ epoch: startEpoch, histories, stopped, seconds: priorSeconds } = resumed);
    resumed.initRngs.forEach((s, e) => initRngs[e].setState(s));
    resumed.orderRngs.forEach((s, e) => orderRngs[e].setState(s));
  }
  const started = performance.now();
  try {
    for (let epoch = startEpoch; epoch < cfg0.epochs; epoch++) {
      const t0 = performance.now();
      optimizer.lr = schedule(epoch);
      const perms = orderRngs.map((r) => r.permutation(train.n));
      const steps = Math.ceil(train.n / cfg0.batchSize);
      const bar = new Progress(`${opts.label} epoch ${epoch + 1}/${cfg0.epochs}`, steps, {
        unit: "step",
        silent: opts.silent,
      });
      model.train();
      const lossSum = tf.variable(tf.zeros([E]), false), correctSum = tf.variable(tf.zeros([E]), false);
      for (let s = 0; s < steps; s++) {
        const rows = perms.map((p) => p.subarray(s * cfg0.batchSize, (s + 1) * cfg0.batchSize));
        tf.tidy(() => {
          let stats: { loss: tf.Tensor1D; correct: tf.Tensor1D } | null = null;
          const { grads } = tf.variableGrads(() => {
            stats = memberStats(model, train.batch(rows), alphas, ceWeights);
            tf.keep(stats.loss);
            tf.keep(stats.correct);
            return tf.sum(stats.loss) as tf.Scalar;
          }, params);
          optimizer.step(params.map((p) => grads[p.name]));
          const b = rows[0].length;
          lossSum.assign(tf.add(lossSum, tf.mul(stats!.loss, b)));
          correctSum.assign(tf.add(correctSum, stats!.correct));
          tf.dispose([stats!.loss, stats!.correct]);
        });
        bar.tick();
      }
      const trainLoss = await readAndDispose(lossSum), trainCorrect = await readAndDispose(correctSum);
      const evaluated = await evaluateMembers(model, test, alphas, ceWeights, opts.evalChunk ?? 250);
      const seconds = (performance.now() - t0) / 1000;
      cfgs.forEach((_, e) => {
        if (stopped[e]) return;
        const row: EpochRow = {
          epoch: epoch + 1,
          lr: optimizer.lr,
          trainLoss: trainLoss[e] / train.n,
          trainAccuracy: trainCorrect[e] / train.n,
          testLoss: evaluated.loss[e],
          testAccuracy: evaluated.accuracy[e],
          seconds: seconds / E,
        };
        histories[e].push(row);
        if (!Number.isFinite(row.trainLoss)) {
          stopped[e] =
            `training loss became ${row.trainLoss} in epoch ${row.epoch}: lower the learning rate or normalise the inputs (--normalize)`;
        }
      });
      const accs = evaluated.accuracy.map((a) => (100 * a).toFixed(1));
      bar.finish(
        `test acc ${
          E <= 6
            ? accs.join("/") + "%"
            : `mean ${(evaluated.accuracy.reduce((a, b) => a + b, 0) / E * 100).toFixed(1)}%`
        }`,
      );
      if ((epoch + 1) % opts.checkpointEvery === 0 && epoch + 1 < cfg0.epochs) {
        await saveCheckpoint(opts.checkpointPath, model, optimizer, {
          epoch: epoch + 1,
          histories,
          stopped,
          initRngs: initRngs.map((r) => r.getState()),
          orderRngs: orderRngs.map((r) => r.getState()),
          seconds: priorSeconds + (performance.now() - started) / 1000,
        });
      }
    }
    const parameters = model.parameterCount() / E;
    const seconds = (priorSeconds + (performance.now() - started) / 1000) / E;
    return cfgs.map((_, e) => ({ history: histories[e], stopped: stopped[e], seconds, parameters }));
  } finally {
    optimizer.dispose();
    model.dispose();
    train.dispose();
    test.dispose();
    tf.dispose([alphas, ceWeights]);
  }
}

async function evaluateMembers(
  model: PairEnsemble,
  test: StackedData,
  alphas: tf.Tensor1D,
  ceWeights: tf.Tensor1D,
  chunk: number,
) {
  model.eval();
  const E = test.offsets.length;
  const lossSum = tf.variable(tf.zeros([E]), false), correctSum = tf.variable(tf.zeros([E]), false);
  for (let start = 0; start < test.n; start += chunk) {
    const rows = Int32Array.from({ length: Math.min(chunk, test.n - start) }, (_, i) => start + i);
    tf.tidy(() => {
      const { loss, correct } = memberStats(model, test.batch(Array(E).fill(rows)), alphas, ceWeights);
      lossSum.assign(tf.add(lossSum, tf.mul(loss, rows.length)));
      correctSum.assign(tf.add(correctSum, correct));
    });
  }
  const loss = await readAndDispose(lossSum), correct = await readAndDispose(correctSum);
  return { loss: loss.map((l) => l / test.n), accuracy: correct.map((c) => c / test.n) };
}

async function readAndDispose(v: tf.Variable): Promise<number[]> {
  const values = Array.from(await v.data());
  v.dispose();
  return values;
}
