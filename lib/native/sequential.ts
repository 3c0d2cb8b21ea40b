/**
 * A lib/nn Sequential compiled to native layers, its parameters copied into the engine's flat
 * buffer (and back). The layers the seed-000 models use are supported; anything else is refused
 * with the name of the layer, so a new model fails loudly instead of training something else.
 */
import type { tf } from "../tf.ts";
import { Conv2d, Dropout, Flatten, LeakyReLU, Linear, MaxPool2d, Sequential } from "../nn/mod.ts";
import type { FloatBuffer } from "../wasm/arena.ts";
import type { AdamScalars, Engine } from "./engine.ts";
import { type NativeLayer, type ParameterSlots, size } from "./layer.ts";
import { NativeConv2d } from "./conv2d.ts";
import { NativeLinear } from "./linear.ts";
import { NativeMaxPool } from "./max_pool.ts";
import { NativeDropout, NativeLeakyReLU } from "./pointwise.ts";

/** A tfjs variable and the slice of the flat buffer that holds it here. */
export interface Binding {
  variable: tf.Variable;
  slot: FloatBuffer;
}

export class NativeSequential {
  readonly layers: NativeLayer[] = [];
  readonly bindings: Binding[] = [];
  outShape: number[];

  constructor(engine: Engine, seq: Sequential, inShape: number[], slots: ParameterSlots, maxRows: number) {
    let shape = inShape;
    for (const layer of seq.layers) {
      const native = this.#compile(engine, layer, shape, slots, maxRows);
      if (native) {
        this.layers.push(native);
        shape = native.outShape;
      } else {
        shape = [size(shape)]; // Flatten: NHWC rows are already flat
      }
    }
    this.outShape = shape;
  }

  forward(x: FloatBuffer, rows: number, training: boolean): FloatBuffer {
    return this.layers.reduce((h, layer) => layer.forward(h, rows, training), x);
  }

  /**
   * Parameter gradients of every layer (or, given Adam's scalars, fused updates where a layer
   * can), and the input's gradient when asked (not for data).
   */
  backward(dy: FloatBuffer, rows: number, inputGrad = false, adam?: AdamScalars): FloatBuffer | null {
    let d: FloatBuffer | null = dy;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      d = this.layers[i].backward(d!, rows, inputGrad || i > 0, adam);
    }
    return d;
  }

  #compile(engine: Engine, layer: unknown, shape: number[], slots: ParameterSlots, maxRows: number) {
    const bind = (variable: tf.Variable | null, slot: FloatBuffer) => {
      if (!variable) throw new Error("native engine: layers without bias are not supported");
      slot.f.set(variable.dataSync() as Float32Array);
      this.bindings.push({ variable, slot });
    };
    if (layer instanceof Conv2d) {
      const [kh, kw] = layer.kernelSize, padding = layer.opts.padding ?? 0;
      if (kh !== kw || typeof padding !== "number" || shape.length !== 3) {
        throw new Error(`native engine: unsupported ${layer} on input [${shape}]; use --engine tfjs`);
      }
      const conv = new NativeConv2d(
        engine,
        {
          inShape: shape as [number, number, number],
          outChannels: layer.outChannels,
          kernel: kh,
          stride: layer.opts.stride ?? 1,
          padding,
        },
        slots,
        maxRows,
      );
      bind(layer.weight, conv.weight.value);
      bind(layer.bias, conv.bias.value);
      return conv;
    }
    if (layer instanceof Linear) {
      if (size(shape) !== layer.inFeatures) {
        throw new Error(`native engine: ${layer} receives ${size(shape)} features`);
      }
      const linear = new NativeLinear(engine, layer.inFeatures, layer.outFeatures, slots, maxRows);
      bind(layer.weight, linear.weight.value);
      bind(layer.bias, linear.bias.value);
      return linear;
    }
    if (layer instanceof MaxPool2d) {
      const { kernelSize: k, stride, padding } = layer;
      if (typeof k !== "number" || stride !== k || padding !== 0 || shape.length !== 3) {
        throw new Error(`native engine: unsupported ${layer}; use --engine tfjs`);
      }
      return new NativeMaxPool(engine, shape as [number, number, number], k, maxRows);
    }
    if (layer instanceof LeakyReLU) return new NativeLeakyReLU(engine, shape, layer.negativeSlope, maxRows);
    if (layer instanceof Dropout) return new NativeDropout(engine, shape, layer.p, layer.rng, maxRows);
    if (layer instanceof Flatten) return null;
    throw new Error(`native engine: no native version of ${layer}; use --engine tfjs`);
  }
}
