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

export class AvgPool2d extends Pool2d {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.avgPool(x as tf.Tensor4D, this.kernelSize, this.stride, tfPadding(this.padding) as "valid");
  }
}
