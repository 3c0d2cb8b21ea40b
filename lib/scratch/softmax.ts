/**
 * Softmax over the last axis with a hand-written backward pass (UvA practical 1, Question 1.1 c-i):
 *   Y_ij = exp(X_ij − m_i) / Σ_k exp(X_ik − m_i),  m_i = max_k X_ik (the max trick: same value,
 *   no overflow);
 *   ∂L/∂X_ij = Σ_k ∂L/∂Y_ik · Y_ik (δ_jk − Y_ij) = Y_ij · (∂L/∂Y_ij − Σ_k ∂L/∂Y_ik · Y_ik).
 * The second form is the Jacobian–vector product row by row: O(S·C) instead of building the
 * S × C × C Jacobian.
 */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchSoftmax implements ScratchLayer {
  readonly name = "Softmax";
  params: tf.Tensor[] = [];
  grads: tf.Tensor[] = [];
  #output: tf.Tensor | null = null;

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    const shifted = tf.sub(x, tf.max(x, -1, true));
    const e = tf.exp(shifted);
    this.#output = tf.div(e, tf.sum(e, -1, true));
    return this.#output;
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const y = this.#output;
    if (!y) throw new Error("Softmax: backward called before forward");
    return tf.mul(y, tf.sub(dOut, tf.sum(tf.mul(dOut, y), -1, true)));
  }
}
