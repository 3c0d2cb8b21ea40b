/**
 * ELU (Clevert, Unterthiner & Hochreiter 2016, α = 1) with a hand-written backward pass, the
 * activation module of UvA practical 1, Question 1.1 b):
 *   Y = h(X) element-wise,  h(x) = x for x ≥ 0, eˣ − 1 for x < 0;
 *   ∂L/∂X = ∂L/∂Y ∘ h′(X),  h′(x) = 1 for x ≥ 0, eˣ = h(x) + 1 for x < 0.
 * The derivative is rebuilt from the cached output, so no second exp is needed in backward.
 */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchELU implements ScratchLayer {
  readonly name = "ELU";
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  #positive: tf.Tensor | null = null;
  #output: tf.Tensor | null = null;

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    this.#positive = tf.greaterEqual(x, 0);
    // expm1 of min(x, 0): no overflow for large positive x, whose branch is not taken anyway.
    this.#output = tf.where(this.#positive, x, tf.expm1(tf.minimum(x, 0)));
    return this.#output;
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    if (!this.#positive || !this.#output) throw new Error("ELU: backward called before forward");
    const slope = tf.where(this.#positive, tf.onesLike(this.#output), tf.add(this.#output, 1));
    return tf.mul(dOut, slope);
  }
}
