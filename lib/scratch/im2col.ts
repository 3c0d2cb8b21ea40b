/**
 * im2col and col2im on NHWC tensors. The im2col matrix of a kh×kw window with stride (sh, sw) and
 * zero padding (ph, pw) has one row per output pixel and one column per window element:
 *
 *   cols[(n, oy, ox), (i, j, c)] = x[n, oy·sh + i − ph, ox·sw + j − pw, c]   (0 in the padding),
 *
 * so a convolution is one matrix product (Chellapilla, Puri & Simard 2006). col2im is the adjoint:
 * each entry's gradient goes back to the pixel it was read from, summed where windows overlap.
 *
 * On the wasm backend, square windows with one stride and padding run as one kernel each
 * (lib/tf/wasm_im2col.ts). Everywhere else they are built from whole-tensor ops, below.
 *
 * The composition works channel-first (CNHW [C, n, h, w], transposed once from NHWC): tfjs copies
 * slices run by contiguous run, so rows of w floats copy fast where single NHWC pixels of C floats
 * (C = 1 on MNIST) take a call each. Block (i, j) — the (i, j) element of every window —
 *
 *   block₍ᵢ,ⱼ₎[c, n, oy, ox] = x[c, n, oy·sh + i, ox·sw + j]   (of the padded input)
 *
 * is a slice, with strides but without strided slicing: the input is split once into its sh·sw
 * stride phases ("space to depth": phase (r, q) holds pixels (sh·a + r, sw·b + q)), after which
 * block (i, j) is the contiguous window [a .. a+oh) × [b .. b+ow) of phase (i mod sh, j mod sw),
 * a = ⌊i/sh⌋, b = ⌊j/sw⌋. Stacking the kh·kw blocks gives colsᵀ; col2im pads each block's gradient
 * into its phase and reassembles the phases. The only JS loops run over phases and offsets.
 */
import { tf } from "../tf.ts";
import { pair, type Size2, windowOutputSize } from "./output_size.ts";
import {
  COL2IM,
  hasWasmIm2col,
  IM2COL,
  WINDOW_ELEMENTS,
  WINDOW_ELEMENTS_ADJOINT,
  WINDOW_MAXIMA,
  WINDOW_MAXIMA_ADJOINT,
} from "../tf/wasm_im2col.ts";

export interface WindowGeometry {
  /** [height, width] of the input, without padding. */
  inSize: [number, number];
  kernel: [number, number];
  stride: [number, number];
  /** Zero padding on each side, [rows, columns]. */
  padding: [number, number];
  /** [oh, ow] */
  outSize: [number, number];
  /** Window offsets (i, j) in row-major order: the order of a filter's [kh, kw] axes. */
  offsets: [number, number][];
  /** [⌈(h + 2ph)/sh⌉, ⌈(w + 2pw)/sw⌉]: the size of each stride phase of the padded input. */
  phaseSize: [number, number];
}

export function windowGeometry(
  inSize: [number, number],
  kernel: Size2,
  stride: Size2,
  padding: Size2 = 0,
): WindowGeometry {
  const [kh, kw] = pair(kernel), [sh, sw] = pair(stride), [ph, pw] = pair(padding);
  const offsets = Array.from({ length: kh * kw }, (_, k): [number, number] => [Math.floor(k / kw), k % kw]);
  const padded = paddedSize(inSize, [ph, pw]);
  return {
    inSize,
    kernel: [kh, kw],
    stride: [sh, sw],
    padding: [ph, pw],
    outSize: windowOutputSize(padded, kernel, stride, 0),
    offsets,
    phaseSize: [Math.ceil(padded[0] / sh), Math.ceil(padded[1] / sw)],
  };
}

function paddedSize([h, w]: [number, number], [ph, pw]: [number, number]): [number, number] {
  return [h + 2 * ph, w + 2 * pw];
}

/** cols [n·oh·ow, kh·kw·C] of x [n, h, w, C]. */
export function im2col(xNHWC: tf.Tensor4D, g: WindowGeometry): tf.Tensor2D {
  const kernelAttrs = wasmAttrs(g);
  if (kernelAttrs) {
    return tf.engine().runKernel(IM2COL, { x: xNHWC }, { ...kernelAttrs }) as tf.Tensor2D;
  }
  return tf.transpose(im2colTransposed(xNHWC, g));
}

/** colsᵀ [kh·kw·C, n·oh·ow] of x [n, h, w, C] (for one channel the cheaper layout on wasm). */
export function im2colTransposed(xNHWC: tf.Tensor4D, g: WindowGeometry): tf.Tensor2D {
  const kernelAttrs = wasmAttrs(g);
  if (kernelAttrs) {
    return tf.engine().runKernel(IM2COL, { x: xNHWC }, { ...kernelAttrs, transposed: true }) as tf.Tensor2D;
  }
  const [ph, pw] = g.padding, xCNHW = toChannelsFirst(xNHWC);
  return im2colT(ph || pw ? tf.pad(xCNHW, [[0, 0], [0, 0], [ph, ph], [pw, pw]]) : xCNHW, g);
}

/** Adjoint of im2col: dCols [n·oh·ow, kh·kw·C] → dX [n, h, w, C]. */
export function col2im(dCols: tf.Tensor2D, g: WindowGeometry, batch: number, channels: number): tf.Tensor4D {
  const kernelAttrs = wasmAttrs(g);
  if (kernelAttrs) {
    const shape = [batch, ...g.inSize, channels];
    return tf.engine().runKernel(COL2IM, { dCols }, { ...kernelAttrs, shape }) as tf.Tensor4D;
  }
  return col2imOfTransposed(tf.transpose(dCols), g, batch, channels);
}

/** The composition's col2im, from dColsᵀ [kh·kw·C, n·oh·ow]. */
function col2imOfTransposed(dColsT: tf.Tensor2D, g: WindowGeometry, batch: number, channels: number): tf.Tensor4D {
  const [h, w] = g.inSize, [ph, pw] = g.padding;
  const dPadded = col2imT(dColsT, g, channels, batch);
  // Padding sits on the H and W axes (2 and 3 of CNHW).
  return toChannelsLast(ph || pw ? tf.slice(dPadded, [0, 0, ph, pw], [channels, batch, h, w]) : dPadded);
}

/**
 * The window elements Bₜ [n·oh·ow, C] of x [n, h, w, C], one per offset t = (i, j) of g.offsets:
 * Bₜ[(n, oy, ox), c] = x[n, oy·sh + i − ph, ox·sw + j − pw, c], cols split into its column blocks.
 */
export function windowElements(xNHWC: tf.Tensor4D, g: WindowGeometry): tf.Tensor2D[] {
  const kernelAttrs = wasmAttrs(g);
  if (kernelAttrs) {
    return tf.engine().runKernel(WINDOW_ELEMENTS, { x: xNHWC }, { ...kernelAttrs }) as unknown as tf.Tensor2D[];
  }
  const rows = xNHWC.shape[0] * g.outSize[0] * g.outSize[1], c = xNHWC.shape[3], k = g.offsets.length;
  // colsᵀ [k·C, rows] → [k, rows·C]: each window element one contiguous slice.
  const colsT = tf.reshape(im2colTransposed(xNHWC, g), [k, c, rows]);
  const byOffset = tf.reshape(tf.transpose(colsT, [0, 2, 1]), [k, -1]);
  return g.offsets.map((_, t) => tf.reshape(tf.slice(byOffset, [t, 0], [1, -1]), [rows, c]));
}

/** Adjoint of windowElements: [dBₜ] → dX [n, h, w, C]. */
export function windowElementsAdjoint(
  dElements: tf.Tensor2D[],
  g: WindowGeometry,
  batch: number,
  channels: number,
): tf.Tensor4D {
  const kernelAttrs = wasmAttrs(g);
  if (kernelAttrs) {
    const shape = [batch, ...g.inSize, channels];
    return tf.engine().runKernel(
      WINDOW_ELEMENTS_ADJOINT,
      dElements as unknown as tf.NamedTensorMap,
      { ...kernelAttrs, shape },
    ) as tf.Tensor4D;
  }
  const rows = dElements[0].shape[0], k = dElements.length;
  const dColsT = tf.reshape(tf.transpose(tf.stack(dElements), [0, 2, 1]), [k * channels, rows]);
  return col2imOfTransposed(dColsT as tf.Tensor2D, g, batch, channels);
}

/**
 * On wasm, the window elements' running maximum y [n·oh·ow, C] and their first-maximum masks
 * [kh·kw, n·oh·ow, C] in one kernel (what lib/scratch/pool.ts composes from windowElements); null
 * where that kernel is missing.
 */
export function windowMaxima(xNHWC: tf.Tensor4D, g: WindowGeometry): { y: tf.Tensor2D; masks: tf.Tensor3D } | null {
  const kernelAttrs = wasmAttrs(g);
  if (!kernelAttrs) return null;
  const [y, masks] = tf.engine().runKernel(WINDOW_MAXIMA, { x: xNHWC }, { ...kernelAttrs }) as tf.Tensor[];
  return { y: y as tf.Tensor2D, masks: masks as tf.Tensor3D };
}

/** windowElementsAdjoint of [masksₜ · dY] for windowMaxima's masks, in one kernel. */
export function windowMaximaAdjoint(
  masks: tf.Tensor3D,
  dY: tf.Tensor2D,
  g: WindowGeometry,
  batch: number,
  channels: number,
): tf.Tensor4D {
  const shape = [batch, ...g.inSize, channels];
  return tf.engine().runKernel(WINDOW_MAXIMA_ADJOINT, { masks, dy: dY }, { ...wasmAttrs(g)!, shape }) as tf.Tensor4D;
}

/**
 * The wasm kernels' attributes where they run: on the wasm backend, for a square window with one
 * stride and padding; null otherwise (the whole-tensor compositions below).
 */
function wasmAttrs(g: WindowGeometry): { k: number; s: number; p: number } | null {
  const [kh, kw] = g.kernel, [sh, sw] = g.stride, [ph, pw] = g.padding;
  return kh === kw && sh === sw && ph === pw && hasWasmIm2col() ? { k: kh, s: sh, p: ph } : null;
}

/** NHWC → CNHW */
function toChannelsFirst(xNHWC: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(xNHWC, [3, 0, 1, 2]);
}

/** CNHW → NHWC */
function toChannelsLast(xCNHW: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(xCNHW, [1, 2, 3, 0]);
}

/** Where block (i, j) lives: its phase index and its top-left corner inside that phase. */
function blockLocation(g: WindowGeometry, [i, j]: [number, number]): { phase: number; a: number; b: number } {
  const [sh, sw] = g.stride;
  return { phase: (i % sh) * sw + (j % sw), a: Math.floor(i / sh), b: Math.floor(j / sw) };
}

/** Padded [C, n, h, w] → sh·sw phases [C·n, ⌈h/sh⌉, ⌈w/sw⌉] (zero-padded at the bottom/right to fit). */
function toPhases(xCNHW: tf.Tensor4D, g: WindowGeometry): tf.Tensor3D[] {
  const [c, n, h, w] = xCNHW.shape;
  const [sh, sw] = g.stride, [hq, wq] = g.phaseSize;
  if (sh === 1 && sw === 1) return [tf.reshape(xCNHW, [c * n, h, w])];
  const fitted = tf.pad(xCNHW, [[0, 0], [0, 0], [0, hq * sh - h], [0, wq * sw - w]]);
  const phases = tf.transpose(tf.reshape(fitted, [c * n * hq, sh, wq, sw]), [1, 3, 0, 2]); // [sh, sw, C·n·hq, wq]
  const flat = tf.reshape(phases, [sh * sw, c * n * hq * wq]);
  return Array.from({ length: sh * sw }, (_, p) => tf.reshape(tf.slice(flat, [p, 0], [1, -1]), [c * n, hq, wq]));
}

/** Adjoint of toPhases: sh·sw phase gradients [C·n, hq, wq] → padded [C, n, h, w]. */
function fromPhases(phases: tf.Tensor3D[], g: WindowGeometry, channels: number, batch: number): tf.Tensor4D {
  const [h, w] = paddedSize(g.inSize, g.padding), [sh, sw] = g.stride, [hq, wq] = g.phaseSize;
  if (sh === 1 && sw === 1) return tf.reshape(phases[0], [channels, batch, h, w]);
  const stacked = tf.reshape(tf.concat(phases, 0), [sh, sw, channels * batch * hq, wq]);
  const interleaved = tf.reshape(tf.transpose(stacked, [2, 0, 3, 1]), [channels, batch, hq * sh, wq * sw]);
  return tf.slice(interleaved, [0, 0, 0, 0], [channels, batch, h, w]) as tf.Tensor4D;
}

/** colsᵀ [kh·kw·C, n·oh·ow] of the padded x [C, n, h, w]: rows (i, j, c), columns (n, oy, ox). */
function im2colT(xCNHW: tf.Tensor4D, g: WindowGeometry): tf.Tensor2D {
  const [c, n] = xCNHW.shape, [oh, ow] = g.outSize;
  const phases = toPhases(xCNHW, g);
  const blocks = g.offsets.map((offset) => {
    const { phase, a, b } = blockLocation(g, offset);
    return tf.reshape(tf.slice(phases[phase], [0, a, b], [-1, oh, ow]), [c, n * oh * ow]);
  });
  return (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0)) as tf.Tensor2D;
}

/** Adjoint of im2colT: dColsᵀ [kh·kw·C, n·oh·ow] → padded [C, n, h, w]. */
function col2imT(dColsT: tf.Tensor2D, g: WindowGeometry, channels: number, batch: number): tf.Tensor4D {
  const [hq, wq] = g.phaseSize, [oh, ow] = g.outSize;
  const perPhase: tf.Tensor3D[][] = Array.from({ length: g.stride[0] * g.stride[1] }, () => []);
  g.offsets.forEach((offset, k) => {
    // Contiguous row ranges: plain copies (tf.split's kernel is a slow generic loop on wasm).
    const d = tf.reshape(tf.slice(dColsT, [k * channels, 0], [channels, -1]), [channels * batch, oh, ow]);
    const { phase, a, b } = blockLocation(g, offset);
    perPhase[phase].push(tf.pad(d, [[0, 0], [a, hq - a - oh], [b, wq - b - ow]]) as tf.Tensor3D);
  });
  const phases = perPhase.map((parts) =>
    parts.length === 0 ? tf.zeros([channels * batch, hq, wq]) : parts.length === 1 ? parts[0] : tf.addN(parts)
  ) as tf.Tensor3D[];
  return fromPhases(phases, g, channels, batch);
}
