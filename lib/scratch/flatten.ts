/**
 * [n, h, w, c] → [n, h·w·c] in NHWC order (as lib/nn's Flatten, so scratch and autodiff dense
 * weights line up); backward reshapes the gradient back.
 */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchFlatten implements ScratchLayer {
  readonly name = "Flatten";
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  #inputShape: number[] | null = null;

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    this.#inputShape = x.shape;
    return tf.reshape(x, [x.shape[0], -1]);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    if (!this.#inputShape) throw new Error("Flatten: backward called before forward");
    return tf.reshape(dOut, this.#inputShape);
  }
}
