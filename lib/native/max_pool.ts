/** Max pooling with window = stride, no padding (floor), as MaxPool2d(k); the gradient goes to each window's first maximum. */
import type { FloatBuffer } from "../wasm/arena.ts";
import type { Engine } from "./engine.ts";
import { type NativeLayer, size } from "./layer.ts";

export class NativeMaxPool implements NativeLayer {
  readonly outShape: number[];
  readonly #y: FloatBuffer;
  readonly #dx: FloatBuffer;
  /** Input index of each output's maximum (int32s). */
  readonly #argmax: FloatBuffer;

  constructor(
    readonly engine: Engine,
    readonly inShape: [number, number, number],
    readonly window: number,
    maxRows: number,
  ) {
    const [h, w, c] = inShape;
    this.outShape = [Math.floor(h / window), Math.floor(w / window), c];
    if (this.outShape[0] < 1) throw new Error(`max pool ${window} of a ${h}×${w} input leaves no pixels`);
    this.#y = engine.arena.floats(maxRows * size(this.outShape));
    this.#dx = engine.arena.floats(maxRows * size(inShape));
    this.#argmax = engine.arena.floats(maxRows * size(this.outShape));
  }

  forward(x: FloatBuffer, rows: number): FloatBuffer {
    const [h, w, c] = this.inShape;
    const kernel = c % 4 === 0 ? this.engine.pointwise.max_pool4 : this.engine.pointwise.max_pool;
    kernel(x.ptr, this.#y.ptr, this.#argmax.ptr, rows, h, w, c, this.window);
    return this.#y;
  }

  backward(dy: FloatBuffer, rows: number): FloatBuffer {
    const dx = this.#dx.f, d = dy.f, arg = this.#argmax.ints, n = rows * size(this.outShape);
    dx.fill(0, 0, rows * size(this.inShape));
    for (let o = 0; o < n; o++) dx[arg[o]] += d[o];
    return this.#dx;
  }
}
