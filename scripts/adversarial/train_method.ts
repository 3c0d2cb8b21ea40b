/**
 * Trains one method's model through the project's one training loop (lib/train/loop.ts `fit`):
 * Adam, seeded shuffles, the clean test accuracy after every epoch, and — for the adversarial
 * methods — the catastrophic-overfitting guard of Wong et al. 2020: PGD accuracy on a fixed batch
 * of training images after each epoch, early stop and best weights restored when it collapses.
 */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { pgd } from "../../lib/attacks/pgd.ts";
import { minibatches, shuffledBatches } from "../../lib/data/batches.ts";
import { OverfittingGuard } from "./robust/overfitting_guard.ts";
import { Adam } from "../../lib/train/adam.ts";
import { countCorrect } from "../../lib/train/losses.ts";
import { fit, type HistoryRow } from "../../lib/train/loop.ts";
import { inputLength, threatFor } from "./config.ts";
import type { ImageTensors } from "./image_tensors.ts";
import { rowBatches, rowsObjective } from "./image_tensors.ts";
import type { LeNet } from "./lenet.ts";
import { type Method, METHOD_LABELS, type MethodContext, methodObjective } from "./methods.ts";

/** Training images in the guard's fixed check batch (Wong et al. use one training batch). */
const GUARD_BATCH = 256;

export interface MethodEpochRow extends HistoryRow {
  /** PGD accuracy at the training ε on the guard's fixed training batch. */
  guardPgdAccuracy?: number;
}

export interface TrainedMethod {
  history: MethodEpochRow[];
  /** Why training stopped early, or null. */
  stopped: string | null;
  /** The epoch whose weights the model holds. */
  keptEpoch: number;
  seconds: number;
  details: Record<string, unknown>;
}

/** PGD accuracy of `model` on the first rows of `train` (the guard's measurement). */
function guardMeasure(model: LeNet, train: ImageTensors, ctx: MethodContext, method: Method): () => Promise<number> {
  const c = ctx.config;
  const rows = Int32Array.from({ length: Math.min(GUARD_BATCH, train.n) }, (_, i) => i);
  const rng = Rng.derive(c.seed, method, "guard");
  const classify = (x: tf.Tensor) => model.forward(x);
  return async () => {
    const correct = tf.tidy(() => {
      const { imagesNHWC, labels } = train.batch(rows);
      const threat = threatFor(c, c.trainEpsilon);
      const adversarial = pgd(classify, imagesNHWC, labels, threat, {
        steps: c.trainSteps,
        stepSize: inputLength(c, c.trainStepSize),
        randomStart: rng,
      });
      return countCorrect(classify(adversarial), labels);
    });
    const [n] = await correct.data();
    correct.dispose();
    return n / rows.length;
  };
}

export async function trainMethod(
  method: Method,
  model: LeNet,
  train: ImageTensors,
  test: ImageTensors,
  ctx: MethodContext,
  /** Called after every epoch (after the guard), e.g. to watch the tensor count. */
  afterEpoch?: (row: HistoryRow) => void,
): Promise<TrainedMethod> {
  const c = ctx.config;
  const started = performance.now();
  const params = model.parameters();
  const optimizer = new Adam(params, c.lr);
  const { objective, details, dispose } = methodObjective(method, (x) => model.forward(x), ctx);
  const shuffle = Rng.derive(c.seed, method, "shuffle");
  const testRows = minibatches(Int32Array.from({ length: test.n }, (_, i) => i), c.evalBatchSize);
  const guard = method === "standard"
    ? null
    : new OverfittingGuard(params, guardMeasure(model, train, ctx, method), c.guardMaxDrop);
  const guardAccuracy = new Map<number, number>();
  let keptEpoch = c.epochs;
  try {
    const { history, stopped } = await fit({
      params,
      objective: rowsObjective(objective),
      optimizer,
      epochs: c.epochs,
      trainBatches: () => rowBatches(train, shuffledBatches(train.n, c.batchSize, shuffle)),
      // The held-out set here is the test subset itself (the experiment has no validation split).
      testBatches: () => rowBatches(test, testRows),
      setTraining: (on) => model.train(on),
      label: METHOD_LABELS[method],
      callbacks: [{
        onEpochEnd: async (row, fitCtx) => {
          if (guard) {
            const epoch = row.epoch!; // rows count epochs: no countSteps
            const verdict = await guard.afterEpoch(epoch);
            guardAccuracy.set(epoch, verdict.accuracy);
            if (verdict.collapsed) {
              keptEpoch = guard.restoreBest();
              return fitCtx.stop(
                `catastrophic overfitting: PGD accuracy on the check batch fell from ${verdict.best.toFixed(3)} to ` +
                  `${verdict.accuracy.toFixed(3)} after epoch ${epoch}`,
              );
            }
          }
          afterEpoch?.(row);
        },
      }],
    });
    return {
      history: history.map((row) => ({ ...row, guardPgdAccuracy: guardAccuracy.get(row.epoch!) })),
      stopped,
      keptEpoch,
      seconds: (performance.now() - started) / 1000,
      details,
    };
  } finally {
    guard?.dispose();
    dispose();
    optimizer.dispose();
  }
}
