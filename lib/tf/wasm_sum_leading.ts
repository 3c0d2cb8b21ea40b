/**
 * Sum and Mean over the leading axes (every axis but the trailing ones) for tfjs-backend-wasm, as
 * column sums over the input read in place: out[j] = Σ_i x[i, j] with x seen as [rows, cols].
 *
 * tfjs-wasm reduces innermost axes only and transposes its input first otherwise; the per-channel
 * sums of NHWC batches (bias gradients, BatchNorm's moments and gradients) all reduce the leading
 * axes, so every one of them paid for a full transposed copy. Sums accumulate in float64 and round
 * once, so they are at least as accurate as tfjs' float32 loop. Other reductions keep its kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmBackend } from "./wasm_backend.ts";
import { wrapWasmKernel } from "./wrap_kernel.ts";

type TensorInfo = tf.TensorInfo;

function leadingReduction(mean: boolean): (original: tf.KernelFunc) => tf.KernelFunc {
  return (original) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== "float32") return original(args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length)),
      cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
    const shape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(shape, "float32"); // may grow the heap: take views after it
    const v = backend.typedArrayFromHeap(x) as Float32Array, acc = new Float64Array(cols);
    for (let i = 0, o = 0; i < rows; i++, o += cols) {
      for (let j = 0; j < cols; j++) acc[j] += v[o + j];
    }
    const scale = mean ? 1 / rows : 1;
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    for (let j = 0; j < cols; j++) result[j] = mean ? acc[j] * scale : acc[j];
    return out;
  };
}

export function registerWasmLeadingReductions(): void {
  wrapWasmKernel("Sum", leadingReduction(false));
  wrapWasmKernel("Mean", leadingReduction(true));
}
