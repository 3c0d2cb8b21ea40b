/**
 * im2col and col2im as tfjs kernels on the wasm heap (lib/wasm/im2col.wat), for layers that build
 * their convolution from the patch matrix themselves (lib/scratch):
 *
 *   TsdlIm2Col: x [n, h, w, c] → cols [n·oh·ow, k·k·c],  cols[(r, oy, ox), (ky, kx, ch)] = x[r, oy·s + ky − p, ox·s + kx − p, ch]
 *   TsdlCol2Im: its adjoint, dCols → dx [n, h, w, c], each entry added back onto its pixel.
 *
 * Square windows, one stride and one padding on every side (attrs k, s, p). One channel goes
 * through the tap-major patches (whole image rows at a time) and a transpose. The kernels write
 * into scratch with the 4 floats of slack im2col's whole-vector copies need, then copy out.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset as at, Scratch, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { type Gemm, instantiateWat } from "../wasm/instantiate_wat.ts";
import type { Im2colKernel } from "../native/engine.ts";

export const IM2COL = "TsdlIm2Col", COL2IM = "TsdlCol2Im";

/** A square window's geometry on an [n, h, w, c] image. */
export interface PatchAttrs {
  k: number;
  s: number;
  p: number;
}

let kernels: { im2col: Im2colKernel; gemm: Gemm } | null = null;

/** Compiles the kernels against the wasm backend's heap and registers them; call once wasm is ready. */
export async function enableWasmIm2col(memory: WebAssembly.Memory): Promise<void> {
  const [im2col, gemm] = await Promise.all([
    instantiateWat<Im2colKernel>("im2col.wat", memory),
    instantiateWat<Gemm>("gemm.wat", memory),
  ]);
  kernels = { im2col, gemm };
  registerWasmKernel(IM2COL, im2colKernel);
  registerWasmKernel(COL2IM, col2imKernel);
}

/** Whether the current backend has the kernels. */
export function hasWasmIm2col(): boolean {
  return kernels !== null && tf.getBackend() === "wasm";
}

function outSize(h: number, w: number, { k, s, p }: PatchAttrs): [number, number] {
  return [Math.floor((h + 2 * p - k) / s) + 1, Math.floor((w + 2 * p - k) / s) + 1];
}

function im2colKernel(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: PatchAttrs },
): tf.TensorInfo {
  const x = inputs.x!, [n, h, w, c] = x.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const M = n * oh * ow, K = k * k * c;
  const cols = backend.makeOutput([M, K], "float32"), scratch = new Scratch(backend);
  try {
    const buffer = scratch.floats(M * K + 4);
    if (c === 1) {
      kernels!.im2col.im2col_taps(at(backend, x), at(backend, buffer), n, h, w, k, s, p, oh, ow);
      kernels!.gemm.transpose(at(backend, buffer), at(backend, cols), K, M);
    } else {
      kernels!.im2col.im2col(at(backend, x), at(backend, buffer), n, h, w, c, k, s, p, oh, ow, 0);
      backend.typedArrayFromHeap(cols).set(backend.typedArrayFromHeap(buffer).subarray(0, M * K));
    }
    return cols;
  } finally {
    scratch.release();
  }
}

function col2imKernel(
  { inputs, backend, attrs }: {
    inputs: tf.NamedTensorInfoMap;
    backend: WasmBackend;
    attrs: PatchAttrs & { shape: number[] };
  },
): tf.TensorInfo {
  const dCols = inputs.dCols!, [n, h, w, c] = attrs.shape, { k, s, p } = attrs, [oh, ow] = outSize(h, w, attrs);
  const M = n * oh * ow, K = k * k * c;
  if (dCols.shape[0] !== M || dCols.shape[1] !== K) {
    throw new Error(`${COL2IM}: patches [${dCols.shape}] do not fit [${attrs.shape}] (expected [${M}, ${K}])`);
  }
  const dx = backend.makeOutput(attrs.shape, "float32"), scratch = new Scratch(backend);
  try {
    const buffer = scratch.floats(M * K + 4);
    backend.typedArrayFromHeap(dx).fill(0);
    if (c === 1) {
      kernels!.gemm.transpose(at(backend, dCols), at(backend, buffer), M, K);
      kernels!.im2col.col2im_taps(at(backend, dx), at(backend, buffer), n, h, w, k, s, p, oh, ow);
    } else {
      backend.typedArrayFromHeap(buffer).set(backend.typedArrayFromHeap(dCols));
      kernels!.im2col.im2col(at(backend, dx), at(backend, buffer), n, h, w, c, k, s, p, oh, ow, 1);
    }
    return dx;
  } finally {
    scratch.release();
  }
}
