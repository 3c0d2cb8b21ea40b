/**
 * Worker threads that run our kernels in place on one shared WebAssembly.Memory: tfjs-wasm's heap,
 * made shared when the backend starts (shared_memory.ts). Every thread has the same kernels
 * instantiated on that memory, and the pool owns them: `kernels(file)` gives the calling thread's
 * instance. There is one way to use the threads, `forRanges`: an extent [0, total) cut into chunks,
 * each chunk a list of calls, which the threads share out among themselves (the calling thread
 * among them) while there are any left; it returns once every chunk is done. The threads must
 * write disjoint bytes: the callers split outputs by rows, columns, images or ranges, never a sum,
 * so a result depends neither on the thread count nor on which thread ran which chunk.
 *
 * The protocol: per worker an Int32 control slot [SEQ, DONE, READY, FAILED, QUIT] (SEQ and DONE
 * polled, then waited on with Atomics.wait; QUIT ends the worker's loop); for all, one Float64 job
 * area (#encode) and one Int32 flag per chunk that the thread taking it sets (claimChunks).
 */
import { Worker } from "node:worker_threads";
import { compiledWat, isShared } from "./instantiate_wat.ts";

/** A call: "file:export" and its arguments (pointers in bytes, or THREAD_WORK). */
export type Call = readonly [fn: string, ...args: number[]];

/** An argument that stands for the running thread's entry of RangeOptions.work (a chunk may run on any thread). */
export const THREAD_WORK = -1;

export const SLOT = { SEQ: 0, DONE: 1, READY: 2, FAILED: 3, QUIT: 4, INTS: 16 } as const;
/** Doubles in the job area: room for thousands of calls (an update of a model's every tensor). */
export const JOB_DOUBLES = 1 << 16;
/** Chunks per thread a range is cut into, so that a thread that finishes early takes over another's last ones. */
export const CHUNKS_PER_THREAD = 16;
/** At most this many chunks in one forRanges call. */
export const MAX_CHUNKS = 1024;
/**
 * How long a thread keeps polling for the next job (or the calling thread for the workers' end)
 * before it sleeps in Atomics.wait: waking a sleeping core costs tens of microseconds, the gap
 * between two kernels of a training step is often less than this.
 */
export const SPIN_MS = 1;
/**
 * Floats a thread's share of a memory-bound pass (a transform, an update, a pool's gradient) should
 * read or write at least: below it, handing it over and moving its cache lines between cores cost
 * more than the second core saves, and the small nets run slower on two threads than on one.
 */
export const LEAST_SHARE_FLOATS = 1 << 18;
/** How long the workers may take to start before the pool goes on without the late ones. */
const START_MS = 30_000;

type Fn = (...args: number[]) => void;

/** How forRanges cuts [0, total) into chunks: bounds multiples of `align`, chunks at least `least` long, bounds moved by `cut`. */
export interface RangeOptions {
  align?: number;
  least?: number;
  /** Moves an inner bound to a place a chunk may start (at most the bound, past the previous one). */
  cut?: (bound: number) => number;
  /** One pointer per thread that THREAD_WORK arguments stand for (a work buffer of each thread's own). */
  work?: readonly number[];
}

export class HeapThreads {
  readonly #fnIds = new Map<string, number>();
  readonly #local: Fn[] = [];
  readonly #instances = new Map<string, WebAssembly.Exports>();
  readonly #workers: Worker[] = [];
  readonly #control: SharedArrayBuffer;
  readonly #jobs = new SharedArrayBuffer(8 * JOB_DOUBLES);
  readonly #claims = new SharedArrayBuffer(4 * MAX_CHUNKS);
  readonly #ctl: Int32Array[];
  readonly #job = new Float64Array(this.#jobs);
  readonly #claimed = new Int32Array(this.#claims);
  #seq = 0;
  #active: number;
  /** forRanges calls that used more than the calling thread. */
  shared = 0;

  private constructor(readonly heap: WebAssembly.Memory, readonly requested: number) {
    const helpers = requested - 1;
    this.#control = new SharedArrayBuffer(4 * SLOT.INTS * Math.max(1, helpers));
    this.#ctl = Array.from({ length: helpers }, (_, i) => new Int32Array(this.#control, 4 * SLOT.INTS * i, SLOT.INTS));
    this.#active = requested;
  }

  /**
   * `threads` threads (the calling one included) with the kernels of `files` on `heap`. Resolves
   * once the workers have started; one that does not start in time is left out (`threads` says how
   * many run). An unshared heap gets the calling thread only. A file that does not compile (an
   * engine without relaxed SIMD) is left out: `kernels` says which are there.
   */
  static async start(heap: WebAssembly.Memory, threads: number, files: readonly string[]): Promise<HeapThreads> {
    if (!Number.isInteger(threads) || threads < 1) {
      throw new Error(`threads must be a whole number ≥ 1, not ${threads}`);
    }
    const shared = isShared(heap);
    const pool = new HeapThreads(heap, shared ? threads : 1);
    const table: [number, string][] = [], modules: WebAssembly.Module[] = [];
    for (const file of files) {
      const module = await compiledWat(file, shared).catch(() => null);
      if (!module) continue;
      const exports = new WebAssembly.Instance(module, { env: { memory: heap } }).exports;
      pool.#instances.set(file, exports);
      for (const { name, kind } of WebAssembly.Module.exports(module)) {
        if (kind !== "function") continue;
        pool.#fnIds.set(`${file}:${name}`, table.length);
        pool.#local.push(exports[name] as Fn);
        table.push([modules.length, name]);
      }
      modules.push(module);
    }
    if (pool.requested > 1) await pool.#startWorkers(modules, table);
    return pool;
  }

  /** Threads that take calls: the calling one and the workers that started, up to `use`'s limit. */
  get threads(): number {
    return Math.min(this.#active, 1 + this.#ctl.filter((c) => Atomics.load(c, SLOT.READY) === 1).length);
  }

  /** Take calls on at most `threads` threads (1 to `requested`) from now on; the others wait idle. */
  use(threads: number): void {
    if (!Number.isInteger(threads) || threads < 1 || threads > this.requested) {
      throw new Error(`a pool of ${this.requested} threads cannot use ${threads}`);
    }
    this.#active = threads;
  }

  /** The kernels of `file` on the calling thread, or null where it is not in the pool. */
  kernels<Exports>(file: string): Exports | null {
    return (this.#instances.get(file) as Exports | undefined) ?? null;
  }

  /**
   * [0, total) cut into chunks (see RangeOptions), about CHUNKS_PER_THREAD per thread (one on one thread);
   * calls(from, to) gives the calls for [from, to). Each thread starts on its own run of chunks
   * and, once through, takes the others' last ones (claimChunks): a core that runs slower for a
   * while (another process on it, a cold cache) no longer holds up the rest. Returns once every
   * chunk is done; one chunk runs here alone.
   */
  forRanges(
    total: number,
    calls: (from: number, to: number) => Call[],
    { align = 1, least = 1, cut, work = [] }: RangeOptions = {},
  ): void {
    const threads = this.threads;
    let bounds = rangeBounds(total, threads > 1 ? Math.min(MAX_CHUNKS, threads * CHUNKS_PER_THREAD) : 1, align, least);
    if (cut) bounds = bounds.map((b, i) => i === 0 || i === bounds.length - 1 ? b : cut(b));
    bounds = bounds.filter((b, i) => i === 0 || b > bounds[i - 1]);
    const chunks = bounds.slice(1).map((to, i) => calls(bounds[i], to));
    this.#run(chunks, Math.min(threads, chunks.length), work);
  }

  /** Runs `chunks` on `threads` threads, this one included; returns when all are done. */
  #run(chunks: readonly (readonly Call[])[], threads: number, work: readonly number[]): void {
    const local = (c: number) => {
      for (const [fn, ...args] of chunks[c]) {
        this.#local[this.#id(fn)](...args.map((a) => a === THREAD_WORK ? work[0] : a));
      }
    };
    if (threads <= 1) {
      for (let c = 0; c < chunks.length; c++) local(c);
      return;
    }
    const seq = ++this.#seq;
    this.#encode(chunks, threads, work);
    this.#claimed.fill(0, 0, chunks.length);
    for (let w = 0; w < threads - 1; w++) {
      Atomics.store(this.#ctl[w], SLOT.SEQ, seq);
      Atomics.notify(this.#ctl[w], SLOT.SEQ);
    }
    this.shared++;
    let failed = 0;
    try {
      claimChunks(this.#claimed, chunks.length, threads, 0, local);
    } finally {
      // The workers write the heap: wait for them even when this thread's calls threw.
      for (let w = threads - 2; w >= 0; w--) {
        waitUntil(this.#ctl[w], SLOT.DONE, (d) => d === seq);
        if (Atomics.exchange(this.#ctl[w], SLOT.FAILED, 0)) failed = w + 1;
      }
    }
    if (failed) throw new Error(`a kernel failed on worker thread ${failed}`);
  }

  /** Ends the workers: each leaves its loop (it is not killed inside Atomics.wait), then is terminated. */
  close(): void {
    for (const c of this.#ctl) {
      Atomics.store(c, SLOT.QUIT, 1);
      Atomics.add(c, SLOT.SEQ, 1);
      Atomics.notify(c, SLOT.SEQ);
    }
    for (const w of this.#workers) void w.terminate();
    this.#workers.length = 0;
    for (const c of this.#ctl) Atomics.store(c, SLOT.READY, 0);
  }

  #id(fn: string): number {
    const id = this.#fnIds.get(fn);
    if (id === undefined) throw new Error(`no kernel ${fn} on the heap threads`);
    return id;
  }

  /** The job area: [chunks, threads, work₀ … work_{threads−1}, start₀ … start_chunks, (function, arguments, a₀, a₁, …)…]. */
  #encode(chunks: readonly (readonly Call[])[], threads: number, work: readonly number[]): void {
    const job = this.#job, n = chunks.length;
    job[0] = n, job[1] = threads;
    for (let t = 0; t < threads; t++) job[2 + t] = work[t] ?? THREAD_WORK;
    let at = 2 + threads + n + 1;
    for (let c = 0; c < n; c++) {
      job[2 + threads + c] = at;
      for (const [fn, ...args] of chunks[c]) {
        if (at + 2 + args.length > JOB_DOUBLES) throw new Error("too many calls for one job");
        job[at++] = this.#id(fn);
        job[at++] = args.length;
        for (const a of args) job[at++] = a;
      }
    }
    job[2 + threads + n] = at;
  }

  /** Workers get the compiled modules themselves: V8 shares their code, tiered up by whichever thread runs it. */
  async #startWorkers(modules: WebAssembly.Module[], table: [number, string][]): Promise<void> {
    const url = new URL("./heap_worker.ts", import.meta.url);
    for (let slot = 0; slot < this.requested - 1; slot++) {
      const worker = new Worker(url, {
        workerData: {
          memory: this.heap,
          modules,
          table,
          control: this.#control,
          jobs: this.#jobs,
          claims: this.#claims,
          slot,
        },
      });
      worker.unref();
      worker.on("error", () => Atomics.store(this.#ctl[slot], SLOT.READY, 0));
      this.#workers.push(worker);
    }
    const deadline = performance.now() + START_MS;
    while (this.threads < this.#active && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/**
 * Bounds 0 = b₀ < b₁ < … < b_k = total of at most `most` ranges, as equal as multiples of
 * `align` allow, none shorter than `least` (fewer ranges where total is short).
 */
export function rangeBounds(total: number, most: number, align = 1, least = 1): number[] {
  const parts = Math.max(1, Math.min(most, Math.floor(total / Math.max(least, align))));
  const bounds = [0];
  for (let t = 1; t < parts; t++) bounds.push(Math.round((total * t) / parts / align) * align);
  bounds.push(total);
  return bounds.filter((b, i) => i === 0 || b > bounds[i - 1]);
}

/**
 * Runs chunks [0, n) that `threads` threads share, as thread `t`: first its own run of them
 * (chunks ⌊n·t/threads⌋ up to the next thread's), front to back, then the other threads' runs from
 * their backs. A chunk is taken by setting its flag in `claimed` from 0 to 1, so each runs once; a
 * thread stops on a run at the first chunk taken before it, because its owner takes from the front
 * and the others from the back, so what lies beyond that chunk is taken too.
 */
export function claimChunks(
  claimed: Int32Array,
  n: number,
  threads: number,
  t: number,
  run: (c: number) => void,
): void {
  const from = (u: number) => Math.floor((n * u) / threads);
  for (let c = from(t); c < from(t + 1) && Atomics.compareExchange(claimed, c, 0, 1) === 0; c++) run(c);
  for (let v = 1; v < threads; v++) {
    const u = (t + v) % threads;
    for (let c = from(u + 1) - 1; c >= from(u) && Atomics.compareExchange(claimed, c, 0, 1) === 0; c--) run(c);
  }
}

/** Waits until done(ctl[at]): polling for SPIN_MS, then asleep in Atomics.wait. */
export function waitUntil(ctl: Int32Array, at: number, done: (value: number) => boolean): void {
  let v = Atomics.load(ctl, at);
  for (const until = performance.now() + SPIN_MS; !done(v) && performance.now() < until;) {
    for (let i = 0; i < 256 && !done(v); i++) v = Atomics.load(ctl, at);
  }
  for (; !done(v); v = Atomics.load(ctl, at)) Atomics.wait(ctl, at, v);
}
