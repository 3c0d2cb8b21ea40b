/**
 * A layer of the native engine: buffers preallocated for `maxRows` rows, forward keeps what its
 * backward needs, backward writes its parameters' gradients (overwriting: every parameter gets
 * one contribution per step) and returns the input's gradient.
 */
import type { FloatBuffer } from "../wasm/arena.ts";

export interface NativeLayer {
  /** One row's output shape: [h, w, c] or [features]. */
  readonly outShape: number[];
  forward(x: FloatBuffer, rows: number, training: boolean): FloatBuffer;
  /** The input's gradient, or null when `inputGrad` is false (the first layer). */
  backward(dy: FloatBuffer, rows: number, inputGrad: boolean): FloatBuffer | null;
}

/** Hands out consecutive slices of the flat parameter and gradient buffers. */
export class ParameterSlots {
  #next = 0;
  constructor(readonly params: FloatBuffer, readonly grads: FloatBuffer) {}

  take(n: number): { value: FloatBuffer; grad: FloatBuffer } {
    if (this.#next + n > this.params.length) throw new Error("native engine: more parameters than allocated");
    const slot = { value: this.params.slice(this.#next, n), grad: this.grads.slice(this.#next, n) };
    this.#next += n;
    return slot;
  }

  get used(): number {
    return this.#next;
  }
}

export function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
