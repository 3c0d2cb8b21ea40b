/** What an attack needs of a model: a differentiable map from a batch of inputs to logits. */
import type { tf } from "../tf.ts";

/** inputs [n, ...] (network-input units) → logits [n, classes]. */
export type Classifier = (inputs: tf.Tensor) => tf.Tensor;
