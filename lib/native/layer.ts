/**
 * A layer of the native engine: buffers preallocated for `maxRows` rows, forward keeps what its
 * backward needs, backward writes its parameters' gradients (overwriting: every parameter gets
 * one contribution per step) and returns the input's gradient. Given Adam's scalars, a layer may
 * instead update its weights in the backward pass itself (fused) and say so in `fusedSlots`.
 */
import type { FloatBuffer } from "../wasm/arena.ts";
import type { AdamScalars } from "./engine.ts";

export interface NativeLayer {
  /** One row's output shape: [h, w, c] or [features]. */
  readonly outShape: number[];
  forward(x: FloatBuffer, rows: number, training: boolean): FloatBuffer;
  /** The input's gradient, or null when `inputGrad` is false (the first layer). */
  backward(dy: FloatBuffer, rows: number, inputGrad: boolean, adam?: AdamScalars): FloatBuffer | null;
}

/** A parameter tensor's place in the flat buffers: value, gradient and Adam's two moments. */
export interface Slot {
  offset: number;
  length: number;
  value: FloatBuffer;
  grad: FloatBuffer;
  m: FloatBuffer;
  v: FloatBuffer;
  /** Updated by its layer's fused backward when Adam's scalars are given (see NativeLayer). */
  fusable: boolean;
}

/**
 * Hands out slices of the flat parameter, gradient and moment buffers, each starting at a multiple
 * of 4 floats so the 4-wide Adam kernel can run on any run of slots without touching a neighbour.
 */
export class ParameterSlots {
  readonly slots: Slot[] = [];
  #next = 0;
  constructor(readonly buffers: { params: FloatBuffer; grads: FloatBuffer; m: FloatBuffer; v: FloatBuffer }) {}

  /** Floats the flat buffers need for tensors of `sizes`. */
  static floatsFor(sizes: number[]): number {
    return sizes.reduce((n, s) => n + Math.ceil(s / 4) * 4, 0);
  }

  take(n: number, fusable = false): Slot {
    const offset = this.#next, { params, grads, m, v } = this.buffers;
    if (offset + n > params.length) throw new Error("native engine: more parameters than allocated");
    const slot = {
      offset,
      length: n,
      value: params.slice(offset, n),
      grad: grads.slice(offset, n),
      m: m.slice(offset, n),
      v: v.slice(offset, n),
      fusable,
    };
    this.slots.push(slot);
    this.#next += Math.ceil(n / 4) * 4;
    return slot;
  }

  /** Floats handed out so far (with padding): where the next slot starts. */
  get end(): number {
    return this.#next;
  }

  /** Parameters handed out (without padding). */
  get count(): number {
    return this.slots.reduce((n, s) => n + s.length, 0);
  }
}

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
