/**
 * 2-D convolution on NHWC rows as im2col + one matrix product (filter [kh, kw, in, out] is already
 * the [kh·kw·in, out] matrix): y = patches·W + b. Backward: dW = patchesᵀ·dy, db = Σ dy,
 * dpatches = dy·Wᵀ scattered back onto the input (col2im). Wᵀ is written out first: the A·B
 * product then runs clearly faster than A·Bᵀ's dot products, for a copy of W that stays in L2.
 *
 * Single-channel inputs (every trunk's first layer) keep their patches tap-major instead,
 * patchesᵀ [k², pixels]: each tap is then a run of an image row (k² runs per output row instead of
 * k per pixel; several times faster). With fewer than 8 output channels (the product kernels'
 * strip width) the products also turn around, to run along the pixels, the long side, instead of 2
 * or 4 channels one float at a time: yᵀ = Wᵀ·patchesᵀ (transposed to NHWC after) and dWᵀ = dyᵀ·patches.
 * Every output sums over the taps in the same order either way, so forward passes are bit-identical.
 */
import type { FloatBuffer } from "../wasm/arena.ts";
import type { Engine } from "./engine.ts";
import { type NativeLayer, type ParameterSlots } from "./layer.ts";

export interface ConvGeometry {
  inShape: [number, number, number];
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
}

export class NativeConv2d implements NativeLayer {
  readonly outShape: number[];
  readonly weight;
  readonly bias;
  /** Patch length kh·kw·in. */
  readonly #P: number;
  /** Output pixels per row. */
  readonly #pixels: number;
  readonly #patches: FloatBuffer;
  readonly #dPatches: FloatBuffer;
  readonly #y: FloatBuffer;
  readonly #dx: FloatBuffer;
  /** Wᵀ [out, kh·kw·in], refreshed each backward pass that needs the input gradient. */
  readonly #weightT: FloatBuffer;
  /** Patches stored tap-major (single-channel input); with few channels, yᵀ / dyᵀ [out, pixels] and dWᵀ. */
  readonly #tapMajor: boolean;
  readonly #channelMajor: boolean;
  readonly #outT: FloatBuffer;
  readonly #gradT: FloatBuffer;

  constructor(readonly engine: Engine, readonly g: ConvGeometry, slots: ParameterSlots, maxRows: number) {
    const [h, w, c] = g.inShape;
    const oh = Math.floor((h + 2 * g.padding - g.kernel) / g.stride) + 1;
    const ow = Math.floor((w + 2 * g.padding - g.kernel) / g.stride) + 1;
    if (oh < 1 || ow < 1) throw new Error(`conv ${g.kernel}×${g.kernel} leaves no pixels of a ${h}×${w} input`);
    this.outShape = [oh, ow, g.outChannels];
    this.#P = g.kernel * g.kernel * c;
    this.#pixels = oh * ow;
    this.weight = slots.take(this.#P * g.outChannels);
    this.bias = slots.take(g.outChannels);
    this.#patches = engine.arena.floats(maxRows * this.#pixels * this.#P + 4); // + im2col's slack
    this.#dPatches = engine.arena.floats(maxRows * this.#pixels * this.#P);
    this.#y = engine.arena.floats(maxRows * this.#pixels * g.outChannels);
    this.#dx = engine.arena.floats(maxRows * h * w * c);
    this.#weightT = engine.arena.floats(this.#P * g.outChannels);
    this.#tapMajor = c === 1;
    this.#channelMajor = this.#tapMajor && g.outChannels < 8;
    this.#outT = engine.arena.floats(this.#channelMajor ? maxRows * this.#pixels * g.outChannels : 0);
    this.#gradT = engine.arena.floats(this.#channelMajor ? this.#P * g.outChannels : 0);
  }

  forward(x: FloatBuffer, rows: number): FloatBuffer {
    const R = rows * this.#pixels, N = this.g.outChannels, W = this.weight.value;
    if (this.#tapMajor) this.#im2colTaps(x, rows);
    else this.#im2col(x, this.#patches, rows, false);
    if (this.#channelMajor) {
      this.engine.matMulTransposeA(W, this.#patches, this.#outT, this.#P, N, R); // yᵀ = Wᵀ·patchesᵀ
      this.engine.transpose(this.#outT, this.#y, N, R);
    } else if (this.#tapMajor) {
      this.engine.matMulTransposeA(this.#patches, W, this.#y, this.#P, R, N); // y = (patchesᵀ)ᵀ·W
    } else {
      this.engine.matMul(this.#patches, W, this.#y, R, this.#P, N);
    }
    this.engine.pointwise.add_bias(this.#y.ptr, this.bias.value.ptr, R, N);
    return this.#y;
  }

  backward(dy: FloatBuffer, rows: number, inputGrad: boolean): FloatBuffer | null {
    const R = rows * this.#pixels, N = this.g.outChannels;
    if (this.#channelMajor) {
      this.engine.transpose(dy, this.#outT, R, N);
      this.engine.matMulTransposeB(this.#outT, this.#patches, this.#gradT, N, this.#P, R);
      this.engine.transpose(this.#gradT, this.weight.grad, N, this.#P);
    } else if (this.#tapMajor) {
      this.engine.matMul(this.#patches, dy, this.weight.grad, this.#P, R, N); // dW = patchesᵀ·dy
    } else {
      this.engine.matMulTransposeA(this.#patches, dy, this.weight.grad, R, this.#P, N);
    }
    this.engine.pointwise.column_sums(dy.ptr, this.bias.grad.ptr, R, N);
    if (!inputGrad) return null;
    this.engine.transpose(this.weight.value, this.#weightT, this.#P, N);
    this.engine.matMul(dy, this.#weightT, this.#dPatches, R, N, this.#P);
    this.#dx.f.fill(0, 0, rows * this.g.inShape[0] * this.g.inShape[1] * this.g.inShape[2]);
    this.#im2col(this.#dx, this.#dPatches, rows, true);
    return this.#dx;
  }

  #im2colTaps(image: FloatBuffer, rows: number): void {
    const [h, w] = this.g.inShape, [oh, ow] = this.outShape, { kernel: k, stride: s, padding: p } = this.g;
    this.engine.im2col.im2col_taps(image.ptr, this.#patches.ptr, rows, h, w, 1, k, s, p, oh, ow);
  }

  /** patches[(r, oy, ox), (ky, kx, c)] = image[r, oy·s+ky−p, ox·s+kx−p, c] (0 outside); or its adjoint. */
  #im2col(image: FloatBuffer, patches: FloatBuffer, rows: number, adjoint: boolean): void {
    const [h, w, c] = this.g.inShape, [oh, ow] = this.outShape;
    const { kernel: k, stride: s, padding: p } = this.g;
    this.engine.im2col.im2col(image.ptr, patches.ptr, rows, h, w, c, k, s, p, oh, ow, adjoint ? 1 : 0);
  }
}
