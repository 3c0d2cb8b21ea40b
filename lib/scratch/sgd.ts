/**
 * Plain mini-batch stochastic gradient descent over ScratchLayer parameters (UvA practical 1,
 * Question 1.2): p ← p − lr · ∂L/∂p for every parameter, with the gradients the layers' last
 * backward left in `grads`. No momentum, no weight decay: the handout's optimiser.
 *
 * Parameters are tensors, not tf.Variables, so an update replaces them: the new tensor is kept
 * (the step may run inside the training step's tf.tidy) and the old one disposed, which keeps the
 * tensor count flat across steps.
 */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchSGD {
  constructor(public lr: number) {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
  }

  step(layers: ScratchLayer[]): void {
    for (const layer of layers) {
      if (layer.grads.length !== layer.params.length) {
        throw new Error(
          `${layer.name}: ${layer.params.length} parameters but ${layer.grads.length} gradients; run backward first`,
        );
      }
      layer.params = layer.params.map((p, i) => {
        const next = tf.keep(tf.tidy(() => tf.sub(p, tf.mul(layer.grads[i], this.lr))));
        p.dispose();
        return next;
      });
    }
  }
}
