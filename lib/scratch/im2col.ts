/**
 * im2col and col2im, vectorised over whole tensors. The im2col matrix of a kh×kw window has one
 * block of rows per window offset (i, j) — the (i, j) element of every window:
 *
 *   block₍ᵢ,ⱼ₎[c, n, oh, ow] = x[c, n, oh·sh + i, ow·sw + j],
 *
 * and stacking the kh·kw blocks gives colsᵀ [kh·kw·C, n·oh·ow], so a convolution is one matrix
 * product (Chellapilla, Puri & Simard 2006). col2im is the adjoint: each block's gradient goes back
 * to the pixels it was read from and the contributions add up where windows overlap.
 *
 * Strides without strided slicing: the input is split once into its sh·sw stride phases
 * ("space to depth": phase (r, q) holds pixels (sh·a + r, sw·b + q)), after which block (i, j) is
 * the contiguous window [a .. a+oh) × [b .. b+ow) of phase (i mod sh, j mod sw), a = ⌊i/sh⌋,
 * b = ⌊j/sw⌋; col2im pads each block's gradient into its phase and reassembles the phases. The only
 * JS loops run over the sh·sw phases and kh·kw offsets.
 *
 * Layout: channel-first CNHW [C, n, h, w], transposed once from the layers' NHWC. tfjs' wasm backend
 * copies slices run by contiguous run, so rows of w floats copy fast where single NHWC pixels of C
 * floats (C = 1 on MNIST) take a JS call each; its strided-slice and rank-5 transpose kernels are
 * far slower than a rank-4 transpose and contiguous slices, which are all this uses.
 */
import { tf } from "../tf.ts";
import { pair, type Size2, windowOutputSize } from "./output_size.ts";

export interface WindowGeometry {
  /** [height, width] of the (already padded) input. */
  inSize: [number, number];
  kernel: [number, number];
  stride: [number, number];
  /** [oh, ow] */
  outSize: [number, number];
  /** Window offsets (i, j) in row-major order: the order of a filter's [kh, kw] axes. */
  offsets: [number, number][];
  /** [⌈h/sh⌉, ⌈w/sw⌉]: the size of each stride phase. */
  phaseSize: [number, number];
}

export function windowGeometry(inSize: [number, number], kernel: Size2, stride: Size2): WindowGeometry {
  const [kh, kw] = pair(kernel), [sh, sw] = pair(stride);
  const offsets = Array.from({ length: kh * kw }, (_, k): [number, number] => [Math.floor(k / kw), k % kw]);
  return {
    inSize,
    kernel: [kh, kw],
    stride: [sh, sw],
    outSize: windowOutputSize(inSize, kernel, stride, 0),
    offsets,
    phaseSize: [Math.ceil(inSize[0] / sh), Math.ceil(inSize[1] / sw)],
  };
}

/** NHWC → CNHW */
export function toChannelsFirst(xNHWC: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(xNHWC, [3, 0, 1, 2]);
}

/** CNHW → NHWC */
export function toChannelsLast(xCNHW: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(xCNHW, [1, 2, 3, 0]);
}

/** Where block (i, j) lives: its phase index and its top-left corner inside that phase. */
function blockLocation(g: WindowGeometry, [i, j]: [number, number]): { phase: number; a: number; b: number } {
  const [sh, sw] = g.stride;
  return { phase: (i % sh) * sw + (j % sw), a: Math.floor(i / sh), b: Math.floor(j / sw) };
}

/** [C, n, h, w] → sh·sw phases [C·n, ⌈h/sh⌉, ⌈w/sw⌉] (zero-padded at the bottom/right to fit). */
function toPhases(xCNHW: tf.Tensor4D, g: WindowGeometry): tf.Tensor3D[] {
  const [c, n, h, w] = xCNHW.shape;
  const [sh, sw] = g.stride, [hq, wq] = g.phaseSize;
  if (sh === 1 && sw === 1) return [tf.reshape(xCNHW, [c * n, h, w])];
  const fitted = tf.pad(xCNHW, [[0, 0], [0, 0], [0, hq * sh - h], [0, wq * sw - w]]);
  const phases = tf.transpose(tf.reshape(fitted, [c * n * hq, sh, wq, sw]), [1, 3, 0, 2]); // [sh, sw, C·n·hq, wq]
  const flat = tf.reshape(phases, [sh * sw, c * n * hq * wq]);
  return Array.from({ length: sh * sw }, (_, p) => tf.reshape(tf.slice(flat, [p, 0], [1, -1]), [c * n, hq, wq]));
}

/** Adjoint of toPhases: sh·sw phase gradients [C·n, hq, wq] → [C, n, h, w]. */
function fromPhases(phases: tf.Tensor3D[], g: WindowGeometry, channels: number, batch: number): tf.Tensor4D {
  const [h, w] = g.inSize, [sh, sw] = g.stride, [hq, wq] = g.phaseSize;
  if (sh === 1 && sw === 1) return tf.reshape(phases[0], [channels, batch, h, w]);
  const stacked = tf.reshape(tf.concat(phases, 0), [sh, sw, channels * batch * hq, wq]);
  const interleaved = tf.reshape(tf.transpose(stacked, [2, 0, 3, 1]), [channels, batch, hq * sh, wq * sw]);
  return tf.slice(interleaved, [0, 0, 0, 0], [channels, batch, h, w]) as tf.Tensor4D;
}

/** Every window block [C·n, oh, ow] of x [C, n, h, w], offsets in row-major order. */
export function windowBlocks(xCNHW: tf.Tensor4D, g: WindowGeometry): tf.Tensor3D[] {
  const phases = toPhases(xCNHW, g);
  const [oh, ow] = g.outSize;
  return g.offsets.map((offset) => {
    const { phase, a, b } = blockLocation(g, offset);
    return tf.slice(phases[phase], [0, a, b], [-1, oh, ow]);
  });
}

/** col2im of per-offset gradients [C·n, oh, ow]: placed back and summed, → [C, n, h, w]. */
export function placeWindowBlocks(
  dBlocks: tf.Tensor3D[],
  g: WindowGeometry,
  channels: number,
  batch: number,
): tf.Tensor4D {
  const [hq, wq] = g.phaseSize, [oh, ow] = g.outSize;
  const perPhase: tf.Tensor3D[][] = Array.from({ length: g.stride[0] * g.stride[1] }, () => []);
  dBlocks.forEach((d, k) => {
    const { phase, a, b } = blockLocation(g, g.offsets[k]);
    perPhase[phase].push(tf.pad(d, [[0, 0], [a, hq - a - oh], [b, wq - b - ow]]));
  });
  const phases = perPhase.map((parts) =>
    parts.length === 0 ? tf.zeros([channels * batch, hq, wq]) : parts.length === 1 ? parts[0] : tf.addN(parts)
  ) as tf.Tensor3D[];
  return fromPhases(phases, g, channels, batch);
}

/** colsᵀ [kh·kw·C, n·oh·ow]: rows ordered (i, j, c) like a filter [kh, kw, C, F] seen as [kh·kw·C, F]. */
export function im2colT(xCNHW: tf.Tensor4D, g: WindowGeometry): tf.Tensor2D {
  const [c, n] = xCNHW.shape, [oh, ow] = g.outSize;
  const blocks = windowBlocks(xCNHW, g).map((b) => tf.reshape(b, [c, n * oh * ow]));
  return (blocks.length === 1 ? blocks[0] : tf.concat(blocks, 0)) as tf.Tensor2D;
}

/** Adjoint of im2colT: dColsᵀ [kh·kw·C, n·oh·ow] → [C, n, h, w]. */
export function col2imT(dColsT: tf.Tensor2D, g: WindowGeometry, channels: number, batch: number): tf.Tensor4D {
  const [oh, ow] = g.outSize;
  // Contiguous row ranges: plain copies (tf.split's kernel is a slow generic loop on wasm).
  const blocks = g.offsets.map((_, k) =>
    tf.reshape(tf.slice(dColsT, [k * channels, 0], [channels, -1]), [channels * batch, oh, ow]) as tf.Tensor3D
  );
  return placeWindowBlocks(blocks, g, channels, batch);
}
