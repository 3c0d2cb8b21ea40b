/**
 * Convolutions of small images without their all-zero taps. With padding p, the first and last
 * output rows' windows hang over the padding: on a 4×4 image a 3×3 window of the top row has
 * only 2 of its 3 rows inside, and on 2×2 every output row does. im2col fills those taps with
 * zeros and the product multiplies them anyway (a sixth of the work at 4×4, a third at 2×2).
 * Here the output rows are cut into bands whose windows cover the same rows of the image
 * (window rows [ky0, ky1)), and each band is one product over those taps only — their rows of W
 * [kh·kw·ci, co] are contiguous:
 *
 *   y_band = P_band · W[ky0·k·ci .. ky1·k·ci),   dx += col2im_band(dy_band · W_bandᵀ),
 *   dW[band rows] += P_bandᵀ · dy_band.
 *
 * The same sums without their zero terms, in other blocks of k: equal up to float rounding.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { heapOffset as at, type Scratch, type WasmBackend, wasmHeap } from "./wasm_backend.ts";
import { packedKernels } from "./wasm_batch_matmul.ts";
import { PACKED_GEMM_WORK_FLOATS } from "../wasm/instantiate_wat.ts";
import type { ConvGeometry as BandGeometry } from "./wasm_conv2d.ts";

/** Output rows [oy0, oy1) whose windows lie inside the image on window rows [ky0, ky1). */
interface Band {
  oy0: number;
  oy1: number;
  ky0: number;
  ky1: number;
}

/** The share of window rows left out must reach this for the bands to pay for their extra packing. */
const MIN_SKIPPED = 0.16;

/** The bands of g's output rows, or null where too few taps are padding (large images). */
export function rowBands(g: BandGeometry): Band[] | null {
  if (g.c === 1) return null; // tap-major patches: another layout (wasm_conv2d.ts)
  const bands: Band[] = [];
  for (let oy = 0; oy < g.oh; oy++) {
    const ky0 = Math.max(0, g.p - oy * g.s), ky1 = Math.min(g.k, g.h + g.p - oy * g.s);
    const last = bands.at(-1);
    if (last && last.ky0 === ky0 && last.ky1 === ky1) last.oy1 = oy + 1;
    else bands.push({ oy0: oy, oy1: oy + 1, ky0, ky1 });
  }
  const kept = bands.reduce((sum, b) => sum + (b.oy1 - b.oy0) * (b.ky1 - b.ky0), 0);
  return bands.length > 1 && 1 - kept / (g.oh * g.k) >= MIN_SKIPPED ? bands : null;
}

/** A kernel's heap, scratch, geometry and bands. */
export interface BandContext {
  backend: WasmBackend;
  scratch: Scratch;
  g: BandGeometry;
  bands: Band[];
}

/** Rows and taps of a band's patch matrix. */
function extent(g: BandGeometry, b: Band): { rows: number; taps: number } {
  return { rows: g.n * (b.oy1 - b.oy0) * g.ow, taps: (b.ky1 - b.ky0) * g.k * g.c };
}

/** im2col_rows over the band (adjoint: col2im, adding onto the image). */
function bandIm2col(image: number, patches: number, g: BandGeometry, b: Band, adjoint: boolean): void {
  const { im2col } = packedKernels()!;
  im2col.im2col_rows(
    image,
    patches,
    g.n,
    g.h,
    g.w,
    g.c,
    g.k,
    g.s,
    g.p,
    g.ow,
    adjoint ? 1 : 0,
    b.oy0,
    b.oy1,
    b.ky0,
    b.ky1,
  );
}

/** The band's patches of x [n, h, w, c]. */
function bandPatches(backend: WasmBackend, scratch: Scratch, x: number, g: BandGeometry, b: Band): tf.TensorInfo {
  const { rows, taps } = extent(g, b);
  const P = scratch.floats(rows * taps + 4); // + im2col's slack
  bandIm2col(x, at(backend, P), g, b, false);
  return P;
}

/**
 * Copies the band's rows between a tensor [n, oh, ow, co] (at `whole`) and a compact [n, band rows,
 * ow, co] (at `band`), either way.
 */
function copyBandRows(backend: WasmBackend, g: BandGeometry, b: Band, whole: number, band: number, out: boolean): void {
  const heap = new Float32Array(wasmHeap(backend)!.buffer); // after the allocations: a view of the grown heap
  const run = (b.oy1 - b.oy0) * g.ow * g.co;
  for (let r = 0; r < g.n; r++) {
    const w0 = whole / 4 + (r * g.oh + b.oy0) * g.ow * g.co, b0 = band / 4 + r * run;
    if (out) heap.copyWithin(w0, b0, b0 + run);
    else heap.copyWithin(b0, w0, w0 + run);
  }
}

/** W's rows for the band's taps: [ky0·k·c, ky1·k·c) of [k·k·c, co]. */
const bandWeights = (g: BandGeometry, b: Band, filter: number) => filter + 4 * b.ky0 * g.k * g.c * g.co;

/** y = conv(x, W), band by band. */
export function forwardInBands(
  { backend, scratch, g, bands }: BandContext,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  y: tf.TensorInfo,
): void {
  const work = at(backend, scratch.floats(PACKED_GEMM_WORK_FLOATS)), { gemm } = packedKernels()!;
  for (const b of bands) {
    const { rows, taps } = extent(g, b);
    const P = bandPatches(backend, scratch, at(backend, x), g, b), Y = scratch.floats(rows * g.co);
    gemm.gemm(
      at(backend, P),
      taps,
      1,
      bandWeights(g, b, at(backend, filter)),
      g.co,
      1,
      at(backend, Y),
      g.co,
      rows,
      taps,
      g.co,
      work,
      0,
    );
    copyBandRows(backend, g, b, at(backend, y), at(backend, Y), true);
  }
}

/** dx = col2im(dy·Wᵀ), band by band (dx zeroed by the caller). */
export function inputGradientInBands(
  { backend, scratch, g, bands }: BandContext,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  dx: tf.TensorInfo,
): void {
  const work = at(backend, scratch.floats(PACKED_GEMM_WORK_FLOATS)), { gemm } = packedKernels()!;
  for (const b of bands) {
    const { rows, taps } = extent(g, b);
    const D = scratch.floats(rows * g.co), dP = scratch.floats(rows * taps + 4);
    copyBandRows(backend, g, b, at(backend, dy), at(backend, D), false);
    // dP = dy_band · W_bandᵀ: B(o, i) = W_band[i, o]
    gemm.gemm(
      at(backend, D),
      g.co,
      1,
      bandWeights(g, b, at(backend, filter)),
      1,
      g.co,
      at(backend, dP),
      taps,
      rows,
      g.co,
      taps,
      work,
      0,
    );
    bandIm2col(at(backend, dx), at(backend, dP), g, b, true);
  }
}

/** dW = Pᵀ·dy, band by band, each adding onto its taps' rows (dW zeroed here). */
export function filterGradientInBands(
  { backend, scratch, g, bands }: BandContext,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  dW: tf.TensorInfo,
): void {
  const work = at(backend, scratch.floats(PACKED_GEMM_WORK_FLOATS)), { gemm } = packedKernels()!;
  backend.typedArrayFromHeap(dW).fill(0);
  for (const b of bands) {
    const { rows, taps } = extent(g, b);
    const P = bandPatches(backend, scratch, at(backend, x), g, b), D = scratch.floats(rows * g.co);
    copyBandRows(backend, g, b, at(backend, dy), at(backend, D), false);
    // dW_band += P_bandᵀ · dy_band: A(i, m) = P_band[m, i]
    gemm.gemm(
      at(backend, P),
      1,
      taps,
      at(backend, D),
      g.co,
      1,
      bandWeights(g, b, at(backend, dW)),
      g.co,
      taps,
      rows,
      g.co,
      work,
      1,
    );
  }
}
