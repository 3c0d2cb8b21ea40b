import type { tf } from "../tf.ts";
import { Layer } from "./module.ts";

/** Layers applied in order (PyTorch's nn.Sequential). */
export class Sequential extends Layer {
  readonly layers: Layer[];

  constructor(...layers: Layer[]) {
    super();
    this.layers = layers.map((l, i) => this.addModule(String(i), l));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.layers.reduce((h, layer) => layer.forward(h), x);
  }

  override toString(): string {
    return `Sequential(\n${this.layers.map((l, i) => `  (${i}) ${l}`).join("\n")}\n)`;
  }
}
