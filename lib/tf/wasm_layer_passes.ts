/**
 * Every layer's element-wise training passes for tfjs-backend-wasm, one pass each over the heap
 * (lib/wasm/layer_passes.wat), with the float ops of the kernels they replace:
 *
 * - Add of a bias over the last axis, x[…, C] + b[C]: tfjs-wasm broadcasts through a generic
 *   indexed loop, several times slower than the add itself.
 * - Sum and Mean over the leading axes (every axis but the trailing ones), out[j] = Σ_i x[i, j]
 *   with x seen as [rows, cols]: the per-channel sums of NHWC batches (bias gradients, BatchNorm's
 *   moments). tfjs-wasm reduces innermost axes only and transposes its input first otherwise. The
 *   sums accumulate in float64 and round once, at least as accurate as tfjs' float32 loop.
 * - ReLU's gradient dy · step(x) (tfjs: Step, Cast and Multiply kernels), as one kernel, through
 *   ReLU's gradient function on the wasm backend; other backends keep tfjs' composition.
 * - Maximum, Minimum and Equal of two float32 tensors of one shape (clipping an attack to its ball,
 *   max-pooling by hand), which tfjs-wasm runs about ten times slower than a multiply; the same
 *   selects (b > a ? b : a, b < a ? b : a) and comparison.
 * - Sign of a float32 tensor (an attack's step direction), which tfjs-wasm runs through a scalar
 *   callback per element, with its rule: 0 for NaN and |x| < FLT_EPSILON, else ±1.
 *
 * Until the wasm backend has started (lib/tf/wasm_heap.ts), and for other dtypes and shapes, the
 * wrapped kernels run as before.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel, wrapWasmKernel } from "./wrap_kernel.ts";
import { LEAST_SHARE_FLOATS } from "../wasm/heap_threads.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";

type TensorInfo = tf.TensorInfo;

interface LayerPasses {
  add_rows(x: number, b: number, y: number, rows: number, n: number): void;
  column_sums(x: number, acc: number, out: number, rows: number, n: number, mean: number, scale: number): void;
  relu_grad(x: number, dy: number, dx: number, n: number): void;
  maximum(a: number, b: number, y: number, n: number): void;
  minimum(a: number, b: number, y: number, n: number): void;
  equal(a: number, b: number, y: number, n: number): void;
  sign(x: number, y: number, n: number): void;
}

export const RELU_GRAD = "TsdlReluGrad";

const FILE = "layer_passes.wat";
const layerPasses = () => heapKernels<LayerPasses>(FILE);

const float32 = (...ts: TensorInfo[]) => ts.every((t) => t.dtype === "float32");

/** x[…, C] + b[C] in either order; anything else → tfjs' Add. */
function addBias(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const isBias = (x: TensorInfo, v: TensorInfo) =>
      v.shape.length === 1 && x.shape.length >= 2 && x.shape[x.shape.length - 1] === v.shape[0];
    const [x, bias] = isBias(a, b) ? [a, b] : isBias(b, a) ? [b, a] : [null, null];
    const passes = layerPasses();
    if (!passes || !x || !bias || !float32(a, b)) return original(args);
    const backend = args.backend as WasmBackend;
    const y = backend.makeOutput(x.shape, "float32");
    const n = bias.shape[0], [px, pb, py] = [x, bias, y].map((t) => heapOffset(backend, t));
    heapThreads()!.forRanges(
      tf.util.sizeFromShape(x.shape) / n,
      (r0, r1) => [[`${FILE}:add_rows`, px + 4 * r0 * n, pb, py + 4 * r0 * n, r1 - r0, n]],
      { least: Math.ceil(LEAST_SHARE_FLOATS / n) },
    );
    return y;
  };
}

function leadingReduction(mean: boolean): (original: tf.KernelFunc) => tf.KernelFunc {
  return (original) => (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const leading = axes.length > 0 && axes.length < x.shape.length && axes.every((a, i) => a === i);
    const passes = layerPasses();
    if (!passes || !leading || !float32(x)) return original(args);
    const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length)),
      cols = tf.util.sizeFromShape(x.shape.slice(axes.length));
    const shape = keepDims ? x.shape.map((d, i) => (i < axes.length ? 1 : d)) : x.shape.slice(axes.length);
    const backend = args.backend as WasmBackend;
    const out = backend.makeOutput(shape, "float32"), acc = backend.makeOutput([2 * cols], "float32");
    passes.column_sums(
      heapOffset(backend, x),
      heapOffset(backend, acc),
      heapOffset(backend, out),
      rows,
      cols,
      mean ? 1 : 0,
      1 / rows,
    );
    backend.disposeData(acc.dataId);
    return out;
  };
}

/** `pass` over two float32 tensors of one shape, into a new one of `dtype`; anything else → tfjs' kernel. */
function sameShape(
  pass: "maximum" | "minimum" | "equal",
  dtype: "float32" | "bool",
): (original: tf.KernelFunc) => tf.KernelFunc {
  return (original) => (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    const passes = layerPasses();
    if (!passes || !same || !float32(a, b)) return original(args);
    const backend = args.backend as WasmBackend;
    const y = backend.makeOutput(a.shape, dtype);
    passes[pass](
      heapOffset(backend, a),
      heapOffset(backend, b),
      heapOffset(backend, y),
      tf.util.sizeFromShape(a.shape),
    );
    return y;
  };
}

/** Sign of a float32 tensor; anything else → tfjs' kernel. */
function sign(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const passes = layerPasses();
    if (!passes || !float32(x)) return original(args);
    const backend = args.backend as WasmBackend;
    const y = backend.makeOutput(x.shape, "float32");
    passes.sign(heapOffset(backend, x), heapOffset(backend, y), tf.util.sizeFromShape(x.shape));
    return y;
  };
}

function reluGrad(
  { inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend },
): TensorInfo {
  const { dy, x } = inputs as { dy: TensorInfo; x: TensorInfo };
  const dx = backend.makeOutput(x.shape, "float32");
  const [px, pdy, pdx] = [x, dy, dx].map((t) => heapOffset(backend, t));
  heapThreads()!.forRanges(
    tf.util.sizeFromShape(x.shape),
    (from, to) => [[`${FILE}:relu_grad`, px + 4 * from, pdy + 4 * from, pdx + 4 * from, to - from]],
    { align: 4, least: LEAST_SHARE_FLOATS },
  );
  return dx;
}

/** Whether ReLU's gradient of these runs as our kernel: float32, on the wasm backend, once compiled. */
function reluGradientIsOurs(dy: tf.Tensor, x: tf.Tensor): boolean {
  return layerPasses() !== null && x.dtype === "float32" && dy.dtype === "float32";
}

/** dy · step(x): one kernel on the wasm backend, tfjs' Step and Multiply elsewhere. */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return reluGradientIsOurs(dy, x) ? tf.engine().runKernel(RELU_GRAD, { dy, x }) as tf.Tensor : tf.mul(dy, tf.step(x));
}

/** Wraps Add, Sum, Mean, Maximum, Minimum, Equal and Sign and routes ReLU's gradient; before the wasm backend starts. */
export function registerWasmLayerPasses(): void {
  wrapWasmKernel("Add", addBias);
  wrapWasmKernel("Sum", leadingReduction(false));
  wrapWasmKernel("Mean", leadingReduction(true));
  wrapWasmKernel("Maximum", sameShape("maximum", "float32"));
  wrapWasmKernel("Minimum", sameShape("minimum", "float32"));
  wrapWasmKernel("Equal", sameShape("equal", "bool"));
  wrapWasmKernel("Sign", sign);
  registerWasmKernel(RELU_GRAD, reluGrad);
  const tfjsRelu = tf.getGradient("Relu");
  if (!tfjsRelu) throw new Error("tfjs has no gradient registered for Relu");
  tf.registerGradient({
    ...tfjsRelu,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as tf.Tensor[], g = dy as tf.Tensor;
      if (!reluGradientIsOurs(g, x)) return tfjsRelu.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as tf.Tensor };
    },
  });
}
