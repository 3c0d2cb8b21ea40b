/**
 * The native engine: our own WebAssembly SIMD kernels (lib/wasm) on an Arena of our own, driven
 * directly from TypeScript. For models of a few hundred thousand parameters at batch 1 a tensor
 * library spends nearly all its time in per-operation bookkeeping (hundreds of kernels a step); here
 * a training step is a few dozen kernel calls on preallocated buffers, with Adam fused into them.
 */
import { Arena, type FloatBuffer } from "../wasm/arena.ts";
import { type Gemm, instantiateWat } from "../wasm/instantiate_wat.ts";

/** Adam's per-step scalars, in the order lib/wasm/adam.wat takes them. */
export type AdamScalars = [oneMinusB1: number, oneMinusB2: number, epsHat: number, stepSize: number];

/** A dense layer's fused backward + Adam (lib/wasm/adam.wat): its buffers (byte pointers; dx 0 = none) and sizes. */
type DenseAdamBuffers = [
  x: number,
  dy: number,
  w: number,
  m: number,
  v: number,
  dx: number,
  rows: number,
  inFeatures: number,
];

interface AdamKernel {
  adam(p: number, g: number, m: number, v: number, n: number, ...scalars: AdamScalars): void;
  linear_adam(...args: [...DenseAdamBuffers, outFeatures: number, ...AdamScalars]): void;
  /** linear_adam for one output feature (W a column). */
  linear_adam_column(...args: [...DenseAdamBuffers, ...AdamScalars]): void;
}

/** lib/wasm/pointwise.wat (pointers in bytes, counts in elements). */
export interface PointwiseKernels {
  leaky_relu(x: number, y: number, n: number, slope: number): void;
  leaky_relu_backward(x: number, dy: number, dx: number, n: number, slope: number): void;
  multiply(x: number, m: number, y: number, n: number): void;
  max_pool(x: number, y: number, arg: number, rows: number, h: number, w: number, c: number, k: number): void;
  /** max_pool for c a multiple of 4. */
  max_pool4(x: number, y: number, arg: number, rows: number, h: number, w: number, c: number, k: number): void;
  add_bias(y: number, b: number, rows: number, n: number): void;
  column_sums(dy: number, db: number, rows: number, n: number): void;
}

/** An NHWC image pass over tap-major patches [k·k, rows·oh·ow, c] (pointers in bytes). */
type TapPatchPass = (
  image: number,
  patches: number,
  rows: number,
  h: number,
  w: number,
  c: number,
  k: number,
  stride: number,
  padding: number,
  oh: number,
  ow: number,
) => void;

/** An NHWC image batch and its patch matrix (pointers in bytes): image, patches, rows, h, w, c, k, stride, padding. */
type PatchImage = [number, number, number, number, number, number, number, number, number];

/** lib/wasm/im2col.wat. */
export interface Im2colKernel {
  /** im2col (adjoint 1: col2im, adding onto the image) of every output row: (…PatchImage, oh, ow, adjoint). */
  im2col(...args: [...PatchImage, number, number, number]): void;
  /**
   * im2col of output rows [oy0, oy1) over window rows [ky0, ky1) only (a band whose other taps are all
   * padding): (…PatchImage, ow, adjoint, oy0, oy1, ky0, ky1).
   */
  im2col_rows(...args: [...PatchImage, number, number, number, number, number, number]): void;
  /** Images to tap-major patches (for one channel, im2col's transpose). */
  im2col_taps: TapPatchPass;
  /** im2col_taps' adjoint: adds tap-major patches onto images (zeroed first). */
  col2im_taps: TapPatchPass;
}

export class Engine {
  private constructor(
    readonly arena: Arena,
    readonly gemm: Gemm,
    readonly adamKernel: AdamKernel,
    readonly pointwise: PointwiseKernels,
    readonly im2col: Im2colKernel,
  ) {}

  static async create(): Promise<Engine> {
    const arena = new Arena();
    const [gemm, adam, pointwise, im2col] = await Promise.all([
      instantiateWat<Gemm>("gemm.wat", arena.memory),
      instantiateWat<AdamKernel>("adam.wat", arena.memory),
      instantiateWat<PointwiseKernels>("pointwise.wat", arena.memory),
      instantiateWat<Im2colKernel>("im2col.wat", arena.memory),
    ]);
    return new Engine(arena, gemm, adam, pointwise, im2col);
  }

  /** y[M×N] = x[M×K]·W[K×N]. */
  matMul(x: FloatBuffer, w: FloatBuffer, y: FloatBuffer, M: number, K: number, N: number): void {
    this.gemm.gemm_nb(x.ptr, K, 1, w.ptr, y.ptr, M, K, N);
  }

  /** dW[K×N] = xᵀ·dy with x[M×K], dy[M×N]. */
  matMulTransposeA(x: FloatBuffer, dy: FloatBuffer, dw: FloatBuffer, M: number, K: number, N: number): void {
    this.gemm.gemm_nb(x.ptr, 1, K, dy.ptr, dw.ptr, K, M, N);
  }

  /** xt[C×R] = x[R×C]ᵀ. */
  transpose(x: FloatBuffer, xt: FloatBuffer, R: number, C: number): void {
    this.gemm.transpose(x.ptr, xt.ptr, R, C);
  }

  /** dx[M×K] = dy[M×N]·Wᵀ with W[K×N]. */
  matMulTransposeB(dy: FloatBuffer, w: FloatBuffer, dx: FloatBuffer, M: number, K: number, N: number): void {
    this.gemm.gemm_nt(dy.ptr, w.ptr, dx.ptr, M, N, K);
  }
}

/**
 * Step t's scalars (lib/train/adam.ts's defaults): the bias corrections folded into the step size
 * and ε (Kingma & Ba 2015, §2): stepSize = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), ε̂ = ε·√(1−β₂ᵗ).
 */
export function adamScalars(
  t: number,
  lr: number,
  opts: { beta1?: number; beta2?: number; eps?: number } = {},
): AdamScalars {
  const b1 = opts.beta1 ?? 0.9, b2 = opts.beta2 ?? 0.999, eps = opts.eps ?? 1e-8;
  const root = Math.sqrt(1 - b2 ** t);
  return [1 - b1, 1 - b2, eps * root, lr * root / (1 - b1 ** t)];
}

/** Adam on flat buffers (p, g, m, v of equal length; the kernel works 4 floats at a time, so the
 * floats up to the next multiple of 4 must be padding of these buffers). */
export function adamStep(
  engine: Engine,
  bufs: { p: FloatBuffer; g: FloatBuffer; m: FloatBuffer; v: FloatBuffer },
  scalars: AdamScalars,
): void {
  const n = Math.ceil(bufs.p.length / 4) * 4;
  engine.adamKernel.adam(bufs.p.ptr, bufs.g.ptr, bufs.m.ptr, bufs.v.ptr, n, ...scalars);
}
