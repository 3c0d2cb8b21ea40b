/**
 * 3×3 and 5×5 convolutions at stride 1 with "same" padding by Winograd's minimal filtering
 * (Lavin & Gray 2016): F(4×4, 3×3) and F(2×2, 5×5) forward and for the input gradient, F(r×r, m×m)
 * for the filter gradient. The transforms are lib/wasm/winograd_4x4_3x3.wat and winograd_2x2_5x5.wat;
 * the 36 products per layer (one per element ξ of the 6×6 transform) run on the packed kernel,
 * shared out whole among the threads (gemmBatch):
 *
 *   y:   M_ξ = V_ξ(x) · U_ξ(W)                     [T, co] = [T, ci] · [ci, co]
 *   ∂x:  M_ξ = V_ξ(dy) · U_ξ(flipped W)ᵀ           [T, ci] = [T, co] · [co, ci]
 *   ∂W:  S_ξ = V_ξ(x)ᵀ · D_ξ(dy)                   [ci, co] = [ci, T] · [T, co]
 *
 * with T = n·⌈h/m⌉·⌈w/m⌉ tiles of m×m outputs. A tile's 36 multiplications replace im2col's m²r²:
 * 4× fewer for 3×3 and 2.8× for 5×5 where every tap is inside, less on small images whose edge taps
 * are padding (at 2×2 one product per band of wasm_conv2d_bands.ts does a tile's work, so those
 * stay banded). Sums in another order and through transforms that hold 4s, 5s and 1/24: equal to
 * the direct sums up to float rounding, about a decimal digit more of it than im2col's (tested).
 */
import type * as tf from "@tensorflow/tfjs-core";
import { heapOffset as at, type Scratch, type WasmBackend } from "./wasm_backend.ts";
import { packedKernels } from "./wasm_batch_matmul.ts";
import { heapThreads } from "./wasm_heap.ts";
import { PACKED_GEMM_WORK_FLOATS } from "../wasm/instantiate_wat.ts";
import type { ConvGeometry } from "./wasm_conv2d.ts";
import { type Args as GemmArgs, gemmBatch } from "../wasm/gemm_threads.ts";
import { LEAST_SHARE_FLOATS } from "../wasm/heap_threads.ts";
import { WINOGRAD_TILES, winogradFile, type WinogradTile, XI_PAD_FLOATS } from "../wasm/winograd_wat.ts";

/** Whether g is a Winograd layer: 3×3 or 5×5, stride 1, "same" padding, channels in fours, images over 2×2. */
export function winogradApplies(g: ConvGeometry): boolean {
  return (g.k === 3 || g.k === 5) && g.s === 1 && 2 * g.p === g.k - 1 && g.c % 4 === 0 && g.co % 4 === 0 &&
    Math.min(g.h, g.w) > 2;
}

/** A kernel's heap, scratch and geometry. */
export interface WinogradContext {
  backend: WasmBackend;
  scratch: Scratch;
  g: ConvGeometry;
}

/** The tile of a layer: F(4×4, 3×3) for 3×3 filters, F(2×2, 5×5) for 5×5. */
const winogradTile = (g: ConvGeometry): WinogradTile => g.k === 5 ? "2x2_5x5" : "4x4_3x3";
const tileSize = (g: ConvGeometry) => WINOGRAD_TILES[winogradTile(g)].m;
const tiles = (g: ConvGeometry) => g.n * Math.ceil(g.h / tileSize(g)) * Math.ceil(g.w / tileSize(g));
/** Elements ξ of the transform: (m + r − 1)². */
const elements = (g: ConvGeometry) => (tileSize(g) + g.k - 1) ** 2;
/** Floats from one element's matrix to the next (see XI_PAD_FLOATS): [T][channels] of a tile transform, [C][K] of a filter's. */
const tileStride = (g: ConvGeometry, channels: number) => tiles(g) * channels + XI_PAD_FLOATS;
const filterStride = (g: ConvGeometry) => g.c * g.co + XI_PAD_FLOATS;
/** A transform's function on the heap threads. */
const transform = (g: ConvGeometry, name: string) => `${winogradFile(winogradTile(g))}:${name}`;

/**
 * A tile transform of images [r0, r1) between an image tensor with `c` channels and its transform,
 * shared out by images; a share's size is what it writes or reads of the transform, the larger side.
 */
function eachImage(g: ConvGeometry, name: string, a: number, b: number, c: number): void {
  const transformFloatsPerImage = (elements(g) * tiles(g) / g.n) * c;
  heapThreads()!.forRanges(g.n, (r0, r1) => [[transform(g, name), a, b, g.n, g.h, g.w, c, r0, r1]], {
    least: Math.ceil(LEAST_SHARE_FLOATS / transformFloatsPerImage),
  });
}

/** A filter transform of input channels [c0, c1) (`extra`: its arguments after c and k), shared out by channels. */
function eachInputChannel(g: ConvGeometry, name: string, a: number, b: number, extra: number[]): void {
  heapThreads()!.forRanges(g.c, (c0, c1) => [[transform(g, name), a, b, g.c, g.co, ...extra, c0, c1]], {
    least: Math.ceil(LEAST_SHARE_FLOATS / (elements(g) * g.co)),
  });
}

/**
 * The products C_ξ = op(A_ξ)·op(B_ξ), one per element ξ: A_ξ at a + ξ·aSize floats read with
 * strides (sai, sak), B_ξ likewise, C_ξ row-major [rows × cols] at c.at + ξ·c.size floats.
 */
function products(
  ctx: WinogradContext,
  a: { at: number; size: number; sai: number; sak: number },
  b: { at: number; size: number; sbk: number; sbj: number },
  c: { at: number; size: number },
  [rows, depth, cols]: [number, number, number],
): void {
  const work = at(ctx.backend, ctx.scratch.floats(PACKED_GEMM_WORK_FLOATS));
  const batch = Array.from({ length: elements(ctx.g) }, (_, xi): GemmArgs => [
    a.at + 4 * xi * a.size,
    a.sai,
    a.sak,
    b.at + 4 * xi * b.size,
    b.sbk,
    b.sbj,
    c.at + 4 * xi * c.size,
    cols,
    rows,
    depth,
    cols,
    work,
    0,
  ]);
  gemmBatch(packedKernels()!.gemm, batch);
}

/**
 * out = conv(input, W), or with flipped: the same pass of W flipped and its channels swapped
 * (the input gradient: input dy, out dx). U_ξ [ci, co] is read as it is stored, or transposed.
 */
function convolve(
  ctx: WinogradContext,
  input: tf.TensorInfo,
  filter: tf.TensorInfo,
  out: tf.TensorInfo,
  flipped: boolean,
): void {
  const { backend, scratch, g } = ctx, T = tiles(g), [cin, cout] = flipped ? [g.co, g.c] : [g.c, g.co];
  const X = elements(g);
  const [vSize, mSize] = [tileStride(g, cin), tileStride(g, cout)];
  const V = scratch.floats(X * vSize), U = scratch.floats(X * filterStride(g)), M = scratch.floats(X * mSize);
  eachImage(g, "transform_input", at(backend, input), at(backend, V), cin);
  eachInputChannel(g, "transform_filter", at(backend, filter), at(backend, U), [flipped ? 1 : 0]);
  const [sbk, sbj] = flipped ? [1, g.co] : [g.co, 1];
  products(
    ctx,
    { at: at(backend, V), size: vSize, sai: cin, sak: 1 },
    { at: at(backend, U), size: filterStride(g), sbk, sbj },
    { at: at(backend, M), size: mSize },
    [T, cin, cout],
  );
  eachImage(g, "transform_output", at(backend, M), at(backend, out), cout);
}

/** y = conv(x, W). */
export function forwardWinograd(ctx: WinogradContext, x: tf.TensorInfo, filter: tf.TensorInfo, y: tf.TensorInfo): void {
  convolve(ctx, x, filter, y, false);
}

/** dx = the forward pass of dy with W flipped and its channels swapped. */
export function inputGradientWinograd(
  ctx: WinogradContext,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  dx: tf.TensorInfo,
): void {
  convolve(ctx, dy, filter, dx, true);
}

/** dW = Gᵀ [Σ_t D_t ⊙ V_t] G. */
export function filterGradientWinograd(
  ctx: WinogradContext,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  dW: tf.TensorInfo,
): void {
  const { backend, scratch, g } = ctx, T = tiles(g);
  const X = elements(g);
  const [vSize, dSize] = [tileStride(g, g.c), tileStride(g, g.co)];
  const V = scratch.floats(X * vSize), D = scratch.floats(X * dSize), S = scratch.floats(X * filterStride(g));
  eachImage(g, "transform_input", at(backend, x), at(backend, V), g.c);
  eachImage(g, "transform_output_gradient", at(backend, dy), at(backend, D), g.co);
  products(
    ctx,
    { at: at(backend, V), size: vSize, sai: 1, sak: g.c }, // V_ξᵀ
    { at: at(backend, D), size: dSize, sbk: g.co, sbj: 1 },
    { at: at(backend, S), size: filterStride(g) },
    [g.c, T, g.co],
  );
  eachInputChannel(g, "transform_filter_gradient", at(backend, S), at(backend, dW), []);
}
