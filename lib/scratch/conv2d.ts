/**
 * 2-D convolution (cross-correlation, as every deep-learning library) on NHWC tensors with a
 * hand-written backward pass, as matrix products over the im2col matrix of the zero-padded input
 * (see im2col.ts), with W [kh, kw, C, F] seen as a matrix [kh·kw·C, F]:
 *
 *   y  = cols · W + b,    dW = colsᵀ · dY,    db = Σ dY,    dX = col2im(dY · Wᵀ).
 *
 * cols has one row per output pixel in NHWC order, so y [n·oh·ow, F] is the NHWC output as it is.
 * The layer keeps colsᵀ (both products read it as it is stored; for one input channel it is the
 * layout the wasm kernel builds without a transpose).
 * Output size ⌊(in + 2p − k)/s⌋ + 1 (lib/scratch/output_size.ts). The seed got this wrong for stride > 1
 * and cropped the padding of dX from the W and C axes instead of H and W; both are tested.
 * Initialisation: PyTorch's default U(±1/√(kh·kw·C)) (lib/nn/init.ts), as lib/nn's Conv2d.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { pytorchDefaultBound, uniformTensor } from "../nn/init.ts";
import { pair, type Size2 } from "./output_size.ts";
import type { ScratchLayer } from "./layer.ts";
import { col2im, im2colTransposed, type WindowGeometry, windowGeometry } from "./im2col.ts";

export interface ConvOptions {
  stride?: Size2;
  /** Symmetric zero padding in pixels. */
  padding?: Size2;
  /** Given parameters (taken over, not copied) instead of random ones: weight [kh, kw, C, F], bias [F]. */
  init?: { weight: tf.Tensor4D; bias: tf.Tensor1D };
}

interface ConvCache {
  inputShape: [number, number, number, number];
  geometry: WindowGeometry;
  /** colsᵀ [kh·kw·C, n·oh·ow] of the padded input. */
  colsT: tf.Tensor2D;
}

export class ScratchConv2D implements ScratchLayer {
  readonly name: string;
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  params: tf.Tensor[];
  grads: tf.Tensor[] = [];
  #cache: ConvCache | null = null;

  constructor(
    readonly inChannels: number,
    readonly filters: number,
    kernel: Size2,
    rng: Rng | null,
    opts: ConvOptions = {},
  ) {
    this.kernel = pair(kernel);
    this.stride = pair(opts.stride ?? 1);
    this.padding = pair(opts.padding ?? 0);
    const [kh, kw] = this.kernel;
    this.name = `Conv2D(${inChannels}→${filters}, ${kh}×${kw}, stride ${this.stride.join("×")}, pad ${
      this.padding.join("×")
    })`;
    this.params = opts.init ? this.#given(opts.init) : this.#random(rng);
  }

  #given(init: NonNullable<ConvOptions["init"]>): tf.Tensor[] {
    const expected = [...this.kernel, this.inChannels, this.filters];
    if (init.weight.shape.some((d, i) => d !== expected[i]) || init.bias.shape[0] !== this.filters) {
      throw new Error(
        `${this.name}: weight [${init.weight.shape}] / bias [${init.bias.shape}], expected [${expected}] / [${this.filters}]`,
      );
    }
    return [init.weight, init.bias];
  }

  #random(rng: Rng | null): tf.Tensor[] {
    if (!rng) throw new Error(`${this.name}: give an Rng or init tensors`);
    const [kh, kw] = this.kernel;
    const bound = pytorchDefaultBound(kh * kw * this.inChannels);
    return [
      uniformTensor([kh, kw, this.inChannels, this.filters], bound, rng),
      uniformTensor([this.filters], bound, rng),
    ];
  }

  get weight(): tf.Tensor4D {
    return this.params[0] as tf.Tensor4D;
  }

  get bias(): tf.Tensor1D {
    return this.params[1] as tf.Tensor1D;
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`${this.name}: expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`);
    }
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const geometry = windowGeometry([h, w], this.kernel, this.stride, this.padding);
    const [oh, ow] = geometry.outSize;
    const colsT = im2colTransposed(x as tf.Tensor4D, geometry);
    this.#cache = { inputShape: [n, h, w, c], geometry, colsT };
    const y = tf.add(tf.matMul(colsT, this.#weightMatrix(), true, false), this.bias); // [n·oh·ow, F]
    return tf.reshape(y, [n, oh, ow, this.filters]);
  }

  backward(dOut: tf.Tensor, inputGradient = true): tf.Tensor {
    if (!this.#cache) throw new Error(`${this.name}: backward called before forward`);
    const { inputShape: [n, , , c], geometry, colsT } = this.#cache;
    const [oh, ow] = geometry.outSize, [kh, kw] = this.kernel;
    const dY = tf.reshape(dOut, [n * oh * ow, this.filters]) as tf.Tensor2D;
    this.grads = [tf.reshape(tf.matMul(colsT, dY), [kh, kw, c, this.filters]), tf.sum(dY, 0)];
    if (!inputGradient) return tf.zeros([0]); // col2im is most of the backward pass: skip it when unused
    return col2im(tf.matMul(dY, this.#weightMatrix(), false, true), geometry, n, c);
  }

  /** W [kh, kw, C, F] as [kh·kw·C, F], rows ordered (i, j, c) like the columns of cols. */
  #weightMatrix(): tf.Tensor2D {
    const [kh, kw] = this.kernel;
    return tf.reshape(this.weight, [kh * kw * this.inChannels, this.filters]);
  }
}
