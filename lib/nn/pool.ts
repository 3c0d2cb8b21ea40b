import { tf } from "../tf.ts";
import { Layer } from "./module.ts";
import { type Padding, tfPadding } from "./conv2d.ts";

type Window = number | [number, number];

abstract class Pool2d extends Layer {
  constructor(readonly kernelSize: Window, readonly stride: Window = kernelSize, readonly padding: Padding = 0) {
    super();
  }
  override toString(): string {
    return `${this.constructor.name}(${this.kernelSize}, stride ${this.stride})`;
  }
}

/** Max pooling on NHWC; like PyTorch the stride defaults to the window (floor mode). */
export class MaxPool2d extends Pool2d {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.maxPool(x as tf.Tensor4D, this.kernelSize, this.stride, tfPadding(this.padding) as "valid");
  }
}

/**
 * Average pooling on NHWC. Numeric padding pads with zeros that count in the average, as PyTorch's
 * default (count_include_pad); tfjs' own padded avgPool averages in-bounds pixels only and its
 * gradient disagrees with that forward, so padding is applied explicitly.
 */
export class AvgPool2d extends Pool2d {
  forward(x: tf.Tensor): tf.Tensor {
    const p = this.padding;
    if (typeof p === "number" && p > 0) {
      const padded = tf.pad(x as tf.Tensor4D, [[0, 0], [p, p], [p, p], [0, 0]]);
      return tf.avgPool(padded, this.kernelSize, this.stride, "valid");
    }
    if (p === "same") {
      throw new Error("AvgPool2d: use a numeric padding; tfjs' 'same' average pooling has inconsistent gradients");
    }
    return tf.avgPool(x as tf.Tensor4D, this.kernelSize, this.stride, "valid");
  }
}
