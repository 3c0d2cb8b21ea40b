/** ReLU with a hand-written backward: y = max(0, x), dX = dY · [x > 0] (subgradient 0 at x = 0). */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchReLU implements ScratchLayer {
  readonly name = "ReLU";
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  #positive: tf.Tensor | null = null;

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    this.#positive = tf.step(x); // [x > 0] in one kernel
    return tf.relu(x);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    if (!this.#positive) throw new Error("ReLU: backward called before forward");
    return tf.mul(dOut, this.#positive);
  }
}
