/** The element-wise layers: LeakyReLU and (inverted) dropout. */
import type { FloatBuffer } from "../wasm/arena.ts";
import type { Engine } from "./engine.ts";
import { type NativeLayer, size } from "./layer.ts";
import { fillDropoutMask } from "../nn/dropout.ts";
import type { Rng } from "../random/rng.ts";

/** y = x for x > 0, else slope·x (PyTorch's default slope 0.01). */
export class NativeLeakyReLU implements NativeLayer {
  readonly #y: FloatBuffer;
  readonly #dx: FloatBuffer;
  #x: FloatBuffer | null = null;

  constructor(readonly engine: Engine, readonly outShape: number[], readonly slope: number, maxRows: number) {
    this.#y = engine.arena.floats(maxRows * size(outShape));
    this.#dx = engine.arena.floats(maxRows * size(outShape));
  }

  forward(x: FloatBuffer, rows: number): FloatBuffer {
    this.#x = x;
    this.engine.pointwise.leaky_relu(x.ptr, this.#y.ptr, rows * size(this.outShape), this.slope);
    return this.#y;
  }

  backward(dy: FloatBuffer, rows: number): FloatBuffer {
    this.engine.pointwise.leaky_relu_backward(
      this.#x!.ptr,
      dy.ptr,
      this.#dx.ptr,
      rows * size(this.outShape),
      this.slope,
    );
    return this.#dx;
  }
}

/**
 * Inverted dropout with lib/nn's masks: the same generator drawn in the same order (one draw per
 * element, row-major NHWC), so a native run sees exactly the masks a tfjs run of the model sees.
 */
export class NativeDropout implements NativeLayer {
  readonly #y: FloatBuffer;
  readonly #dx: FloatBuffer;
  readonly #mask: FloatBuffer;
  #masked = false;

  constructor(
    readonly engine: Engine,
    readonly outShape: number[],
    readonly p: number,
    readonly rng: Rng,
    maxRows: number,
  ) {
    this.#y = engine.arena.floats(maxRows * size(outShape));
    this.#dx = engine.arena.floats(maxRows * size(outShape));
    this.#mask = engine.arena.floats(maxRows * size(outShape));
  }

  forward(x: FloatBuffer, rows: number, training: boolean): FloatBuffer {
    this.#masked = training && this.p > 0;
    if (!this.#masked) return x;
    const n = rows * size(this.outShape);
    fillDropoutMask(this.#mask.f, n, this.p, this.rng);
    this.engine.pointwise.multiply(x.ptr, this.#mask.ptr, this.#y.ptr, n);
    return this.#y;
  }

  backward(dy: FloatBuffer, rows: number): FloatBuffer {
    if (!this.#masked) return dy;
    this.engine.pointwise.multiply(dy.ptr, this.#mask.ptr, this.#dx.ptr, rows * size(this.outShape));
    return this.#dx;
  }
}
