/**
 * Layers with hand-written backward passes and no tape (the "numpy" exercises of seeds 002 and 004),
 * on the same tfjs tensors and backends as lib/nn. `forward` caches what `backward` needs;
 * `backward(dOut)` returns dInput and stores parameter gradients in `grads` (same order as `params`);
 * `backward(dOut, false)` says nobody needs dInput (the network's first layer), and a layer may then
 * skip computing it and return an empty tensor.
 * Callers run them inside tf.tidy and keep only what they need.
 */
import type { tf } from "../tf.ts";

export interface ScratchLayer {
  readonly name: string;
  /** Trainable tensors (replaced, not mutated, by optimisers: see ScratchOptimizer). */
  params: tf.Tensor[];
  /** Gradients of the last backward, aligned with params. */
  grads: tf.Tensor[];
  forward(x: tf.Tensor, training: boolean): tf.Tensor;
  backward(dOut: tf.Tensor, inputGradient?: boolean): tf.Tensor;
}
