/**
 * MaxPoolGrad for tfjs-backend-wasm: each window's gradient goes to its maximum, the first one in
 * row-major window order when several tie, as the cpu backend picks it (its running maximum starts
 * at −∞, so windows of negative values are handled; cells in the padding never win):
 *
 *   dx[n, y, x, c] = Σ over windows (oy, ox) whose argmax is (y, x) of dy[n, oy, ox, c].
 *
 * One pass over the windows on the tfjs heap, for any window, stride and padding in NHWC float32
 * without dilation, in lib/wasm/max_pool_grad.wat (four channels at a time; 2×2 windows at stride
 * 2, the most common pool, written out), or on views of the heap here when that kernel did not
 * compile; anything else keeps the kernel it wraps.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { LEAST_SHARE_FLOATS } from "../wasm/heap_threads.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";

interface MaxPoolGradKernel {
  max_pool_grad(...args: number[]): void;
  /** 2×2 windows at stride 2, no padding: x, dy, dx, batch, h, w, c, oh, ow. */
  max_pool_grad_2x2(...args: number[]): void;
}

const FILE = "max_pool_grad.wat";

type TensorInfo = tf.TensorInfo;

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
}

export function maxPoolGradDirect(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const a = args.attrs as unknown as PoolAttrs;
    if (input.dtype !== "float32" || dy.dtype !== "float32") return original(args);
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number],
      a.filterSize,
      a.strides,
      1,
      a.pad,
      a.dimRoundingMode,
    );
    const backend = args.backend as WasmBackend, simd = heapKernels<MaxPoolGradKernel>(FILE);
    const dx = backend.makeOutput(input.shape, "float32"); // may grow the heap: take views after it
    const x = backend.typedArrayFromHeap(input) as Float32Array, g = backend.typedArrayFromHeap(dy) as Float32Array;
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const top = info.padInfo.top, left = info.padInfo.left;
    const twoByTwo = simd && kh === 2 && kw === 2 && sh === 2 && sw === 2 && top === 0 && left === 0;
    // 2×2 windows store every pixel they cover; only odd sizes leave some uncovered
    if (!twoByTwo || H !== 2 * OH || W !== 2 * OW) out.fill(0);
    if (simd) {
      const at = (t: TensorInfo) => heapOffset(backend, t);
      // images are independent: a thread's share is a run of them
      const [px, pdy, pdx] = [at(input), at(dy), at(dx)], image = H * W * C, pooled = OH * OW * C;
      const shape = [H, W, C, OH, OW, ...(twoByTwo ? [] : [kh, kw, sh, sw, top, left])];
      const name = twoByTwo ? "max_pool_grad_2x2" : "max_pool_grad";
      const fn = `${FILE}:${name}`;
      heapThreads()!.forRanges(
        batchSize,
        (r0, r1) => [[fn, px + 4 * r0 * image, pdy + 4 * r0 * pooled, pdx + 4 * r0 * image, r1 - r0, ...shape]],
        { least: Math.ceil(LEAST_SHARE_FLOATS / image) },
      );
      return dx;
    }
    for (let n = 0; n < batchSize; n++) {
      const xBase = n * H * W * C, gBase = n * OH * OW * C;
      for (let oy = 0; oy < OH; oy++) {
        const y0 = oy * sh - top, yLo = Math.max(0, y0), yHi = Math.min(H, y0 + kh);
        for (let ox = 0; ox < OW; ox++) {
          const x0 = ox * sw - left, xLo = Math.max(0, x0), xHi = Math.min(W, x0 + kw);
          const gRow = gBase + (oy * OW + ox) * C;
          for (let c = 0; c < C; c++) {
            let best = -Infinity, at = -1;
            for (let yy = yLo; yy < yHi; yy++) {
              for (let xx = xLo; xx < xHi; xx++) {
                const i = xBase + (yy * W + xx) * C + c;
                if (x[i] > best) best = x[i], at = i;
              }
            }
            if (at >= 0) out[at] += g[gRow + c];
          }
        }
      }
    }
    return dx;
  };
}
