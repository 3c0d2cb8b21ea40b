/**
 * Conv2D and its two gradients for tfjs-backend-wasm as im2col + one packed matrix product each
 * (lib/wasm/im2col.wat, lib/wasm/gemm_packed.wat), in place on the tfjs heap. With the patch matrix
 * P[(n,oy,ox), (ky,kx,c)] of the input and the filter W [kh,kw,ci,co] read as a [kh·kw·ci, co] matrix:
 *
 *   y = P·W,    ∂L/∂W = Pᵀ·dy,    ∂L/∂x = col2im(dy·Wᵀ)
 *
 * (col2im, im2col's adjoint, adds each patch entry back onto its pixel). The transposes are strides
 * of the product, so no operand is copied besides P. This covers square kernels with one stride and
 * the same padding on every side — every convolution the experiments train — in NHWC, float32,
 * without dilation; anything else keeps the kernel it wraps.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, Scratch, type WasmBackend } from "./wasm_backend.ts";
import { packedKernels, simdGemm } from "./wasm_batch_matmul.ts";
import { PACKED_GEMM_WORK_FLOATS } from "../wasm/instantiate_wat.ts";
import { type TapGeometry, tapPatches } from "./wasm_im2col.ts";
import { filterGradientInBands, forwardInBands, inputGradientInBands, rowBands } from "./wasm_conv2d_bands.ts";
import {
  filterGradientWinograd,
  forwardWinograd,
  inputGradientWinograd,
  winogradApplies,
} from "./wasm_conv2d_winograd.ts";

type TensorInfo = tf.TensorInfo;

interface ConvAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW" | "channelsLast";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
}

/** The one geometry the packed path handles (square kernel, one stride and padding, NHWC). */
export interface ConvGeometry extends TapGeometry {
  co: number;
}

function geometry(xShape: number[], filterShape: number[], attrs: ConvAttrs): ConvGeometry | null {
  if (attrs.dataFormat === "NCHW") return null;
  const d = attrs.dilations ?? 1;
  if ((typeof d === "number" ? d : Math.max(...d)) !== 1) return null;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const square = info.filterHeight === info.filterWidth && info.strideHeight === info.strideWidth;
  if (!square || top !== bottom || top !== left || top !== right) return null;
  return {
    n: info.batchSize,
    h: info.inHeight,
    w: info.inWidth,
    c: info.inChannels,
    k: info.filterHeight,
    s: info.strideHeight,
    p: top,
    oh: info.outHeight,
    ow: info.outWidth,
    co: info.outChannels,
  };
}

const at = heapOffset;

/** P [n·oh·ow, k·k·c] of x (4 floats of slack after it, for im2col's whole-vector copies). */
function patches(backend: WasmBackend, scratch: Scratch, x: TensorInfo, g: ConvGeometry): TensorInfo {
  const { im2col } = packedKernels()!;
  const rows = g.n * g.oh * g.ow, cols = g.k * g.k * g.c;
  const P = scratch.floats(rows * cols + 4);
  im2col.im2col(at(backend, x), at(backend, P), g.n, g.h, g.w, g.c, g.k, g.s, g.p, g.oh, g.ow, 0);
  return P;
}

/**
 * XNNPACK's forward convolution reads its input in place; im2col copies it k² times. With few
 * output channels (little arithmetic per copied float) that copy costs more than the packed
 * product saves, so those stay with XNNPACK. One input channel takes the tap-major patches
 * (im2col_taps: whole image rows at a time, where im2col would copy one float per call), cheap
 * enough that the packed product wins from 16 output channels on (below that its tiles, K = k²
 * deep, spend as long storing as multiplying). The
 * gradients have no XNNPACK kernel: the packed ones win everywhere but at fewer than 8 output
 * channels for the filter gradient.
 */
const packedForwardPays = (g: ConvGeometry) => g.co >= 32 || (g.c === 1 && g.co >= 16);

/**
 * The patch matrix P(m, i) of x with its strides (floats per row m, per tap i): im2col's row-major
 * P, or for one channel the tap-major Pᵀ [k·k, n·oh·ow] (im2col_taps).
 */
function patchMatrix(
  backend: WasmBackend,
  scratch: Scratch,
  x: TensorInfo,
  g: ConvGeometry,
): { P: TensorInfo; rowStride: number; tapStride: number } {
  const rows = g.n * g.oh * g.ow, taps = g.k * g.k * g.c;
  if (g.c !== 1) return { P: patches(backend, scratch, x, g), rowStride: taps, tapStride: 1 };
  const PT = scratch.floats(taps * rows + 4);
  tapPatches(at(backend, x), at(backend, PT), g);
  return { P: PT, rowStride: 1, tapStride: rows };
}

/** Below this many rows of dW (taps k·k·c), its product runs on gemm.wat's unpacked kernel. */
const FEW_TAPS = 16;

const usable = (...ts: TensorInfo[]) => packedKernels() !== null && ts.every((t) => t.dtype === "float32");

function conv2dPacked(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const g = usable(x, filter) ? geometry(x.shape, filter.shape, args.attrs as unknown as ConvAttrs) : null;
    if (!g || !packedForwardPays(g)) return original(args);
    const backend = args.backend as WasmBackend, scratch = new Scratch(backend);
    try {
      const y = backend.makeOutput([g.n, g.oh, g.ow, g.co], "float32"), bands = rowBands(g);
      if (winogradApplies(g)) return forwardWinograd({ backend, scratch, g }, x, filter, y), y;
      if (bands) return forwardInBands({ backend, scratch, g, bands }, x, filter, y), y;
      const M = g.n * g.oh * g.ow, K = g.k * g.k * g.c;
      const { P, rowStride, tapStride } = patchMatrix(backend, scratch, x, g);
      const work = scratch.floats(PACKED_GEMM_WORK_FLOATS);
      // y = P·W
      packedKernels()!.gemm.gemm(
        at(backend, P),
        rowStride,
        tapStride,
        at(backend, filter),
        g.co,
        1,
        at(backend, y),
        g.co,
        M,
        K,
        g.co,
        at(backend, work),
        0,
      );
      return y;
    } finally {
      scratch.release();
    }
  };
}

function conv2dBackpropFilterPacked(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: number[] };
    const g = usable(x, dy) ? geometry(x.shape, attrs.filterShape, attrs) : null;
    if (!g || g.co < 8) return original(args);
    const backend = args.backend as WasmBackend, scratch = new Scratch(backend);
    try {
      const dW = backend.makeOutput(attrs.filterShape, "float32"), bands = rowBands(g);
      if (winogradApplies(g)) return filterGradientWinograd({ backend, scratch, g }, x, dy, dW), dW;
      if (bands) return filterGradientInBands({ backend, scratch, g, bands }, x, dy, dW), dW;
      const M = g.n * g.oh * g.ow, K = g.k * g.k * g.c;
      const { P, rowStride, tapStride } = patchMatrix(backend, scratch, x, g);
      if (K < FEW_TAPS) {
        // dW [K, co] = Pᵀ·dy on gemm.wat: few rows of dW, each a long dot product; packing would cost more.
        simdGemm()!.gemm_nb(at(backend, P), tapStride, rowStride, at(backend, dy), at(backend, dW), K, M, g.co);
        return dW;
      }
      const work = scratch.floats(PACKED_GEMM_WORK_FLOATS);
      // dW [K, co] = Pᵀ·dy: A(i, m) = P(m, i).
      packedKernels()!.gemm.gemm(
        at(backend, P),
        tapStride,
        rowStride,
        at(backend, dy),
        g.co,
        1,
        at(backend, dW),
        g.co,
        K,
        M,
        g.co,
        at(backend, work),
        0,
      );
      return dW;
    } finally {
      scratch.release();
    }
  };
}

function conv2dBackpropInputPacked(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: number[] };
    const g = usable(dy, filter) ? geometry(attrs.inputShape, filter.shape, attrs) : null;
    if (!g) return original(args);
    const backend = args.backend as WasmBackend, scratch = new Scratch(backend);
    try {
      const dx = backend.makeOutput(attrs.inputShape, "float32"), bands = rowBands(g);
      if (winogradApplies(g)) return inputGradientWinograd({ backend, scratch, g }, dy, filter, dx), dx;
      backend.typedArrayFromHeap(dx).fill(0); // col2im adds onto it
      if (bands) return inputGradientInBands({ backend, scratch, g, bands }, dy, filter, dx), dx;
      const M = g.n * g.oh * g.ow, K = g.k * g.k * g.c;
      const dP = scratch.floats(M * K + 4), work = scratch.floats(PACKED_GEMM_WORK_FLOATS);
      const { gemm, im2col } = packedKernels()!;
      const pdy = at(backend, dy), pw = at(backend, filter), pdP = at(backend, dP), pwork = at(backend, work);
      if (g.c === 1) {
        // One channel: dPᵀ [k·k, M] = W·dyᵀ, added back tap by tap along image rows (col2im_taps).
        gemm.gemm(pw, g.co, 1, pdy, 1, g.co, pdP, M, K, g.co, M, pwork, 0);
        im2col.col2im_taps(at(backend, dx), pdP, g.n, g.h, g.w, 1, g.k, g.s, g.p, g.oh, g.ow);
      } else {
        // dP [M, K] = dy·Wᵀ: B(o, i) = W[i, o].
        gemm.gemm(pdy, g.co, 1, pw, 1, g.co, pdP, K, M, g.co, K, pwork, 0);
        im2col.im2col(at(backend, dx), pdP, g.n, g.h, g.w, g.c, g.k, g.s, g.p, g.oh, g.ow, 1);
      }
      return dx;
    } finally {
      scratch.release();
    }
  };
}

export const PACKED_CONV_WRAPPERS: Record<string, (original: tf.KernelFunc) => tf.KernelFunc> = {
  Conv2D: conv2dPacked,
  Conv2DBackpropFilter: conv2dBackpropFilterPacked,
  Conv2DBackpropInput: conv2dBackpropInputPacked,
};
