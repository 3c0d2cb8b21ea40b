/**
 * y = x·W + b, W [in, out] as lib/nn's Linear; backward dW = xᵀ·dy, db = Σ_rows dy, dx = dy·Wᵀ.
 * At one or two rows (batch 1) with Adam's scalars, backward and W's Adam update are one pass over
 * W (lib/wasm/adam.wat's linear_adam); the bias is left to the flat Adam pass.
 */
import type { FloatBuffer } from "../wasm/arena.ts";
import type { AdamScalars, Engine } from "./engine.ts";
import { type NativeLayer, type ParameterSlots } from "./layer.ts";

export class NativeLinear implements NativeLayer {
  readonly outShape: number[];
  readonly weight;
  readonly bias;
  readonly #y: FloatBuffer;
  readonly #dx: FloatBuffer;
  #x: FloatBuffer | null = null;

  constructor(
    readonly engine: Engine,
    readonly inFeatures: number,
    readonly outFeatures: number,
    slots: ParameterSlots,
    maxRows: number,
  ) {
    this.outShape = [outFeatures];
    this.weight = slots.take(inFeatures * outFeatures, true);
    this.bias = slots.take(outFeatures);
    this.#y = engine.arena.floats(maxRows * outFeatures);
    this.#dx = engine.arena.floats(maxRows * inFeatures);
  }

  forward(x: FloatBuffer, rows: number): FloatBuffer {
    this.#x = x;
    this.engine.matMul(x, this.weight.value, this.#y, rows, this.inFeatures, this.outFeatures);
    this.engine.pointwise.add_bias(this.#y.ptr, this.bias.value.ptr, rows, this.outFeatures);
    return this.#y;
  }

  backward(dy: FloatBuffer, rows: number, inputGrad: boolean, adam?: AdamScalars): FloatBuffer | null {
    const { inFeatures: K, outFeatures: N } = this;
    if (adam) {
      if (rows > 2) throw new Error("native engine: the fused dense update takes one or two rows (batch 1)");
      const { value, m, v } = this.weight;
      const dx = inputGrad ? this.#dx.ptr : 0;
      const kernel = this.engine.adamKernel, x = this.#x!.ptr;
      if (N === 1) kernel.linear_adam_column(x, dy.ptr, value.ptr, m.ptr, v.ptr, dx, rows, K, ...adam);
      else kernel.linear_adam(x, dy.ptr, value.ptr, m.ptr, v.ptr, dx, rows, K, N, ...adam);
      this.engine.pointwise.column_sums(dy.ptr, this.bias.grad.ptr, rows, N);
      return inputGrad ? this.#dx : null;
    }
    this.engine.matMulTransposeA(this.#x!, dy, this.weight.grad, rows, K, N);
    this.engine.pointwise.column_sums(dy.ptr, this.bias.grad.ptr, rows, N);
    if (!inputGrad) return null;
    this.engine.matMulTransposeB(dy, this.weight.value, this.#dx, rows, K, N);
    return this.#dx;
  }
}
