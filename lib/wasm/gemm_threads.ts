/**
 * gemm_packed.wat on several threads. tfjs' heap is an ordinary (unshared) WebAssembly.Memory, so
 * a worker cannot read it: the main thread computes its share of C in place on the heap, and each
 * worker its share on compact copies, in one shared WebAssembly.Memory, of what it reads — a band of
 * A's rows and all of B, or all of A and a band of B's columns, whichever split copies less. Every
 * entry is still the same sum in the same order, so the result is bit-identical to one thread's
 * whatever the split.
 *
 * The main thread also does the copies, so it takes a smaller share: per copied float it gives up
 * FLOPS_PER_COPIED_FLOAT multiply-adds of work. Workers start on the first product large enough to
 * split and help from when they are ready; until then the main thread does everything.
 */
import { Worker } from "node:worker_threads";
import { PACKED_GEMM_WORK_FLOATS, type PackedGemm, sharedWatBinary } from "./instantiate_wat.ts";
import { SLOT } from "./gemm_slots.ts";

/** The shared memory's limit (1 GiB); a larger product runs on the main thread alone. */
const MAX_PAGES = 16384;
/** Below this many flops (about a millisecond on one thread) a product is not worth a round trip and copies. */
export const MIN_FLOPS = 2e7;
/**
 * A product is split only with this many flops per float the workers' copies move: below it (few
 * multiply-adds per entry of C, as a one-channel convolution's K = 25) the copies and the round
 * trip cost what the second thread saves.
 */
const MIN_FLOPS_PER_COPIED_FLOAT = 64;
/** About how many flops one float copy costs (copies stream ≈ 10× more floats per second). */
const FLOPS_PER_COPIED_FLOAT = 10;

/** The arguments of one PackedGemm.gemm call. */
export type Args = Parameters<PackedGemm["gemm"]>;

interface Share {
  /** rows [r0, r1) and columns [c0, c1) of C */
  r0: number;
  r1: number;
  c0: number;
  c1: number;
}

/** Runs independent products of one shape: split across threads where `gemm` has them, else one by one. */
export function gemmBatch(gemm: PackedGemm, products: Args[]): void {
  if (gemm instanceof ThreadedGemm) return gemm.gemmBatch(products);
  for (const args of products) gemm.gemm(...args);
}

export class ThreadedGemm implements PackedGemm {
  readonly #memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  readonly #control: SharedArrayBuffer;
  readonly #ctl: Int32Array[];
  readonly #workers: Worker[] = [];
  #seq = 0;
  /** Products split across threads so far (the others ran on the main thread alone). */
  splits = 0;
  #starting: Promise<void> | null = null;

  /** `threads` counts the main thread: 2 starts one worker. */
  constructor(readonly heap: WebAssembly.Memory, readonly local: PackedGemm, readonly threads: number) {
    if (!Number.isInteger(threads) || threads < 2) {
      throw new Error(`ThreadedGemm needs 2 or more threads, not ${threads}`);
    }
    this.#control = new SharedArrayBuffer(SLOT.BYTES * (threads - 1));
    this.#ctl = Array.from({ length: threads - 1 }, (_, i) => new Int32Array(this.#control, i * SLOT.BYTES, SLOT.INTS));
  }

  /** Workers that have started and can take a share now. */
  get helpers(): number {
    return this.#ctl.filter((c) => Atomics.load(c, SLOT.READY) === 1).length;
  }

  /** Resolves once every worker is ready (or has failed to start, leaving the main thread alone). */
  ready(): Promise<void> {
    this.#start();
    return this.#starting!;
  }

  close(): void {
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
    for (const c of this.#ctl) Atomics.store(c, SLOT.READY, 0);
  }

  gemm(...args: Args): void {
    const [a, sai, sak, b, sbk, sbj, c, ldc, M, K, N, work, accumulate] = args;
    if (2 * M * K * N < MIN_FLOPS) return this.local.gemm(...args);
    if ((sai !== 1 && sak !== 1) || (sbk !== 1 && sbj !== 1)) return this.local.gemm(...args);
    this.#start();
    const ready = this.#ctl.filter((ctl) => Atomics.load(ctl, SLOT.READY) === 1);
    const plan = ready.length > 0 ? split(M, K, N, ready.length + 1, accumulate !== 0) : null;
    if (!plan || 2 * M * K * N < MIN_FLOPS_PER_COPIED_FLOAT * plan.copiedFloats) return this.local.gemm(...args);
    const { byRows, shares: [mine, ...theirs] } = plan;
    // By rows the workers share all of B and take a band of A; by columns, all of A and a band of B.
    const blocks = theirs.map((s) => ({
      a: (s.r1 - s.r0) * K,
      b: K * (s.c1 - s.c0),
      c: (s.r1 - s.r0) * (s.c1 - s.c0),
    }));
    const layout = this.#layout(blocks, byRows ? { b: K * N } : { a: M * K });
    if (!layout) return this.local.gemm(...args);
    const heap = new Float32Array(this.heap.buffer), shared = new Float32Array(this.#memory.buffer);
    const copyA = (s: Share, at: number) => copyIn(heap, a, sai, sak, s.r0, s.r1, 0, K, shared, at);
    const copyB = (s: Share, at: number) => copyIn(heap, b, sbk, sbj, 0, K, s.c0, s.c1, shared, at);
    const whole = { r0: 0, r1: M, c0: 0, c1: N };
    const sharedA = byRows ? null : copyA(whole, layout.shared), sharedB = byRows ? copyB(whole, layout.shared) : null;
    const seq = ++this.#seq;
    this.splits++;
    theirs.forEach((s, w) => {
      const rows = s.r1 - s.r0, cols = s.c1 - s.c0, at = layout.blocks[w];
      const A = sharedA ?? copyA(s, at.a), B = sharedB ?? copyB(s, at.b);
      if (accumulate) copyRuns(heap, c / 4 + s.r0 * ldc + s.c0, ldc, shared, at.c, cols, rows, cols);
      const ctl = ready[w];
      ctl.set(
        [4 * A.at, A.si, A.sj, 4 * B.at, B.si, B.sj, 4 * at.c, cols, rows, K, cols, 4 * at.work, accumulate, 1],
        SLOT.ARGS,
      );
      Atomics.store(ctl, SLOT.SEQ, seq);
      Atomics.notify(ctl, SLOT.SEQ);
    });
    if (mine.r1 > mine.r0 && mine.c1 > mine.c0) {
      this.local.gemm(
        a + 4 * mine.r0 * sai,
        sai,
        sak,
        b + 4 * mine.c0 * sbj,
        sbk,
        sbj,
        c + 4 * (mine.r0 * ldc + mine.c0),
        ldc,
        mine.r1 - mine.r0,
        K,
        mine.c1 - mine.c0,
        work,
        accumulate,
      );
    }
    theirs.forEach((s, w) => {
      const ctl = ready[w];
      for (let d = Atomics.load(ctl, SLOT.DONE); d !== seq; d = Atomics.load(ctl, SLOT.DONE)) {
        Atomics.wait(ctl, SLOT.DONE, d);
      }
      if (Atomics.load(ctl, SLOT.FAILED)) throw new Error("a gemm worker thread failed");
      const rows = s.r1 - s.r0, cols = s.c1 - s.c0;
      const heapNow = new Float32Array(this.heap.buffer);
      copyRuns(shared, layout.blocks[w].c, cols, heapNow, c / 4 + s.r0 * ldc + s.c0, ldc, rows, cols);
    });
  }

  /**
   * Independent products of one shape and strides (`products`: their gemm arguments), each whole on
   * one thread: the main thread runs the first ones in place, each worker a run of the others on
   * compact copies of their operands. One round trip for the lot, where splitting each product
   * would take one per product and copy about as much. Bit-identical to running them one by one.
   */
  gemmBatch(products: Args[]): void {
    const plan = this.#batchPlan(products);
    if (!plan) {
      for (const args of products) this.local.gemm(...args);
      return;
    }
    const { ready, mine, ranges, layout } = plan;
    const [, sai, sak, , sbk, sbj, , ldc, M, K, N, , accumulate] = products[0];
    const heap = new Float32Array(this.heap.buffer), shared = new Float32Array(this.#memory.buffer);
    const seq = ++this.#seq;
    this.splits++;
    ranges.forEach((r, w) => {
      const at = layout.blocks[w];
      let A: Block | null = null, B: Block | null = null;
      for (let i = r.from; i < r.to; i++) {
        const [a, , , b, , , c] = products[i], k = i - r.from;
        A = copyIn(heap, a, sai, sak, 0, M, 0, K, shared, at.a + k * M * K);
        B = copyIn(heap, b, sbk, sbj, 0, K, 0, N, shared, at.b + k * K * N);
        if (accumulate) copyRuns(heap, c / 4, ldc, shared, at.c + k * M * N, N, M, N);
      }
      const ctl = ready[w];
      ctl.set(
        [4 * at.a, A!.si, A!.sj, 4 * at.b, B!.si, B!.sj, 4 * at.c, N, M, K, N, 4 * at.work, accumulate],
        SLOT.ARGS,
      );
      ctl.set([r.to - r.from, 4 * M * K, 4 * K * N, 4 * M * N], SLOT.COUNT);
      Atomics.store(ctl, SLOT.SEQ, seq);
      Atomics.notify(ctl, SLOT.SEQ);
    });
    for (let i = 0; i < mine; i++) this.local.gemm(...products[i]);
    ranges.forEach((r, w) => {
      const ctl = ready[w];
      for (let d = Atomics.load(ctl, SLOT.DONE); d !== seq; d = Atomics.load(ctl, SLOT.DONE)) {
        Atomics.wait(ctl, SLOT.DONE, d);
      }
      if (Atomics.load(ctl, SLOT.FAILED)) throw new Error("a gemm worker thread failed");
      const heapNow = new Float32Array(this.heap.buffer);
      for (let i = r.from; i < r.to; i++) {
        copyRuns(shared, layout.blocks[w].c + (i - r.from) * M * N, N, heapNow, products[i][6] / 4, ldc, M, N);
      }
    });
  }

  /**
   * Who runs which of a batch's products: the main thread the first `mine`, worker w its range, on
   * blocks of `layout`; null where the batch is too small to share out or shared memory too short.
   */
  #batchPlan(products: Args[]) {
    if (products.length < 2) return null;
    const [, , , , , , , , M, K, N, , accumulate] = products[0];
    const count = products.length, flops = 2 * M * K * N;
    this.#start();
    const ready = this.#ctl.filter((ctl) => Atomics.load(ctl, SLOT.READY) === 1);
    const T = ready.length + 1;
    if (flops * count < MIN_FLOPS || ready.length === 0) return null;
    // The main thread copies each worker product's operands in, then runs its own: it takes fewer.
    const copyFlops = (M * K + K * N + (accumulate ? M * N : 0)) * FLOPS_PER_COPIED_FLOAT;
    const theirs = Math.max(
      1,
      Math.min(Math.floor(count / T) + 1, Math.round(count / (T - (T - 1) * copyFlops / flops))),
    );
    const mine = Math.max(0, count - (T - 1) * theirs);
    const ranges = ready.map((_, w) => {
      const from = mine + w * theirs;
      return { from, to: Math.min(count, from + theirs) };
    }).filter((r) => r.to > r.from);
    const layout = this.#layout(
      ranges.map((r) => ({ a: (r.to - r.from) * M * K, b: (r.to - r.from) * K * N, c: (r.to - r.from) * M * N })),
      {},
    );
    return layout ? { ready, mine, ranges, layout } : null;
  }

  /** Float offsets in shared memory (16-float aligned): each worker's work buffer and blocks, then the shared operand. */
  #layout(blocks: { a: number; b: number; c: number }[], whole: { a?: number; b?: number }) {
    let next = 16;
    const take = (n: number) => {
      const at = next;
      next = Math.ceil((next + n + 4) / 16) * 16; // + 4: a vector read past a block's end stays inside
      return at;
    };
    const placed = blocks.map((blk) => ({
      work: take(PACKED_GEMM_WORK_FLOATS),
      a: whole.a ? 0 : take(blk.a),
      b: whole.b ? 0 : take(blk.b),
      c: take(blk.c),
    }));
    const sharedAt = take(whole.a ?? whole.b ?? 0);
    const missing = 4 * next - this.#memory.buffer.byteLength;
    if (missing > 0) {
      const pages = Math.ceil(missing / 65536);
      if (this.#memory.buffer.byteLength / 65536 + pages > MAX_PAGES) return null;
      this.#memory.grow(pages);
    }
    return { blocks: placed, shared: sharedAt };
  }

  #start(): void {
    if (this.#starting) return;
    this.#starting = sharedWatBinary("gemm_packed.wat", MAX_PAGES).then(async (binary) => {
      const url = new URL("./gemm_worker.ts", import.meta.url);
      for (let slot = 0; slot < this.threads - 1; slot++) {
        const worker = new Worker(url, {
          workerData: { memory: this.#memory, binary, control: this.#control, slot },
        });
        worker.unref();
        this.#workers.push(worker);
      }
      const deadline = performance.now() + 30_000;
      while (this.helpers < this.threads - 1 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }).catch(() => this.close());
  }
}

/**
 * Splits C into one share per thread, by rows or by columns, whichever copies less for the workers
 * (rows: a band of A and all of B; columns: all of A and a band of B), the first share (the main
 * thread's) smaller by its copying.
 */
function split(
  M: number,
  K: number,
  N: number,
  T: number,
  accumulate: boolean,
): { byRows: boolean; shares: Share[]; copiedFloats: number } | null {
  const cFloats = (M * N * (T - 1) / T) * (accumulate ? 2 : 1);
  const byRows = M >= 32 * T ? (M * K * (T - 1)) / T + K * N + cFloats : Infinity;
  const byColumns = N >= 16 * T ? M * K + (K * N * (T - 1)) / T + cFloats : Infinity;
  if (byRows === Infinity && byColumns === Infinity) return null;
  const rows = byRows <= byColumns;
  const [extent, align] = rows ? [M, 4] : [N, 8];
  // The main thread copies, then multiplies: mine + copied = theirs, mine + (T−1)·theirs = flops.
  const copiedFloats = Math.min(byRows, byColumns);
  const flops = 2 * M * K * N, copied = copiedFloats * FLOPS_PER_COPIED_FLOAT;
  const mine = Math.round(Math.max(0, (flops - (T - 1) * copied) / T / flops) * extent / align) * align;
  const bounds = Array.from(
    { length: T + 1 },
    (_, t) =>
      t === 0
        ? 0
        : t === T
        ? extent
        : Math.min(extent, mine + Math.round(((extent - mine) * (t - 1)) / (T - 1) / align) * align),
  );
  const shares = bounds.slice(0, T).map((from, t): Share =>
    rows ? { r0: from, r1: bounds[t + 1], c0: 0, c1: N } : { r0: 0, r1: M, c0: from, c1: bounds[t + 1] }
  );
  return shares.slice(1).every((s) => s.r1 > s.r0 && s.c1 > s.c0) ? { byRows: rows, shares, copiedFloats } : null;
}

/** An operand block copied compactly into shared memory: where it starts there and its strides. */
interface Block {
  at: number;
  si: number;
  sj: number;
}

/**
 * X(i,j) = heap[x/4 + i·si + j·sj] over rows [i0,i1) and columns [j0,j1), copied to `to`: as rows
 * when it is stored by rows (sj = 1), as columns when stored by columns (si = 1).
 */
function copyIn(
  heap: Float32Array,
  x: number,
  si: number,
  sj: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  shared: Float32Array,
  to: number,
): Block {
  const from = x / 4 + i0 * si + j0 * sj, rows = i1 - i0, cols = j1 - j0;
  if (sj === 1) {
    copyRuns(heap, from, si, shared, to, cols, rows, cols);
    return { at: to, si: cols, sj: 1 };
  }
  copyRuns(heap, from, sj, shared, to, rows, cols, rows);
  return { at: to, si: 1, sj: rows };
}

/** `runs` runs of `length` floats from `src` (a run every srcStride) to `dst` (a run every dstStride). */
function copyRuns(
  src: Float32Array,
  from: number,
  srcStride: number,
  dst: Float32Array,
  to: number,
  dstStride: number,
  runs: number,
  length: number,
): void {
  if (srcStride === length && dstStride === length) return dst.set(src.subarray(from, from + runs * length), to);
  for (let r = 0; r < runs; r++) {
    dst.set(src.subarray(from + r * srcStride, from + r * srcStride + length), to + r * dstStride);
  }
}
