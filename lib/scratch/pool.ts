/**
 * Max and average pooling on NHWC tensors with hand-written backward passes, any window [ph, pw]
 * and stride [sh, sw] (default: the window), no padding; built on the im2col matrix of im2col.ts,
 * split into its window elements Bₖ [n·oh·ow, C] (the k-th element of every window, k over the
 * ph·pw offsets).
 *
 * Max:  y = maxₖ Bₖ; dX routes each dY to its window's arg-max (the first one on ties, as numpy's
 *       argmax in the seed), summed where windows overlap.
 * Avg:  y = (1/(ph·pw)) Σₖ Bₖ; dX spreads dY / (ph·pw) over the window. (The seed divided by
 *       ph + pw, equal only for 2×2 windows.)
 */
import { tf } from "../tf.ts";
import { pair, type Size2 } from "./output_size.ts";
import type { ScratchLayer } from "./layer.ts";
import {
  windowElements,
  windowElementsAdjoint,
  type WindowGeometry,
  windowGeometry,
  windowMaxima,
  windowMaximaAdjoint,
} from "./im2col.ts";

abstract class ScratchPool2D implements ScratchLayer {
  readonly name: string;
  readonly window: [number, number];
  readonly stride: [number, number];
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  protected geometry: WindowGeometry | null = null;
  /** [n, C] of the last input. */
  protected batchChannels: [number, number] = [0, 0];

  constructor(kind: string, window: Size2, stride: Size2) {
    this.window = pair(window);
    this.stride = pair(stride);
    this.name = `${kind}(${this.window.join("×")}, stride ${this.stride.join("×")})`;
  }

  /** The windows' geometry on NHWC x, remembered (with x's [n, C]) for backward. */
  protected geometryOf(x: tf.Tensor): WindowGeometry {
    if (x.rank !== 4) throw new Error(`${this.name}: expected NHWC input, got [${x.shape}]`);
    this.batchChannels = [x.shape[0]!, x.shape[3]!];
    this.geometry = windowGeometry([x.shape[1]!, x.shape[2]!], this.window, this.stride);
    return this.geometry;
  }

  /** The window elements Bₖ [n·oh·ow, C] of NHWC x (see im2col.ts). */
  protected blocksOf(x: tf.Tensor): tf.Tensor2D[] {
    return windowElements(x as tf.Tensor4D, this.geometryOf(x));
  }

  /** [n·oh·ow, C] → NHWC [n, oh, ow, C] */
  protected toNHWC(block: tf.Tensor2D): tf.Tensor4D {
    const g = this.requireGeometry();
    return tf.reshape(block, [this.batchChannels[0], ...g.outSize, this.batchChannels[1]]);
  }

  /** The window elements' gradients back onto their pixels, NHWC. */
  protected placeToNHWC(dBlocks: tf.Tensor2D[]): tf.Tensor4D {
    const [n, c] = this.batchChannels;
    return windowElementsAdjoint(dBlocks, this.requireGeometry(), n, c);
  }

  protected requireGeometry(): WindowGeometry {
    if (!this.geometry) throw new Error(`${this.name}: backward called before forward`);
    return this.geometry;
  }

  abstract forward(x: tf.Tensor, training: boolean): tf.Tensor;
  abstract backward(dOut: tf.Tensor): tf.Tensor;
}

export class ScratchMaxPool2D extends ScratchPool2D {
  /** Per offset, 1 where that window element is the window's first maximum, else 0 (stacked: [offsets, rows, C]). */
  #argmaxMasks: tf.Tensor2D[] | tf.Tensor3D | null = null;

  constructor(window: Size2, stride: Size2 = window) {
    super("MaxPool2D", window, stride);
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const g = this.geometryOf(x);
    // on wasm y and the masks are one kernel (the same float ops as below)
    const fused = windowMaxima(x as tf.Tensor4D, g);
    if (fused) {
      this.#argmaxMasks = fused.masks;
      return this.toNHWC(fused.y);
    }
    const blocks = windowElements(x as tf.Tensor4D, g);
    const y = blocks.reduce((m, b) => tf.maximum(m, b));
    this.#argmaxMasks = blocks.length === 1 ? [tf.onesLike(y)] : firstMaximumMasks(blocks, y);
    return this.toNHWC(y);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const masks = this.#argmaxMasks;
    if (!masks) throw new Error(`${this.name}: backward called before forward`);
    const dY = tf.reshape(dOut, [-1, this.batchChannels[1]]) as tf.Tensor2D;
    if (!Array.isArray(masks)) {
      return windowMaximaAdjoint(masks, dY, this.requireGeometry(), ...this.batchChannels);
    }
    return this.placeToNHWC(masks.map((mask) => tf.mul(mask, dY) as tf.Tensor2D));
  }
}

/**
 * Per window element (two or more), 1 where it is the first of its window equal to the maximum y,
 * else 0: the offsets scanned in order, each claiming the windows it is the maximum of that no
 * earlier one claimed; the last takes the windows still unclaimed (none before it equals their maximum).
 */
function firstMaximumMasks(blocks: tf.Tensor2D[], y: tf.Tensor2D): tf.Tensor2D[] {
  const isMax = (b: tf.Tensor2D) => tf.cast(tf.equal(b, y), "float32") as tf.Tensor2D;
  const masks = [isMax(blocks[0])];
  let unclaimed = tf.sub(1, masks[0]) as tf.Tensor2D;
  for (const b of blocks.slice(1, -1)) {
    const first = tf.mul(isMax(b), unclaimed) as tf.Tensor2D;
    masks.push(first);
    unclaimed = tf.sub(unclaimed, first);
  }
  return [...masks, unclaimed];
}

export class ScratchAvgPool2D extends ScratchPool2D {
  constructor(window: Size2, stride: Size2 = window) {
    super("AvgPool2D", window, stride);
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const blocks = this.blocksOf(x);
    return this.toNHWC(tf.div(blocks.length === 1 ? blocks[0] : tf.addN(blocks), blocks.length));
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const g = this.requireGeometry();
    const share = tf.div(tf.reshape(dOut, [-1, this.batchChannels[1]]), g.offsets.length) as tf.Tensor2D;
    return this.placeToNHWC(g.offsets.map(() => share));
  }
}
