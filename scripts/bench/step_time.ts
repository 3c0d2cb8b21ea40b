/**
 * Timings of training steps and of a matrix product, for `deno task bench`. Each measurement warms
 * up first (pipeline compilation on WebGPU, XNNPACK operator setup on wasm) and syncs with the
 * device at the end (`await data()`), so queued GPU work is counted.
 */
import { tf } from "../../lib/tf.ts";
import { Adam } from "../../lib/train/adam.ts";
import { buildModel } from "../siamese_grid/run.ts";
import { pairLoss } from "../siamese_grid/pair_objective.ts";
import type { RunConfig } from "../siamese_grid/config.ts";
import { adamScalars, Engine } from "../../lib/native/engine.ts";
import { NativePairModel } from "../siamese_grid/native_pair_model.ts";
import { lossWeights } from "../siamese_grid/native_run.ts";
import type { PairSet } from "../siamese_grid/pairs.ts";
import { Rng } from "../../lib/random/rng.ts";

async function timeIt(step: () => void, warmup: number, steps: number, sync: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warmup; i++) step();
  await sync();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) step();
  await sync();
  return (performance.now() - t0) / steps;
}

/** GFLOP/s of an n×n float32 matMul. */
export async function matMulGflops(n: number, reps: number): Promise<number> {
  const a = tf.randomUniform([n, n]), b = tf.randomUniform([n, n]);
  let last: tf.Tensor | null = null;
  const ms = await timeIt(
    () => {
      last?.dispose();
      last = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    },
    2,
    reps,
    () => last!.data(),
  );
  tf.dispose([a, b, last!]);
  return (2 * n ** 3) / (ms * 1e6);
}

/** Milliseconds per training step of one model at batch size cfg.batchSize (random pairs). */
export async function singleStepMs(cfg: RunConfig, steps: number): Promise<number> {
  const { model } = buildModel(cfg);
  const params = model.parameters();
  const opt = new Adam(params, cfg.lr);
  const b = cfg.batchSize;
  const batch = {
    x: tf.randomUniform([b, 14, 14, 2], 0, 255) as tf.Tensor4D,
    target: tf.ones([b, 1]) as tf.Tensor2D,
    classes: tf.tensor2d(Array.from({ length: 2 * b }, (_, i) => i % 10), [b, 2], "int32"),
  };
  const aux = { enabled: cfg.aux, alpha: cfg.alpha };
  const ms = await timeIt(
    () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => pairLoss(model.forward(batch.x), batch, aux).loss, params);
        opt.step(params.map((p) => grads[p.name]));
      }),
    3,
    steps,
    () => params[0].data(),
  );
  opt.dispose();
  model.dispose();
  tf.dispose([batch.x, batch.target, batch.classes]);
  return ms;
}

/**
 * Milliseconds per training step (forward, backward, Adam) of one model on the native engine, at
 * batch size cfg.batchSize, cycling through `pairs` random pairs.
 */
export async function nativeStepMs(cfg: RunConfig, steps: number, pairs = 1000): Promise<number> {
  const engine = await Engine.create();
  const { model } = buildModel(cfg);
  const native = new NativePairModel(engine, model, 14, cfg.batchSize);
  model.dispose();
  const rng = new Rng("bench");
  const set: PairSet = {
    imagesNHWC: Float32Array.from({ length: pairs * 392 }, () => rng.int(256)),
    target: Uint8Array.from({ length: pairs }, () => rng.int(2)),
    classes: Uint8Array.from({ length: 2 * pairs }, () => rng.int(10)),
    n: pairs,
    size: 14,
  };
  const w = lossWeights(cfg), b = cfg.batchSize, rows = new Int32Array(b);
  let t = 0;
  return await timeIt(
    () => {
      for (let i = 0; i < b; i++) rows[i] = (t * b + i) % pairs;
      native.step(set, rows, w, adamScalars(++t, cfg.lr));
    },
    Math.min(200, steps),
    steps,
    () => Promise.resolve(),
  );
}
