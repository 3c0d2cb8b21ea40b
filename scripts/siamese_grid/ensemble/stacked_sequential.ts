/**
 * E copies of one Sequential architecture as one computation: each member's parameters stacked on
 * a leading model axis, activations laid out [E, N, …]. Built from E ordinary member modules
 * (each initialised from its own seed), so the ensemble starts exactly where the members would;
 * each member's Dropout keeps drawing from that member's own generator in the same order, so
 * masks — and therefore the whole training trajectory — equal those of the member trained alone.
 *
 * Supported layers: Linear, Conv2d (stride 1), MaxPool2d, AvgPool2d, Dropout, Flatten and the
 * element-wise activations.
 */
import { tf } from "../../../lib/tf.ts";
import { Module } from "../../../lib/nn/module.ts";
import type { Layer } from "../../../lib/nn/module.ts";
import { Linear } from "../../../lib/nn/linear.ts";
import { Conv2d } from "../../../lib/nn/conv2d.ts";
import { AvgPool2d, MaxPool2d } from "../../../lib/nn/pool.ts";
import { Dropout, dropoutMask } from "../../../lib/nn/dropout.ts";
import { Flatten } from "../../../lib/nn/flatten.ts";
import type { Sequential } from "../../../lib/nn/sequential.ts";
import { stackedConv2d } from "./stacked_conv.ts";

type Step = (x: tf.Tensor) => tf.Tensor;

export class StackedSequential extends Module {
  readonly #steps: Step[];
  readonly models: number;

  constructor(readonly members: Sequential[]) {
    super();
    this.models = members.length;
    const template = members[0];
    this.#steps = template.layers.map((layer, i) => this.#stepFor(layer, members.map((m) => m.layers[i]), String(i)));
  }

  /**
   * x: [E, N, …] → [E, N, …]. Images travel as [E·N, H, W, C] (models folded into the batch axis,
   * model-major) until Flatten makes them [E, N, F]: rank ≤ 4 keeps every backend's kernels
   * available (WebGPU's select has no rank-5 version).
   */
  forward(x: tf.Tensor): tf.Tensor {
    const folded = x.rank > 3 ? tf.reshape(x, [x.shape[0] * x.shape[1]!, ...x.shape.slice(2)]) : x;
    return this.#steps.reduce((h, step) => step(h), folded);
  }

  #stack(name: string, tensors: tf.Tensor[], shape?: number[]): tf.Tensor {
    return this.addParameter(
      name,
      tf.tidy(() => {
        const s = tf.stack(tensors);
        return shape ? tf.reshape(s, shape) : s;
      }),
    );
  }

  #stepFor(layer: Layer, same: Layer[], name: string): Step {
    const E = this.models;
    if (layer instanceof Linear) {
      const ls = same as Linear[];
      const w = this.#stack(`${name}.weight`, ls.map((l) => l.weight));
      const b = layer.bias ? this.#stack(`${name}.bias`, ls.map((l) => l.bias!), [E, 1, layer.outFeatures]) : null;
      return (x) => {
        const y = tf.matMul(x as tf.Tensor3D, w as tf.Tensor3D);
        return b ? tf.add(y, b) : y;
      };
    }
    if (layer instanceof Conv2d) {
      if ((layer.opts.stride ?? 1) !== 1 || typeof (layer.opts.padding ?? 0) !== "number") {
        throw new Error(`ensembles support stride-1 convolutions with numeric padding, not ${layer}`);
      }
      const cs = same as Conv2d[];
      const [kh, kw] = layer.kernelSize;
      const w = this.#stack(`${name}.weight`, cs.map((c) => c.weight), [
        E,
        kh * kw * layer.inChannels,
        layer.outChannels,
      ]);
      const b = layer.bias ? this.#stack(`${name}.bias`, cs.map((c) => c.bias!), [E, 1, layer.outChannels]) : null;
      const pad = (layer.opts.padding ?? 0) as number;
      return (x) => stackedConv2d(x as tf.Tensor4D, w as tf.Tensor3D, b as tf.Tensor3D | null, E, [kh, kw], pad);
    }
    // Pooling acts per sample and channel, so models share the batch axis.
    if (layer instanceof MaxPool2d || layer instanceof AvgPool2d) return (x) => layer.forward(x);
    if (layer instanceof Flatten) return (x) => tf.reshape(x, [E, x.shape[0] / E, -1]);
    if (layer instanceof Dropout) {
      const drops = same as Dropout[];
      return (x) => {
        if (!this.training || layer.p === 0) return x;
        const perModel = x.size / E;
        const mask = new Float32Array(x.size);
        drops.forEach((d, e) => mask.set(dropoutMask(perModel, d.p, d.rng), e * perModel));
        return tf.mul(x, tf.tensor(mask, x.shape));
      };
    }
    if (layer.parameters().length === 0) return (x) => layer.forward(x); // element-wise activations
    throw new Error(`ensembles do not support ${layer} yet`);
  }

  /** Member e's parameters, as values shaped like the member's own (for tests and export). */
  async memberParameters(e: number): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const p of this.parameters()) {
      const slice = tf.tidy(() => tf.gather(p, [e]));
      out.push((await slice.data()) as Float32Array);
      slice.dispose();
    }
    return out;
  }
}
