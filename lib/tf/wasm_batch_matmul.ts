/**
 * BatchMatMul for tfjs-backend-wasm with SIMD kernels of our own for the batched and transposed
 * products.
 *
 * tfjs-wasm 4.22 sends only the plain 2-D product (one batch, no transposes) to XNNPACK; batched or
 * transposed products take a scalar loop, far slower than XNNPACK — and every dense layer's backward
 * pass is transposed. `lib/wasm/gemm.wat` holds two small SIMD kernels
 * (A·B with A optionally transposed, and A·Bᵀ) that run in place on the tfjs heap: our module
 * imports the very WebAssembly.Memory tfjs allocates tensors in, so nothing is copied. Products of
 * 16 rows or more, plain ones included, go to `lib/wasm/gemm_packed.wat` instead: cache-blocked,
 * packed, fused multiply-adds, any transpose as strides. Small plain products go to XNNPACK only
 * for a B used before (see seenB). Small Aᵀ·Bᵀ products (which no gradient produces) and non-float
 * products still go to tfjs' own kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { wrapWasmKernel } from "./wrap_kernel.ts";
import { type Gemm, PACKED_GEMM_WORK_FLOATS, type PackedGemm } from "../wasm/instantiate_wat.ts";
import type { Im2colKernel } from "../native/engine.ts";
import { ThreadedGemm } from "../wasm/gemm_threads.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";

interface ConvKernels {
  gemm: PackedGemm;
  im2col: Im2colKernel;
}

let threaded: ThreadedGemm | null = null;
/** The workers' work buffers for the packed product, on the heap while `threaded` uses them. */
let workBuffers: tf.TensorInfo[] = [];

/**
 * The packed product (on every heap thread) and im2col on the wasm backend's heap (wasm_conv2d.ts),
 * once enabled; null where relaxed SIMD is missing.
 */
export function packedKernels(): ConvKernels | null {
  const gemm = heapKernels<PackedGemm>("gemm_packed.wat"), im2col = heapKernels<Im2colKernel>("im2col.wat");
  if (!gemm || !im2col) return null;
  const pool = heapThreads()!;
  if (threaded?.pool !== pool) {
    const backend = tf.findBackend("wasm") as WasmBackend;
    // the buffers of a pool on this heap that was replaced; a new heap took the old ones with it
    if (threaded?.pool.heap === pool.heap) { for (const t of workBuffers) backend.disposeData(t.dataId); }
    workBuffers = Array.from(
      { length: pool.requested - 1 },
      () => backend.makeOutput([PACKED_GEMM_WORK_FLOATS], "float32"),
    );
    threaded = new ThreadedGemm(pool, gemm, workBuffers.map((t) => heapOffset(backend, t)));
  }
  return { gemm: threaded, im2col };
}

/** gemm.wat on the wasm backend's heap (its transpose serves wasm_im2col.ts), once enabled. */
export function simdGemm(): Gemm | null {
  return heapKernels<Gemm>("gemm.wat");
}

function batchMatMulSimd(
  g: Gemm,
  args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const wasm = args.backend as WasmBackend;
  const ra = a.shape.length, rb = b.shape.length;
  const M = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const K = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const Kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const N = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (K !== Kb) throw new Error(`matMul: inner sizes ${K} and ${Kb} of shapes [${a.shape}] and [${b.shape}] differ`);
  const batchShape = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2)), batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) {
    throw new Error(`matMul: batch shapes of [${a.shape}] and [${b.shape}] broadcast only when equal or 1`);
  }
  const out = wasm.makeOutput([...batchShape, M, N], "float32"); // may grow the heap: read offsets after
  const packed = M >= PACKED_MIN_ROWS ? packedKernels() : null;
  const work = packed ? wasm.makeOutput([PACKED_GEMM_WORK_FLOATS], "float32") : null;
  const pa = heapOffset(wasm, a), pb = heapOffset(wasm, b), pc = heapOffset(wasm, out);
  const strideA = batchA === 1 ? 0 : 4 * M * K, strideB = batchB === 1 ? 0 : 4 * K * N;
  for (let e = 0; e < batch; e++) {
    const ea = pa + e * strideA, eb = pb + e * strideB, ec = pc + 4 * e * M * N;
    if (packed && work) {
      // A(i,k) and B(k,j) through strides: every transpose is a way of reading, not a copy.
      const [sai, sak] = transposeA ? [1, M] : [K, 1], [sbk, sbj] = transposeB ? [1, K] : [N, 1];
      packed.gemm.gemm(
        ea,
        sai,
        sak,
        eb,
        sbk,
        sbj,
        ec,
        N,
        M,
        K,
        N,
        heapOffset(wasm, work),
        0,
      );
    } else if (transposeB) g.gemm_nt(ea, eb, ec, M, K, N);
    else g.gemm_nb(ea, transposeA ? 1 : K, transposeA ? M : 1, eb, ec, M, K, N);
  }
  if (work) wasm.disposeData(work.dataId);
  return out;
}

/**
 * From this many rows of C on, products go through the packed kernel (gemm_packed.wat); below it
 * packing B costs as much as the product, and gemm.wat's unpacked kernels stream B once instead.
 */
const PACKED_MIN_ROWS = 16;

function rowsOf(a: tf.TensorInfo, transposed: boolean): number {
  return a.shape[a.shape.length - (transposed ? 1 : 2)];
}

/**
 * The B operands of small plain products seen before. XNNPACK packs B into an operator it caches
 * under B's tensor (tfjs-wasm), several times the product's own cost: worth it for a B used again
 * (inference with fixed weights), not for one used once (a training step's fresh weights and
 * gradients). So a B's first small product runs on gemm.wat, later ones on XNNPACK.
 */
const seenB = new WeakSet<object>();

/**
 * Routes wasm BatchMatMul: from PACKED_MIN_ROWS rows on every float product → the packed kernel;
 * smaller ones batched/transposed, or plain 2-D with a B not seen before → gemm.wat's kernels;
 * the other plain 2-D ones → XNNPACK (tfjs).
 */
export function registerWasmBatchMatMul(): void {
  wrapWasmKernel("BatchMatMul", (original) => (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
    const plain2d = !transposeA && !transposeB && tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 &&
      tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
    const float = a.dtype === "float32" && b.dtype === "float32";
    const gemm = float ? simdGemm() : null;
    const ours = gemm !== null &&
      ((packedKernels() !== null && rowsOf(a, transposeA) >= PACKED_MIN_ROWS) ||
        (plain2d ? firstUse(b) : !(transposeA && transposeB)));
    return ours ? batchMatMulSimd(gemm, args as Parameters<typeof batchMatMulSimd>[1]) : original(args);
  });
}

function firstUse(b: tf.TensorInfo): boolean {
  if (seenB.has(b.dataId)) return false;
  seenB.add(b.dataId);
  return true;
}
