/** ReLU with a hand-written backward: y = max(0, x), dX = dY · [x > 0] (subgradient 0 at x = 0). */
import { tf } from "../tf.ts";
import { reluGradient } from "../tf/wasm_layer_passes.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchReLU implements ScratchLayer {
  readonly name = "ReLU";
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  #input: tf.Tensor | null = null;

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    this.#input = x;
    return tf.relu(x);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    if (!this.#input) throw new Error("ReLU: backward called before forward");
    return reluGradient(dOut, this.#input); // dY · [x > 0] (one kernel on wasm)
  }
}
