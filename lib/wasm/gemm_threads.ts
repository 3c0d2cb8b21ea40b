/**
 * gemm_packed.wat on several threads, in place on the shared heap (heap_threads.ts): a large
 * product is split into one band of C per thread, by rows (each thread packs all of B and its band
 * of A) or by columns (all of A, its band of B), whichever packs less twice; a batch of independent
 * products is shared out whole. Every entry of C is still the same sum in the same order, so the
 * result is bit-identical to one thread's whatever the split.
 */
import type { PackedGemm } from "./instantiate_wat.ts";
import { type Call, type HeapThreads, THREAD_WORK } from "./heap_threads.ts";

/** Below this many flops (about a millisecond on one thread) a product is not worth a round trip. */
export const MIN_FLOPS = 2e7;
const GEMM = "gemm_packed.wat:gemm";
/** Bands of C start on whole register tiles of the packed kernel (4 rows × 8 columns). */
const ROW_ALIGN = 4, COLUMN_ALIGN = 8;
/**
 * No chunk of C narrower than this. A chunk of columns packs A once per NC = 256 of them, a chunk of
 * rows packs B (unless it reads B in place): narrower chunks balance the threads better but pack more.
 */
const LEAST_COLUMNS = 128, LEAST_ROWS = 64;

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
    // By rows every thread packs all of B (K·N), by columns all of A (M·K): the smaller twice. Too few
    // columns to split (a one-channel layer's filter gradient: 25 × 25088 × 32) go by rows, one chunk
    // per thread: at most 64 rows, so each reads B in place, but all of it.
    const byRows = N <= M || N < 2 * LEAST_COLUMNS, w = THREAD_WORK;
    const least = N <= M ? LEAST_ROWS : byRows ? Math.max(ROW_ALIGN, Math.floor(M / this.pool.threads)) : LEAST_COLUMNS;
    const options = { align: byRows ? ROW_ALIGN : COLUMN_ALIGN, least };
    this.pool.forRanges(byRows ? M : N, (from, to): Call[] => [
      byRows
        ? [GEMM, a + 4 * from * sai, sai, sak, b, sbk, sbj, c + 4 * from * ldc, ldc, to - from, K, N, w, accumulate]
        : [GEMM, a, sai, sak, b + 4 * from * sbj, sbk, sbj, c + 4 * from, ldc, M, K, to - from, w, accumulate],
    ], { ...options, work: [work, ...this.work] });
  }

  /** Independent products (`products`: their gemm arguments), shared out whole in chunks of a few. */
  gemmBatch(products: Args[]): void {
    const [, , , , , , , , M, K, N] = products[0] ?? [];
    if (this.pool.threads === 1 || products.length < 2 || 2 * M * K * N * products.length < MIN_FLOPS) {
      for (const args of products) this.local.gemm(...args);
      return;
    }
    this.pool.forRanges(products.length, (from, to) =>
      products.slice(from, to).map((p): Call => {
        const args = [...p];
        args[11] = THREAD_WORK;
        return [GEMM, ...args];
      }), { work: [products[0][11], ...this.work] });
  }
}
