/**
 * Slice and SplitV for tfjs-backend-wasm without reading the whole input per slice.
 *
 * tfjs-wasm 4.22's Slice starts with `backend.readSync(x)`, a copy of the entire input, before it
 * copies the requested part out of that copy; SplitV slices once per part. Splitting an n-float
 * vector into p parts therefore copies p·n floats instead of n — the optimiser's flat parameter
 * vector split back into its variables every step was the largest kernel of a training step. A
 * contiguous slice (every split along the first axis is one) is a single copy out of a view of the
 * heap here, any other slice one copy per run along its last axis. Values are copied, never
 * computed: results are equal.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmBackend } from "./wasm_backend.ts";
import { wrapWasmKernel } from "./wrap_kernel.ts";

type TensorInfo = tf.TensorInfo;

/** The part [begin, begin+size) of x when it is one contiguous run, else null. */
function contiguousSlice(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo | null {
  if (x.dtype === "string" || !tf.slice_util.isSliceContinous(x.shape, begin, size)) return null;
  const offset = tf.slice_util.computeFlatOffset(begin, tf.util.computeStrides(x.shape));
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: take views after it
  const n = tf.util.sizeFromShape(size);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + n));
  return out;
}

/**
 * Any other slice as runs along its last axis: one typed-array copy per run (a window of a feature
 * map is oh·ow·… runs of its row length).
 */
function stridedSlice(backend: WasmBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo | null {
  if (x.dtype === "string") return null;
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: take views after it
  const src = backend.typedArrayFromHeap(x), dst = backend.typedArrayFromHeap(out);
  const strides = tf.util.computeStrides(x.shape), rank = x.shape.length, run = size[rank - 1];
  const runs = tf.util.sizeFromShape(size) / Math.max(run, 1), index = new Array(rank - 1).fill(0);
  for (let r = 0; r < runs && run > 0; r++) {
    let from = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) from += (begin[d] + index[d]) * strides[d];
    dst.set(src.subarray(from, from + run), r * run);
    for (let d = rank - 2; d >= 0 && ++index[d] === size[d]; d--) index[d] = 0; // next run, odometer order
  }
  return out;
}

function sliceFast(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const backend = args.backend as WasmBackend;
    return contiguousSlice(backend, x, b, s) ?? stridedSlice(backend, x, b, s) ?? original(args);
  };
}

function splitVFast(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    if (x.dtype === "string" || x.shape.slice(0, ax).some((d) => d !== 1)) return original(args);
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = x.shape.map(() => 0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const part = contiguousSlice(args.backend as WasmBackend, x, begin, size)!;
      begin[ax] += s;
      return part;
    });
  };
}

export function registerWasmSlice(): void {
  wrapWasmKernel("Slice", sliceFast);
  wrapWasmKernel("SplitV", splitVFast);
}
