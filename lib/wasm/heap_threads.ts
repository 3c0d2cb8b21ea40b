/**
 * Worker threads that run our kernels in place on one shared WebAssembly.Memory: tfjs-wasm's heap,
 * made shared when the backend starts (shared_memory.ts). Every thread has the same kernels
 * instantiated on that memory, and the pool owns them: `kernels(file)` gives the calling thread's
 * instance. There is one way to use the threads, `forRanges`: an extent [0, total) cut into one range
 * per thread, each range a list of calls; it runs the first list on the calling thread and returns
 * once every thread has finished. The threads must write disjoint bytes: the callers split outputs
 * by rows, columns, images or ranges, never a sum, so a result does not depend on the thread count.
 *
 * The protocol, per worker: an Int32 control slot [SEQ, DONE, READY, FAILED, QUIT] (Atomics.wait
 * and notify on SEQ and DONE; QUIT ends the worker's loop) and a Float64 job area
 * [calls, (function, arguments, a₀, a₁, …)…].
 */
import { Worker } from "node:worker_threads";
import { compiledWat, isShared } from "./instantiate_wat.ts";

/** A call: "file:export" and its arguments (pointers in bytes). */
export type Call = readonly [fn: string, ...args: number[]];

export const SLOT = { SEQ: 0, DONE: 1, READY: 2, FAILED: 3, QUIT: 4, INTS: 16 } as const;
/** Doubles in a worker's job area: room for thousands of calls (an update of a model's every tensor). */
export const JOB_DOUBLES = 1 << 16;
/**
 * Floats a thread's share of a memory-bound pass (a transform, an update, a pool's gradient) should
 * read or write at least: below it, handing it over and moving its cache lines between cores cost
 * more than the second core saves, and the small nets run slower on two threads than on one.
 */
export const LEAST_SHARE_FLOATS = 1 << 18;
/** How long the workers may take to start before the pool goes on without the late ones. */
const START_MS = 30_000;

type Fn = (...args: number[]) => void;

/** How forRanges cuts [0, total): bounds multiples of `align`, ranges at least `least` long, inner bounds moved by `cut`. */
export interface RangeOptions {
  align?: number;
  least?: number;
  /** Moves an inner bound to a place a range may start (at most the bound, past the previous one). */
  cut?: (bound: number) => number;
}

export class HeapThreads {
  readonly #fnIds = new Map<string, number>();
  readonly #local: Fn[] = [];
  readonly #instances = new Map<string, WebAssembly.Exports>();
  readonly #workers: Worker[] = [];
  readonly #control: SharedArrayBuffer;
  readonly #jobs: SharedArrayBuffer;
  readonly #ctl: Int32Array[];
  readonly #job: Float64Array[];
  #seq = 0;
  #active: number;
  /** forRanges calls that used more than the calling thread. */
  shared = 0;

  private constructor(readonly heap: WebAssembly.Memory, readonly requested: number) {
    const helpers = requested - 1;
    this.#control = new SharedArrayBuffer(4 * SLOT.INTS * Math.max(1, helpers));
    this.#jobs = new SharedArrayBuffer(8 * JOB_DOUBLES * Math.max(1, helpers));
    this.#ctl = Array.from({ length: helpers }, (_, i) => new Int32Array(this.#control, 4 * SLOT.INTS * i, SLOT.INTS));
    this.#job = Array.from(
      { length: helpers },
      (_, i) => new Float64Array(this.#jobs, 8 * JOB_DOUBLES * i, JOB_DOUBLES),
    );
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
   * [0, total) in one contiguous range per thread (see RangeOptions): calls(from, to, thread) gives
   * the calls for [from, to) on that thread. One range runs here alone.
   */
  forRanges(
    total: number,
    calls: (from: number, to: number, thread: number) => Call[],
    { align = 1, least = 1, cut }: RangeOptions = {},
  ): void {
    let bounds = rangeBounds(total, this.threads, align, least);
    if (cut) bounds = bounds.map((b, i) => i === 0 || i === bounds.length - 1 ? b : cut(b));
    bounds = bounds.filter((b, i) => i === 0 || b > bounds[i - 1]);
    this.#run(bounds.slice(1).map((to, t) => calls(bounds[t], to, t)));
  }

  /** Runs jobs[0] here and jobs[t] on worker t (at most `threads` lists); returns when all are done. */
  #run(jobs: readonly (readonly Call[])[]): void {
    if (jobs.length > this.threads) throw new Error(`${jobs.length} jobs for ${this.threads} threads`);
    const seq = ++this.#seq;
    for (let w = 0; w < jobs.length - 1; w++) this.#encode(jobs[w + 1], this.#job[w]);
    for (let w = 0; w < jobs.length - 1; w++) {
      Atomics.store(this.#ctl[w], SLOT.SEQ, seq);
      Atomics.notify(this.#ctl[w], SLOT.SEQ);
    }
    if (jobs.length > 1) this.shared++;
    try {
      for (const [fn, ...args] of jobs[0] ?? []) this.#local[this.#id(fn)](...args);
    } finally {
      // The workers write the heap: wait for them even when this thread's calls threw.
      for (let w = 0; w < jobs.length - 1; w++) {
        const ctl = this.#ctl[w];
        for (let d = Atomics.load(ctl, SLOT.DONE); d !== seq; d = Atomics.load(ctl, SLOT.DONE)) {
          Atomics.wait(ctl, SLOT.DONE, d);
        }
      }
    }
    for (let w = 0; w < jobs.length - 1; w++) {
      if (Atomics.exchange(this.#ctl[w], SLOT.FAILED, 0)) throw new Error(`a kernel failed on worker thread ${w + 1}`);
    }
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

  #encode(calls: readonly Call[], job: Float64Array): void {
    let at = 1;
    for (const [fn, ...args] of calls) {
      if (at + 2 + args.length > JOB_DOUBLES) throw new Error("too many calls for one worker job");
      job[at++] = this.#id(fn);
      job[at++] = args.length;
      for (const a of args) job[at++] = a;
    }
    job[0] = calls.length;
  }

  /** Workers get the compiled modules themselves: V8 shares their code, tiered up by whichever thread runs it. */
  async #startWorkers(modules: WebAssembly.Module[], table: [number, string][]): Promise<void> {
    const url = new URL("./heap_worker.ts", import.meta.url);
    for (let slot = 0; slot < this.requested - 1; slot++) {
      const worker = new Worker(url, {
        workerData: { memory: this.heap, modules, table, control: this.#control, jobs: this.#jobs, slot },
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
 * Bounds 0 = b₀ < b₁ < … < b_k = total of at most `threads` ranges, as equal as multiples of
 * `align` allow, none shorter than `least` (fewer ranges where total is short).
 */
export function rangeBounds(total: number, threads: number, align = 1, least = 1): number[] {
  const parts = Math.max(1, Math.min(threads, Math.floor(total / Math.max(least, align))));
  const bounds = [0];
  for (let t = 1; t < parts; t++) bounds.push(Math.round((total * t) / parts / align) * align);
  bounds.push(total);
  return bounds.filter((b, i) => i === 0 || b > bounds[i - 1]);
}
