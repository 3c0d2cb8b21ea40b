/**
 * 2-D convolution (cross-correlation, as every deep-learning library) on NHWC tensors with a
 * hand-written backward pass, as matrix products over the im2col matrix of the padded input
 * (see im2col.ts), with W [kh, kw, C, F] seen as a matrix [kh·kw·C, F]:
 *
 *   y  = cols · W + b,    dW = colsᵀ · dY,    db = Σ dY,    dX = unpad(col2im(dY · Wᵀ)).
 *
 * Computed on colsᵀ [kh·kw·C, n·oh·ow] (yᵀ = Wᵀ·colsᵀ, dColsᵀ = W·dYᵀ), the layout that slices fast.
 * Output size ⌊(in + 2p − k)/s⌋ + 1 (lib/scratch/output_size.ts). The seed got this wrong for stride > 1
 * and cropped the padding of dX from the W and C axes instead of H and W; both are tested.
 * Initialisation: PyTorch's default U(±1/√(kh·kw·C)) (lib/nn/init.ts), as lib/nn's Conv2d.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { pytorchDefaultBound, uniformTensor } from "../nn/init.ts";
import { pair, type Size2 } from "./output_size.ts";
import type { ScratchLayer } from "./layer.ts";
import { col2imT, im2colT, toChannelsFirst, toChannelsLast, type WindowGeometry, windowGeometry } from "./im2col.ts";

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
    const [ph, pw] = this.padding;
    const xCNHW = toChannelsFirst(x as tf.Tensor4D);
    const padded = ph || pw ? tf.pad(xCNHW, [[0, 0], [0, 0], [ph, ph], [pw, pw]]) : xCNHW;
    const geometry = windowGeometry([h + 2 * ph, w + 2 * pw], this.kernel, this.stride);
    const [oh, ow] = geometry.outSize;
    const colsT = im2colT(padded, geometry);
    this.#cache = { inputShape: [n, h, w, c], geometry, colsT };
    // yᵀ = Wᵀ · colsᵀ [F, n·oh·ow]; the plain (untransposed) product is the fast one on wasm.
    const yT = tf.matMul(tf.transpose(this.#weightMatrix()), colsT);
    const y = toChannelsLast(tf.reshape(yT, [this.filters, n, oh, ow]) as tf.Tensor4D);
    return tf.add(y, this.bias);
  }

  backward(dOut: tf.Tensor, inputGradient = true): tf.Tensor {
    if (!this.#cache) throw new Error(`${this.name}: backward called before forward`);
    const { inputShape: [n, h, w, c], geometry, colsT } = this.#cache;
    const [oh, ow] = geometry.outSize, [kh, kw] = this.kernel, [ph, pw] = this.padding;
    // dY as [n·oh·ow, F] (NHWC order: the column order of colsᵀ) and as its transpose [F, n·oh·ow].
    const dY = tf.reshape(dOut, [n * oh * ow, this.filters]) as tf.Tensor2D;
    const dYT = tf.reshape(toChannelsFirst(dOut as tf.Tensor4D), [this.filters, n * oh * ow]) as tf.Tensor2D;
    this.grads = [tf.reshape(tf.matMul(colsT, dY), [kh, kw, c, this.filters]), tf.sum(dY, 0)];
    if (!inputGradient) return tf.zeros([0]); // col2im is most of the backward pass: skip it when unused
    const dPadded = col2imT(tf.matMul(this.#weightMatrix(), dYT), geometry, c, n);
    // Padding sits on the H and W axes (2 and 3 of CNHW).
    const dInput = ph || pw ? tf.slice(dPadded, [0, 0, ph, pw], [c, n, h, w]) : dPadded;
    return toChannelsLast(dInput);
  }

  /** W [kh, kw, C, F] as [kh·kw·C, F], rows ordered (i, j, c) like the rows of colsᵀ. */
  #weightMatrix(): tf.Tensor2D {
    const [kh, kw] = this.kernel;
    return tf.reshape(this.weight, [kh * kw * this.inChannels, this.filters]);
  }
}
