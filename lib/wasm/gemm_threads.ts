/**
 * gemm_packed.wat on several threads, in place on the shared heap (heap_threads.ts): a large
 * product is split into one band of C per thread, by rows (each thread packs all of B and its band
 * of A) or by columns (all of A, its band of B), whichever packs less twice; a batch of independent
 * products is shared out whole. Every entry of C is still the same sum in the same order, so the
 * result is bit-identical to one thread's whatever the split.
 */
import type { PackedGemm } from "./instantiate_wat.ts";
import { type Call, type HeapThreads, rangeBounds } from "./heap_threads.ts";

/** Below this many flops (about a millisecond on one thread) a product is not worth a round trip. */
export const MIN_FLOPS = 2e7;
const GEMM = "gemm_packed.wat:gemm";
/** Bands of C start on whole register tiles of the packed kernel (4 rows × 8 columns). */
const ROW_ALIGN = 4, COLUMN_ALIGN = 8;
/** No band narrower than this: below it a thread spends more on packing its operands than multiplying. */
const LEAST_BAND = 16;

/** The arguments of one PackedGemm.gemm call. */
export type Args = Parameters<PackedGemm["gemm"]>;

/** Runs independent products of one shape: shared out among threads where `gemm` has them, else one by one. */
export function gemmBatch(gemm: PackedGemm, products: Args[]): void {
  if (gemm instanceof ThreadedGemm) return gemm.gemmBatch(products);
  for (const args of products) gemm.gemm(...args);
}

export class ThreadedGemm implements PackedGemm {
  /**
   * `work[t]`: worker t's work buffer on the heap (PACKED_GEMM_WORK_FLOATS floats, byte pointer),
   * one for each worker the pool can use; the calling thread uses the one each call passes.
   */
  constructor(readonly pool: HeapThreads, readonly local: PackedGemm, readonly work: readonly number[]) {}

  gemm(...args: Args): void {
    const [a, sai, sak, b, sbk, sbj, c, ldc, M, K, N, work, accumulate] = args;
    const T = this.pool.threads;
    if (T === 1 || 2 * M * K * N < MIN_FLOPS) return this.local.gemm(...args);
    // By rows every thread packs all of B (K·N), by columns all of A (M·K): the smaller twice.
    const byRows = N <= M;
    const bounds = byRows ? rangeBounds(M, T, ROW_ALIGN, LEAST_BAND) : rangeBounds(N, T, COLUMN_ALIGN, LEAST_BAND);
    if (bounds.length < 3) return this.local.gemm(...args);
    this.pool.run(
      bounds.slice(1).map((to, t): Call[] => {
        const from = bounds[t], w = t === 0 ? work : this.work[t - 1];
        return [
          byRows
            ? [GEMM, a + 4 * from * sai, sai, sak, b, sbk, sbj, c + 4 * from * ldc, ldc, to - from, K, N, w, accumulate]
            : [GEMM, a, sai, sak, b + 4 * from * sbj, sbk, sbj, c + 4 * from, ldc, M, K, to - from, w, accumulate],
        ];
      }),
    );
  }

  /** Independent products (`products`: their gemm arguments), a run of them whole on each thread. */
  gemmBatch(products: Args[]): void {
    const T = this.pool.threads;
    const [, , , , , , , , M, K, N] = products[0] ?? [];
    if (T === 1 || products.length < 2 || 2 * M * K * N * products.length < MIN_FLOPS) {
      for (const args of products) this.local.gemm(...args);
      return;
    }
    const bounds = rangeBounds(products.length, T);
    this.pool.run(
      bounds.slice(1).map((to, t): Call[] =>
        products.slice(bounds[t], to).map((p): Call => {
          const args = [...p];
          if (t > 0) args[11] = this.work[t - 1];
          return [GEMM, ...args];
        })
      ),
    );
  }
}
