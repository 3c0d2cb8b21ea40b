/**
 * Max and average pooling on NHWC tensors with hand-written backward passes, any window [ph, pw]
 * and stride [sh, sw] (default: the window), no padding; built on the im2col blocks of im2col.ts
 * (Bₖ: the k-th element of every window, k over the ph·pw offsets).
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
  placeWindowBlocks,
  toChannelsFirst,
  toChannelsLast,
  windowBlocks,
  type WindowGeometry,
  windowGeometry,
} from "./im2col.ts";

abstract class ScratchPool2D implements ScratchLayer {
  readonly name: string;
  readonly window: [number, number];
  readonly stride: [number, number];
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  protected geometry: WindowGeometry | null = null;
  /** [C, n] of the last input, to reassemble CNHW tensors from [C·n, …] blocks. */
  protected channelsBatch: [number, number] = [0, 0];

  constructor(kind: string, window: Size2, stride: Size2) {
    this.window = pair(window);
    this.stride = pair(stride);
    this.name = `${kind}(${this.window.join("×")}, stride ${this.stride.join("×")})`;
  }

  /** The window blocks of NHWC x, channel-first (see im2col.ts); remembers the geometry for backward. */
  protected blocksOf(x: tf.Tensor): tf.Tensor3D[] {
    if (x.rank !== 4) throw new Error(`${this.name}: expected NHWC input, got [${x.shape}]`);
    this.geometry = windowGeometry([x.shape[1]!, x.shape[2]!], this.window, this.stride);
    this.channelsBatch = [x.shape[3]!, x.shape[0]!];
    return windowBlocks(toChannelsFirst(x as tf.Tensor4D), this.geometry);
  }

  /** [C·n, oh, ow] → NHWC [n, oh, ow, C] */
  protected blockToNHWC(block: tf.Tensor3D): tf.Tensor4D {
    const [c, n] = this.channelsBatch;
    return toChannelsLast(tf.reshape(block, [c, n, block.shape[1], block.shape[2]]));
  }

  /** NHWC [n, oh, ow, C] → [C·n, oh, ow] */
  protected nhwcToBlock(dOut: tf.Tensor): tf.Tensor3D {
    const [c, n] = this.channelsBatch;
    return tf.reshape(toChannelsFirst(dOut as tf.Tensor4D), [c * n, dOut.shape[1]!, dOut.shape[2]!]);
  }

  /** col2im of block gradients, back to NHWC. */
  protected placeToNHWC(dBlocks: tf.Tensor3D[], g: WindowGeometry): tf.Tensor4D {
    return toChannelsLast(placeWindowBlocks(dBlocks, g, ...this.channelsBatch));
  }

  protected requireGeometry(): WindowGeometry {
    if (!this.geometry) throw new Error(`${this.name}: backward called before forward`);
    return this.geometry;
  }

  abstract forward(x: tf.Tensor, training: boolean): tf.Tensor;
  abstract backward(dOut: tf.Tensor): tf.Tensor;
}

export class ScratchMaxPool2D extends ScratchPool2D {
  /** Per offset, 1 where that window element is the window's first maximum, else 0. */
  #argmaxMasks: tf.Tensor3D[] | null = null;

  constructor(window: Size2, stride: Size2 = window) {
    super("MaxPool2D", window, stride);
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const blocks = this.blocksOf(x);
    const y = blocks.reduce((m, b) => tf.maximum(m, b));
    // Scan the offsets in order, claiming a window for the first element equal to its maximum.
    let unclaimed = tf.onesLike(y);
    this.#argmaxMasks = blocks.map((b) => {
      const first = tf.mul(tf.cast(tf.equal(b, y), "float32"), unclaimed) as tf.Tensor3D;
      unclaimed = tf.sub(unclaimed, first);
      return first;
    });
    return this.blockToNHWC(y);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const g = this.requireGeometry();
    if (!this.#argmaxMasks) throw new Error(`${this.name}: backward called before forward`);
    const dY = this.nhwcToBlock(dOut);
    return this.placeToNHWC(this.#argmaxMasks.map((mask) => tf.mul(mask, dY) as tf.Tensor3D), g);
  }
}

export class ScratchAvgPool2D extends ScratchPool2D {
  constructor(window: Size2, stride: Size2 = window) {
    super("AvgPool2D", window, stride);
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const blocks = this.blocksOf(x);
    return this.blockToNHWC(tf.div(blocks.length === 1 ? blocks[0] : tf.addN(blocks), blocks.length));
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const g = this.requireGeometry();
    const share = tf.div(this.nhwcToBlock(dOut), this.window[0] * this.window[1]) as tf.Tensor3D;
    return this.placeToNHWC(g.offsets.map(() => share), g);
  }
}
