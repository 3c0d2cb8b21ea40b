/**
 * A faster BatchMatMul for tfjs-backend-wasm on small batched and transposed products.
 *
 * tfjs-wasm 4.22 sends only the plain 2-D case (one batch, no transposes) to XNNPACK; batched or
 * transposed products take a generic loop that runs at ≈0.5 GFLOP/s here — and every backward pass
 * of a dense layer is transposed, every ensemble layer batched. These cases run instead in plain
 * JavaScript loops ordered so the innermost loop walks contiguous memory (≈2–4× faster, measured in
 * `deno task bench`); the plain 2-D case still goes to XNNPACK.
 */
import * as tf from "@tensorflow/tfjs-core";

interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
}

/** C[M×N] += op(A)·op(B) for one batch, where op transposes when asked. */
export function matMulInto(
  A: Float32Array,
  aOff: number,
  B: Float32Array,
  bOff: number,
  C: Float32Array,
  cOff: number,
  M: number,
  K: number,
  N: number,
  transposeA: boolean,
  transposeB: boolean,
): void {
  if (!transposeA && !transposeB) { // A[M,K]·B[K,N]: broadcast a_ik over row k of B
    for (let i = 0; i < M; i++) {
      const c = cOff + i * N;
      for (let k = 0; k < K; k++) {
        const a = A[aOff + i * K + k];
        if (a === 0) continue;
        const b = bOff + k * N;
        for (let j = 0; j < N; j++) C[c + j] += a * B[b + j];
      }
    }
  } else if (!transposeA && transposeB) { // A[M,K]·B[N,K]ᵀ: dot products of contiguous rows
    for (let i = 0; i < M; i++) {
      const a = aOff + i * K;
      for (let j = 0; j < N; j++) {
        const b = bOff + j * K;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a + k] * B[b + k];
        C[cOff + i * N + j] += s;
      }
    }
  } else if (transposeA && !transposeB) { // A[K,M]ᵀ·B[K,N]: rank-1 updates, row k of A times row k of B
    for (let k = 0; k < K; k++) {
      const b = bOff + k * N;
      for (let i = 0; i < M; i++) {
        const a = A[aOff + k * M + i];
        if (a === 0) continue;
        const c = cOff + i * N;
        for (let j = 0; j < N; j++) C[c + j] += a * B[b + j];
      }
    }
  } else { // A[K,M]ᵀ·B[N,K]ᵀ
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += A[aOff + k * M + i] * B[bOff + j * K + k];
        C[cOff + i * N + j] += s;
      }
    }
  }
}

export function batchMatMulJs(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs?: tf.NamedAttrMap },
): tf.TensorInfo {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
  const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
  const wasm = backend as WasmBackend;
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
  const out = wasm.makeOutput([...batchShape, M, N], "float32"); // allocate first: may grow (and detach) the heap
  const A = wasm.typedArrayFromHeap(a) as Float32Array, B = wasm.typedArrayFromHeap(b) as Float32Array;
  const C = wasm.typedArrayFromHeap(out) as Float32Array;
  C.fill(0);
  for (let e = 0; e < batch; e++) {
    matMulInto(A, batchA === 1 ? 0 : e * M * K, B, batchB === 1 ? 0 : e * K * N, C, e * M * N, M, K, N, transposeA, transposeB);
  }
  return out;
}

/** Replaces wasm's BatchMatMul by one that keeps XNNPACK for plain 2-D products and runs the rest in JS. */
export function registerWasmBatchMatMul(): void {
  const original = tf.getKernel("BatchMatMul", "wasm");
  if (!original || (original as { patched?: boolean }).patched) return;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...original,
    patched: true,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const plain2d = !transposeA && !transposeB && tf.util.sizeFromShape(a.shape.slice(0, -2)) === 1 &&
        tf.util.sizeFromShape(b.shape.slice(0, -2)) === 1;
      return plain2d ? original.kernelFunc(args) : batchMatMulJs(args);
    },
  } as tf.KernelConfig);
}
