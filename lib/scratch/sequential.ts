/**
 * A network of scratch layers applied in order; backward runs them in reverse, each layer turning
 * the gradient of its output into the gradient of its input (the chain rule, one layer at a time).
 * Parameters stay with their layers, so optimisers step `layers` (see adagrad.ts).
 */
import type { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";

export class ScratchSequential implements ScratchLayer {
  readonly name: string;
  readonly layers: ScratchLayer[];

  constructor(...layers: ScratchLayer[]) {
    if (layers.length === 0) throw new Error("ScratchSequential needs at least one layer");
    this.layers = layers;
    this.name = `Sequential(${layers.map((l) => l.name).join(" → ")})`;
  }

  /** All layers' parameters in order (a fresh array: replace them through `layers`). */
  get params(): tf.Tensor[] {
    return this.layers.flatMap((l) => l.params);
  }

  get grads(): tf.Tensor[] {
    return this.layers.flatMap((l) => l.grads);
  }

  parameterCount(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  forward(x: tf.Tensor, training: boolean): tf.Tensor {
    return this.layers.reduce((h, layer) => layer.forward(h, training), x);
  }

  /** `inputGradient = false` (training on data, which has no gradient) lets the first layer skip dInput. */
  backward(dOut: tf.Tensor, inputGradient = true): tf.Tensor {
    return this.layers.reduceRight((g, layer, i) => layer.backward(g, i > 0 || inputGradient), dOut);
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }
}
