/**
 * im2col and col2im as tfjs kernels on the wasm heap (lib/wasm/im2col.wat), for layers that build
 * their convolution from the patch matrix themselves (lib/scratch):
 *
 *   TsdlIm2Col: x [n, h, w, c] → cols [n·oh·ow, k·k·c],  cols[(r, oy, ox), (ky, kx, ch)] = x[r, oy·s + ky − p, ox·s + kx − p, ch]
 *               (attr transposed: colsᵀ [k·k·c, n·oh·ow])
 *   TsdlCol2Im: its adjoint, dCols → dx [n, h, w, c], each entry added back onto its pixel.
 *   TsdlWindowElements: x → the k·k window elements Bₜ [n·oh·ow, c], one tensor per tap t = (ky, kx):
 *               Bₜ[(r, oy, ox), ch] = x[r, oy·s + ky − p, ox·s + kx − p, ch]  (the columns of cols, split by tap)
 *   TsdlWindowElementsAdjoint: their adjoint, [dBₜ] → dx, each entry added back onto its pixel.
 *   TsdlWindowMaxima: x → y = maxₜ Bₜ [n·oh·ow, c] (in tap order, as Maximum) and the first-maximum
 *               masks [k·k, n·oh·ow, c] of lib/scratch's max pool, 1 where Bₜ is the first tap equal to y
 *               (the last tap where no earlier one is), else 0.
 *   TsdlWindowMaximaAdjoint: {masks, dy} → the window elements' adjoint of [masksₜ · dy].
 *
 * Square windows, one stride and one padding on every side (attrs k, s, p). One channel, and the
 * window elements, go through the tap-major patches (im2col_taps: whole image rows at a time at
 * stride 1), which for one channel are colsᵀ; the other layout takes a transpose. The kernels write into scratch with the
 * 4 floats of slack the whole-vector copies need, then copy out.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset as at, Scratch, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { packedKernels, simdGemm } from "./wasm_batch_matmul.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";
import { LEAST_SHARE_FLOATS } from "../wasm/heap_threads.ts";

export const IM2COL = "TsdlIm2Col", COL2IM = "TsdlCol2Im";
export const WINDOW_ELEMENTS = "TsdlWindowElements", WINDOW_ELEMENTS_ADJOINT = "TsdlWindowElementsAdjoint";
export const WINDOW_MAXIMA = "TsdlWindowMaxima", WINDOW_MAXIMA_ADJOINT = "TsdlWindowMaximaAdjoint";

/** A square window's geometry on an [n, h, w, c] image. */
export interface PatchAttrs {
  k: number;
  s: number;
  p: number;
}

/** Registers the kernels; they run on the im2col and gemm.wat modules wasm_batch_matmul.ts compiled. */
export function registerWasmIm2col(): void {
  registerWasmKernel(IM2COL, im2colKernel);
  registerWasmKernel(COL2IM, col2imKernel);
  registerWasmKernel(WINDOW_ELEMENTS, windowElementsKernel);
  registerWasmKernel(WINDOW_ELEMENTS_ADJOINT, windowElementsAdjointKernel);
  registerWasmKernel(WINDOW_MAXIMA, windowMaximaKernel);
  registerWasmKernel(WINDOW_MAXIMA_ADJOINT, windowMaximaAdjointKernel);
}

/** layer_passes.wat's max-pool passes. */
interface MaximaPasses {
  first_max_masks(taps: number, y: number, masks: number, K: number, n: number): void;
  masked_taps(masks: number, dy: number, out: number, K: number, n: number): void;
}

/** The modules on the heap: im2col.wat (with the packed product), gemm.wat's transpose, layer_passes.wat's maxima. */
function kernels() {
  const im2col = packedKernels()?.im2col, gemm = simdGemm(), passes = heapKernels<MaximaPasses>("layer_passes.wat");
  return im2col && gemm && passes ? { im2col, transpose: gemm.transpose, passes } : null;
}

/** The shape im2col_taps reads: n images h × w × c, k × k windows at stride s and padding p, oh × ow of them. */
export interface TapGeometry {
  n: number;
  h: number;
  w: number;
  c: number;
  k: number;
  s: number;
  p: number;
  oh: number;
  ow: number;
}

/** im2col_taps of the images at `x` into `patches` (byte pointers), its taps shared out among the heap threads. */
export function tapPatches(x: number, patches: number, { n, h, w, c, k, s, p, oh, ow }: TapGeometry): void {
  heapThreads()!.forRanges(
    k * k,
    (t0, t1) => [["im2col.wat:im2col_tap_range", x, patches, n, h, w, c, k, s, p, oh, ow, t0, t1]],
    { least: Math.ceil(LEAST_SHARE_FLOATS / (n * oh * ow * c)) },
  );
}

/** Whether the current backend has the kernels. */
export function hasWasmIm2col(): boolean {
  return kernels() !== null && tf.getBackend() === "wasm";
}

/** What tfjs hands a kernel of this file, `A` its attributes. */
interface KernelArgs<A> {
  inputs: tf.NamedTensorInfoMap;
  backend: WasmBackend;
  attrs: A;
}

function outSize(h: number, w: number, { k, s, p }: PatchAttrs): [number, number] {
  return [Math.floor((h + 2 * p - k) / s) + 1, Math.floor((w + 2 * p - k) / s) + 1];
}

function im2colKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs & { transposed?: boolean }>,
): tf.TensorInfo {
  const x = inputs.x!, [n, h, w, c] = x.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const M = n * oh * ow, K = k * k * c, transposed = attrs.transposed ?? false;
  const cols = backend.makeOutput(transposed ? [K, M] : [M, K], "float32"),
    scratch = new Scratch(backend),
    { im2col, transpose } = kernels()!;
  try {
    const buffer = scratch.floats(M * K + 4);
    if (c === 1) {
      // tap-major: colsᵀ itself
      tapPatches(at(backend, x), at(backend, buffer), { n, h, w, c: 1, k, s, p, oh, ow });
      if (transposed) backend.typedArrayFromHeap(cols).set(backend.typedArrayFromHeap(buffer).subarray(0, M * K));
      else transpose(at(backend, buffer), at(backend, cols), K, M);
    } else {
      im2col.im2col(at(backend, x), at(backend, buffer), n, h, w, c, k, s, p, oh, ow, 0);
      if (transposed) transpose(at(backend, buffer), at(backend, cols), M, K);
      else backend.typedArrayFromHeap(cols).set(backend.typedArrayFromHeap(buffer).subarray(0, M * K));
    }
    return cols;
  } finally {
    scratch.release();
  }
}

function col2imKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs & { shape: number[] }>,
): tf.TensorInfo {
  const dCols = inputs.dCols!, [n, h, w, c] = attrs.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const M = n * oh * ow, K = k * k * c;
  if (dCols.shape[0] !== M || dCols.shape[1] !== K) {
    throw new Error(`${COL2IM}: patches [${dCols.shape}] do not fit [${attrs.shape}] (expected [${M}, ${K}])`);
  }
  const dx = backend.makeOutput(attrs.shape, "float32"),
    scratch = new Scratch(backend),
    { im2col, transpose } = kernels()!;
  try {
    const buffer = scratch.floats(M * K + 4);
    backend.typedArrayFromHeap(dx).fill(0);
    if (c === 1) {
      transpose(at(backend, dCols), at(backend, buffer), M, K);
      im2col.col2im_taps(at(backend, dx), at(backend, buffer), n, h, w, 1, k, s, p, oh, ow);
    } else {
      backend.typedArrayFromHeap(buffer).set(backend.typedArrayFromHeap(dCols));
      im2col.im2col(at(backend, dx), at(backend, buffer), n, h, w, c, k, s, p, oh, ow, 1);
    }
    return dx;
  } finally {
    scratch.release();
  }
}

function windowElementsKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs>,
): tf.TensorInfo[] {
  const x = inputs.x!, [n, h, w, c] = x.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const size = n * oh * ow * c, scratch = new Scratch(backend);
  try {
    // every allocation first: one may grow the heap, detaching views taken before it
    const elements = Array.from({ length: k * k }, () => backend.makeOutput([n * oh * ow, c], "float32"));
    const buffer = scratch.floats(k * k * size + 4);
    tapPatches(at(backend, x), at(backend, buffer), { n, h, w, c, k, s, p, oh, ow });
    const taps = backend.typedArrayFromHeap(buffer);
    elements.forEach((e, t) => backend.typedArrayFromHeap(e).set(taps.subarray(t * size, (t + 1) * size)));
    return elements;
  } finally {
    scratch.release();
  }
}

function windowElementsAdjointKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs & { shape: number[] }>,
): tf.TensorInfo {
  const [n, h, w, c] = attrs.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const elements = Object.values(inputs) as tf.TensorInfo[], size = n * oh * ow * c;
  if (elements.length !== k * k || elements.some((e) => e.shape[0] !== n * oh * ow || e.shape[1] !== c)) {
    const got = elements.map((e) => `[${e.shape}]`).join(", ");
    throw new Error(
      `${WINDOW_ELEMENTS_ADJOINT}: expected ${k * k} × [${n * oh * ow}, ${c}] for [${attrs.shape}], got ${got}`,
    );
  }
  const dx = backend.makeOutput(attrs.shape, "float32"), scratch = new Scratch(backend);
  try {
    const buffer = scratch.floats(k * k * size), taps = backend.typedArrayFromHeap(buffer);
    elements.forEach((e, t) => taps.set(backend.typedArrayFromHeap(e), t * size));
    backend.typedArrayFromHeap(dx).fill(0);
    kernels()!.im2col.col2im_taps(at(backend, dx), at(backend, buffer), n, h, w, c, k, s, p, oh, ow);
    return dx;
  } finally {
    scratch.release();
  }
}

function windowMaximaKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs>,
): tf.TensorInfo[] {
  const x = inputs.x!, [n, h, w, c] = x.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const rows = n * oh * ow, size = rows * c, scratch = new Scratch(backend);
  try {
    const y = backend.makeOutput([rows, c], "float32"), masks = backend.makeOutput([k * k, rows, c], "float32");
    const buffer = scratch.floats(k * k * size + 4);
    const { passes } = kernels()!;
    tapPatches(at(backend, x), at(backend, buffer), { n, h, w, c, k, s, p, oh, ow });
    passes.first_max_masks(at(backend, buffer), at(backend, y), at(backend, masks), k * k, size);
    return [y, masks];
  } finally {
    scratch.release();
  }
}

function windowMaximaAdjointKernel(
  { inputs, backend, attrs }: KernelArgs<PatchAttrs & { shape: number[] }>,
): tf.TensorInfo {
  const { masks, dy } = inputs as { masks: tf.TensorInfo; dy: tf.TensorInfo };
  const [n, h, w, c] = attrs.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs), size = n * oh * ow * c;
  if (tf.util.sizeFromShape(masks.shape) !== k * k * size || tf.util.sizeFromShape(dy.shape) !== size) {
    throw new Error(
      `${WINDOW_MAXIMA_ADJOINT}: masks [${masks.shape}] and dy [${dy.shape}] do not fit [${attrs.shape}]`,
    );
  }
  const dx = backend.makeOutput(attrs.shape, "float32"), scratch = new Scratch(backend);
  try {
    const buffer = scratch.floats(k * k * size), { im2col, passes } = kernels()!;
    passes.masked_taps(at(backend, masks), at(backend, dy), at(backend, buffer), k * k, size);
    backend.typedArrayFromHeap(dx).fill(0);
    im2col.col2im_taps(at(backend, dx), at(backend, buffer), n, h, w, c, k, s, p, oh, ow);
    return dx;
  } finally {
    scratch.release();
  }
}
