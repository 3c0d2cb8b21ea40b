/**
 * gemm_packed.wat on several threads, in place on the shared heap (heap_threads.ts): a large
 * product is split into one band of C per thread, by rows (each thread packs all of B and its band
 * of A) or by columns (all of A, its band of B), whichever packs less twice; a batch of independent
 * products is shared out whole. Every entry of C is still the same sum in the same order, so the
 * result is bit-identical to one thread's whatever the split.
 */
import type { PackedGemm } from "./instantiate_wat.ts";
import type { Call, HeapThreads } from "./heap_threads.ts";

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
    if (this.pool.threads === 1 || 2 * M * K * N < MIN_FLOPS) return this.local.gemm(...args);
    // By rows every thread packs all of B (K·N), by columns all of A (M·K): the smaller twice.
    const byRows = N <= M, options = { align: byRows ? ROW_ALIGN : COLUMN_ALIGN, least: LEAST_BAND };
    this.pool.forRanges(byRows ? M : N, (from, to, t): Call[] => {
      const w = this.#work(t, work);
      return [
        byRows
          ? [GEMM, a + 4 * from * sai, sai, sak, b, sbk, sbj, c + 4 * from * ldc, ldc, to - from, K, N, w, accumulate]
          : [GEMM, a, sai, sak, b + 4 * from * sbj, sbk, sbj, c + 4 * from, ldc, M, K, to - from, w, accumulate],
      ];
    }, options);
  }

  /** Independent products (`products`: their gemm arguments), a run of them whole on each thread. */
  gemmBatch(products: Args[]): void {
    const [, , , , , , , , M, K, N] = products[0] ?? [];
    if (this.pool.threads === 1 || products.length < 2 || 2 * M * K * N * products.length < MIN_FLOPS) {
      for (const args of products) this.local.gemm(...args);
      return;
    }
    this.pool.forRanges(products.length, (from, to, t) =>
      products.slice(from, to).map((p): Call => {
        const args = [...p];
        args[11] = this.#work(t, p[11]);
        return [GEMM, ...args];
      }));
  }

  /** Thread t's work buffer: the call's own on the calling thread. */
  #work(t: number, own: number): number {
    return t === 0 ? own : this.work[t - 1];
  }
}
