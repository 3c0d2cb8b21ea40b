/**
 * Batch normalisation in wasm kernels of our own (lib/wasm/batch_norm.wat) on the tfjs heap, for
 * float32 inputs whose channels are a multiple of 4. Training mode: the forward pass (batch mean,
 * biased variance, 1/√(σ² + ε), y) in three passes over x, the closed-form backward pass in two,
 * each pass shared out among the heap threads by blocks of rows (the sums) or rows,
 * where tfjs ops make a pass per operation; lib/nn/batchnorm.ts uses them through tf.customGrad
 * (`wasmBatchNormForward`, `wasmBatchNormBackward`). Inference: tfjs' FusedBatchNorm, wrapped, in
 * one pass of the same float ops four channels at a time (tfjs-wasm runs a scalar loop with a
 * division and four index wrap-arounds per element).
 *
 *   BATCH_NORM_TRAIN: {x, gamma, beta}, {eps}       → [y, mean, variance, rstd]
 *   BATCH_NORM_GRAD:  {dy, x, mean, rstd, gamma}    → [dx, dGamma, dBeta]
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { type Call, LEAST_SHARE_FLOATS, THREAD_WORK } from "../wasm/heap_threads.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";

export const BATCH_NORM_TRAIN = "TsdlBatchNormTrain";
export const BATCH_NORM_GRAD = "TsdlBatchNormGrad";

/** batch_norm.wat's kernels (pointers in bytes). */
interface BatchNormKernels {
  block_sums(...args: number[]): void;
  combine(...args: number[]): void;
  statistics(...args: number[]): void;
  normalize(...args: number[]): void;
  block_grad_sums(...args: number[]): void;
  grad_input(...args: number[]): void;
  inference(...args: number[]): void;
}

const FILE = "batch_norm.wat";
const kernels = () => heapKernels<BatchNormKernels>(FILE);

/** Registers the kernels; before the wasm backend starts. */
export function registerWasmBatchNorm(): void {
  registerWasmKernel(BATCH_NORM_TRAIN, batchNormTrain);
  registerWasmKernel(BATCH_NORM_GRAD, batchNormGrad);
}

/** BATCH_NORM_TRAIN: the batch statistics and y of x (channels last). */
export function wasmBatchNormForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) {
  const [y, mean, variance, rstd] = tf.engine().runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, { eps }) as tf.Tensor[];
  return { y, mean, variance, rstd };
}

/** BATCH_NORM_GRAD: [∂x, ∂γ, ∂β]. */
export function wasmBatchNormBackward(dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor) {
  return tf.engine().runKernel(BATCH_NORM_GRAD, { dy, x, mean, rstd, gamma }) as tf.Tensor[];
}

/** Whether the current backend normalises `x` (channels last) with these kernels. */
export function hasWasmBatchNorm(x: tf.Tensor): boolean {
  return kernels() !== null && x.dtype === "float32" && x.shape[x.rank - 1] % 4 === 0;
}

const at = heapOffset;

function channelsAndRows(x: tf.TensorInfo): [number, number] {
  const c = x.shape[x.shape.length - 1];
  return [c, tf.util.sizeFromShape(x.shape) / c];
}

/** Rows per block of the two-level sums (batch_norm.wat). */
const BLOCK = 128;
/** Blocks (or rows) per thread's share: at least LEAST_SHARE_FLOATS of x. */
const least = (rowsPerUnit: number, c: number) => Math.ceil(LEAST_SHARE_FLOATS / (rowsPerUnit * c));

function batchNormTrain(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: { eps: number } },
): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as Record<string, tf.TensorInfo>;
  const [c, rows] = channelsAndRows(x), blocks = Math.ceil(rows / BLOCK);
  const y = backend.makeOutput(x.shape, "float32");
  const [mean, variance, rstd] = [0, 1, 2].map(() => backend.makeOutput([c], "float32"));
  const P = backend.makeOutput([blocks * c], "float32"), scale = backend.makeOutput([c], "float32");
  const [px, pP, pm, pv] = [x, P, mean, variance].map((t) => at(backend, t));
  const k = kernels()!, pool = heapThreads()!;
  // μ, then σ² about it: block sums shared out, added up in order
  for (const [centre, sum] of [[0, pm], [pm, pv]]) {
    pool.forRanges(blocks, (b0, b1) => [[`${FILE}:block_sums`, px, centre, pP, rows, c, b0, b1]], {
      least: least(BLOCK, c),
    });
    k.combine(pP, c, blocks, sum, c, rows);
  }
  k.statistics(pv, at(backend, gamma), at(backend, rstd), at(backend, scale), c, attrs.eps);
  const args = [px, pm, at(backend, scale), at(backend, beta), at(backend, y), c];
  pool.forRanges(rows, (r0, r1) => [[`${FILE}:normalize`, ...args, r0, r1]], { least: least(1, c) });
  backend.disposeData(P.dataId);
  backend.disposeData(scale.dataId);
  return [y, mean, variance, rstd];
}

function batchNormGrad(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend },
): tf.TensorInfo[] {
  const { dy, x, mean, rstd, gamma } = inputs as Record<string, tf.TensorInfo>;
  const [c, rows] = channelsAndRows(x), blocks = Math.ceil(rows / BLOCK);
  const dx = backend.makeOutput(x.shape, "float32");
  const dGamma = backend.makeOutput([c], "float32"), dBeta = backend.makeOutput([c], "float32");
  const pool = heapThreads()!, threads = pool.threads;
  // per block ∂β and ∂γ sums (2c floats), then per thread ∂β/m and ∂γ/m (2c floats)
  const P = backend.makeOutput([2 * blocks * c], "float32"), means = backend.makeOutput([2 * c * threads], "float32");
  const [pdy, px, pm, pr, pP] = [dy, x, mean, rstd, P].map((t) => at(backend, t));
  const [pdb, pdg, pMeans] = [dBeta, dGamma, means].map((t) => at(backend, t));
  const k = kernels()!;
  pool.forRanges(blocks, (b0, b1) => [[`${FILE}:block_grad_sums`, pdy, px, pm, pr, pP, rows, c, b0, b1]], {
    least: least(BLOCK, c),
  });
  k.combine(pP, 2 * c, blocks, pdb, c, 0);
  k.combine(pP + 4 * c, 2 * c, blocks, pdg, c, 0);
  const args = [pdy, px, pm, pr, at(backend, gamma), pdb, pdg, at(backend, dx)];
  const gradInput = (r0: number, r1: number): Call[] => [[`${FILE}:grad_input`, ...args, THREAD_WORK, rows, c, r0, r1]];
  const work = Array.from({ length: threads }, (_, t) => pMeans + 8 * c * t);
  pool.forRanges(rows, gradInput, { least: least(1, c), work });
  backend.disposeData(P.dataId);
  backend.disposeData(means.dataId);
  return [dx, dGamma, dBeta];
}

/**
 * FusedBatchNorm with mean, variance, scale and offset one float per channel of x (channels last,
 * a multiple of 4), in batch_norm.wat's inference pass; anything else (broadcast scalars, no scale
 * or offset) keeps the kernel it wraps.
 */
export function fusedBatchNorm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    type Stats = Record<"mean" | "variance" | "scale" | "offset", tf.TensorInfo | undefined>;
    const { x, mean, variance, scale, offset } = args.inputs as { x: tf.TensorInfo } & Stats;
    const c = x.shape[x.shape.length - 1];
    const stats = [mean, variance, scale, offset].filter((t) =>
      t?.dtype === "float32" && tf.util.sizeFromShape(t.shape) === c
    ) as tf.TensorInfo[];
    const k = kernels();
    if (k === null || x.dtype !== "float32" || c % 4 !== 0 || stats.length !== 4) return original(args);
    const backend = args.backend as WasmBackend, y = backend.makeOutput(x.shape, "float32");
    const nf = backend.makeOutput([c], "float32");
    const [pm, pv, ps, po] = stats.map((t) => at(backend, t));
    const eps = (args.attrs as { varianceEpsilon: number }).varianceEpsilon;
    const rows = tf.util.sizeFromShape(x.shape) / c;
    k.inference(at(backend, x), pm, pv, ps, po, at(backend, y), at(backend, nf), rows, c, eps);
    backend.disposeData(nf.dataId);
    return y;
  };
}
