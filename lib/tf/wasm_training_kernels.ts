/**
 * Kernels tfjs-backend-wasm 4.22 lacks but training needs.
 *
 * - Conv2D and both its gradients run as im2col + one packed matrix product (wasm_conv2d.ts) for
 *   square kernels with equal padding on every side; the compositions below serve the rest.
 * - Conv2DBackpropFilter (every conv layer's weight gradient) is built from wasm's own Transpose,
 *   PadV2, Conv2D and Slice kernels, so it runs in XNNPACK at wasm speed:
 *     dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s_h + kh − pad_top, ow·s_w + kw − pad_left, ci] · dy[n,oh,ow,co]
 *   is a valid convolution of xᵀ = [ci, H, W, n] (channels become the batch, the batch becomes the
 *   input channels) with the filter dyᵀ = [oh, ow, n, co], taps spaced by the forward stride, i.e.
 *   a conv with dilation = stride. Its output is [ci, ≥kh, ≥kw, co]; slice and transpose to
 *   [kh, kw, ci, co].
 * - Conv2DBackpropInput with stride 1 becomes a forward convolution (below).
 * - Identity shares its input instead of copying it (below).
 * - MaxPoolGrad, wrong in wasm for windows whose maximum is ≤ 0, is a direct pass over the windows
 *   (wasm_max_pool_grad.ts).
 * - Slice and SplitV copy only the slice (wasm_slice.ts); Sum and Mean over leading axes, a bias
 *   Add and ReLU's gradient are one pass each (wasm_layer_passes.ts).
 * - Rarely used kernels (UnsortedSegmentSum — the gradient of gather — and the depthwise conv
 *   backprops, Einsum) run the cpu backend's kernel on a copy of the inputs. wasm memory is host
 *   memory, so the copy costs little, and results equal the cpu backend's by construction.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel, wrapWasmKernel } from "./wrap_kernel.ts";
import { fusedBatchNorm, registerWasmBatchNorm } from "./wasm_batch_norm.ts";
import { registerWasmFlatUpdate } from "./wasm_flat_update.ts";
import { registerWasmSlice } from "./wasm_slice.ts";
import { registerWasmLayerPasses } from "./wasm_layer_passes.ts";
import { registerWasmIm2col } from "./wasm_im2col.ts";
import { PACKED_CONV_WRAPPERS } from "./wasm_conv2d.ts";
import { maxPoolGradDirect } from "./wasm_max_pool_grad.ts";

type TensorInfo = tf.TensorInfo;
type Attrs = tf.NamedAttrMap;

function run(
  name: string,
  backend: tf.KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Attrs = {},
): TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

function conv2dBackpropFilter(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: Attrs },
): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
    strides: number | [number, number];
    pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
    dataFormat: "NHWC" | "NCHW";
    dimRoundingMode?: "floor" | "round" | "ceil";
    filterShape: [number, number, number, number];
  };
  if (dataFormat === "NCHW") {
    throw new Error("Conv2DBackpropFilter on wasm supports NHWC only (the layout lib/nn uses)");
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const [kh, kw, ci, co] = filterShape;
  const { top, bottom, left, right } = info.padInfo;
  const temps: TensorInfo[] = [];
  const keep = (t: TensorInfo) => (temps.push(t), t);

  const xT = keep(run("Transpose", backend, { x }, { perm: [3, 1, 2, 0] }));
  const xTPadded = top + bottom + left + right === 0 ? xT : keep(run("PadV2", backend, { x: xT }, {
    paddings: [[0, 0], [top, bottom], [left, right], [0, 0]],
    constantValue: 0,
  }));
  const dyT = keep(run("Transpose", backend, { x: dy }, { perm: [1, 2, 0, 3] }));
  const corr = keep(run("Conv2D", backend, { x: xTPadded, filter: dyT }, {
    strides: [1, 1],
    pad: "valid",
    dataFormat: "NHWC",
    dilations: [info.strideHeight, info.strideWidth],
  }));
  const fits = corr.shape[1] === kh && corr.shape[2] === kw;
  const cropped = fits
    ? corr
    : keep(run("Slice", backend, { x: corr }, { begin: [0, 0, 0, 0], size: [ci, kh, kw, co] }));
  const dW = run("Transpose", backend, { x: cropped }, { perm: [1, 2, 0, 3] });
  for (const t of temps) backend.disposeData(t.dataId);
  return dW;
}

/**
 * Conv2DBackpropInput for stride 1 as a forward convolution (Dumoulin & Visin 2016, §4.1): the
 * "full" correlation of dy, padded by k − 1 − pad, with the filter rotated 180° and its in/out
 * channels swapped. tfjs-wasm computes it in a scalar loop, several times slower than its XNNPACK
 * forward convolution; this runs in XNNPACK. Strided convolutions keep tfjs' kernel.
 */
function conv2dBackpropInputStride1(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as {
      strides: number | [number, number];
      pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
      dataFormat: "NHWC" | "NCHW";
      dimRoundingMode?: "floor" | "round" | "ceil";
      inputShape: [number, number, number, number];
    };
    const [sh, sw] = typeof strides === "number" ? [strides, strides] : strides;
    if (sh !== 1 || sw !== 1 || dataFormat === "NCHW") return original(args);
    const backend = args.backend as tf.KernelBackend;
    const [kh, kw] = filter.shape;
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filter.shape as [number, number, number, number],
      1,
      1,
      pad,
      dimRoundingMode,
    );
    const { top, bottom, left, right } = info.padInfo;
    const [padTop, padBottom, padLeft, padRight] = [kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right];
    if (Math.min(padTop, padBottom, padLeft, padRight) < 0) return original(args); // padding wider than the kernel
    const temps: TensorInfo[] = [];
    const keep = (t: TensorInfo) => (temps.push(t), t);
    const rotated = keep(run("Reverse", backend, { x: filter }, { dims: [0, 1] }));
    const swapped = keep(run("Transpose", backend, { x: rotated }, { perm: [0, 1, 3, 2] }));
    const padded = padTop + padBottom + padLeft + padRight === 0 ? dy : keep(run("PadV2", backend, { x: dy }, {
      paddings: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]],
      constantValue: 0,
    }));
    const dx = run("Conv2D", backend, { x: padded, filter: swapped }, {
      strides: [1, 1],
      pad: "valid",
      dataFormat: "NHWC",
      dilations: [1, 1],
    });
    for (const t of temps) backend.disposeData(t.dataId);
    return dx;
  };
}

/** Runs the cpu backend's kernel `name` on copies of wasm tensors and copies the outputs back. */
function viaCpu(name: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const wasm = backend as WasmBackend;
    const cpu = tf.findBackend("cpu");
    if (!cpu) throw new Error(`${name} on wasm needs the cpu backend, which failed to start`);
    // Most kernels take named inputs; Einsum takes an array.
    const cpuInputs = (Array.isArray(inputs) ? [] : {}) as Record<string, TensorInfo>;
    for (const [key, t] of Object.entries(inputs)) {
      if (!t) continue;
      const values = wasm.readSync(t.dataId) as tf.backend_util.TypedArray;
      cpuInputs[key] = { dataId: cpu.write(values.slice(), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
    }
    const kernel = tf.getKernel(name, "cpu")!;
    const raw = kernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
    const outs = Array.isArray(raw) ? raw : [raw];
    const results = outs.map((o) => {
      const out = wasm.makeOutput(o.shape, o.dtype);
      wasm.typedArrayFromHeap(out).set(cpu.readSync(o.dataId) as tf.backend_util.TypedArray);
      cpu.disposeData(o.dataId);
      return out;
    });
    for (const t of Object.values(cpuInputs)) cpu.disposeData(t.dataId);
    return Array.isArray(raw) ? results : results[0];
  };
}

export const WASM_VIA_CPU_KERNELS = [
  "UnsortedSegmentSum",
  "DepthwiseConv2dNativeBackpropFilter",
  "DepthwiseConv2dNativeBackpropInput",
  "Einsum",
] as const;

/**
 * wasm's Identity copies its input. The tape clones every input it saves for the backward pass, so a
 * gather or slice of a whole dataset inside tf.variableGrads copied the dataset on every step (a
 * cost that grows with the dataset, not the batch). Sharing the data, as the cpu backend's Identity
 * does, is safe: kernels never write to their inputs.
 */
function identityShared({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): TensorInfo {
  const { x } = inputs as { x: TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

let registered = false;

export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  registerWasmKernel(
    "Conv2DBackpropFilter",
    PACKED_CONV_WRAPPERS.Conv2DBackpropFilter(conv2dBackpropFilter as tf.KernelFunc),
  );
  wrapWasmKernel("Conv2D", PACKED_CONV_WRAPPERS.Conv2D);
  wrapWasmKernel("Identity", () => identityShared as tf.KernelFunc);
  registerWasmSlice();
  registerWasmLayerPasses();
  registerWasmIm2col();
  wrapWasmKernel(
    "Conv2DBackpropInput",
    (original) => PACKED_CONV_WRAPPERS.Conv2DBackpropInput(conv2dBackpropInputStride1(original)),
  );
  wrapWasmKernel("MaxPoolGrad", maxPoolGradDirect);
  wrapWasmKernel("FusedBatchNorm", fusedBatchNorm);
  registerWasmBatchNorm();
  registerWasmFlatUpdate();
  for (const name of WASM_VIA_CPU_KERNELS) {
    registerWasmKernel(name, viaCpu(name));
  }
}
