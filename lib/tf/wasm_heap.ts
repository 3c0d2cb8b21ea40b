/**
 * Our kernels on tfjs-backend-wasm's heap and the threads that run them (lib/wasm/heap_threads.ts):
 * one pool, started with the backend, owns every instance of every kernel file there; the calling
 * thread's kernels come from it (`heapKernels`), and shared work goes through its `forRanges`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { HeapThreads } from "../wasm/heap_threads.ts";
import { WINOGRAD_TILES, winogradFile, type WinogradTile } from "../wasm/winograd_wat.ts";

/** The kernel files on the heap: products, im2col, Winograd, updates, BatchNorm, pools, passes. */
export const HEAP_FILES = [
  "gemm.wat",
  "gemm_packed.wat",
  "im2col.wat",
  ...(Object.keys(WINOGRAD_TILES) as WinogradTile[]).map(winogradFile),
  "update_rules.wat",
  "batch_norm.wat",
  "max_pool_grad.wat",
  "layer_passes.wat",
];

let heap: WebAssembly.Memory | null = null;
let pool: HeapThreads | null = null;
// The workers leave their loops before the process tears down the heap they wait on.
globalThis.addEventListener("unload", () => pool?.close());

/** Starts the pool on the wasm backend's heap (TSDL_THREADS or every core up to 4); call once wasm is ready. */
export async function enableWasmHeap(memory: WebAssembly.Memory): Promise<void> {
  if (pool && heap === memory) return;
  pool?.close();
  pool = null;
  heap = memory;
  await setWasmThreads(defaultWasmThreads());
}

/** The pool on the wasm backend's heap, once enabled. */
export function heapThreads(): HeapThreads | null {
  return pool;
}

/**
 * The calling thread's kernels of `file` on the wasm backend's heap, while the wasm backend is
 * current; null before it starts, on another backend, or where `file` did not compile.
 */
export function heapKernels<Exports>(file: string): Exports | null {
  return pool && tf.getBackend() === "wasm" ? pool.kernels<Exports>(file) : null;
}

/**
 * Threads for the wasm backend's kernels, the calling thread included. Results do not depend on
 * it. Resolves once the workers are ready; going down (and back up to the number started) only
 * changes how many take calls, so alternating costs nothing.
 */
export async function setWasmThreads(threads: number): Promise<void> {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a whole number ≥ 1, not ${threads}`);
  if (!heap) return;
  if (!pool || pool.requested < threads) {
    pool?.close();
    pool = await HeapThreads.start(heap, threads, HEAP_FILES);
  }
  pool.use(Math.min(threads, pool.requested));
}

/** Threads the wasm kernels run on now (the calling thread and the workers that started). */
export function wasmThreads(): number {
  return pool?.threads ?? 1;
}

/** TSDL_THREADS when set, else every core up to 4. */
export function defaultWasmThreads(): number {
  let fromEnv: string | undefined;
  try {
    fromEnv = Deno.env.get("TSDL_THREADS");
  } catch {
    fromEnv = undefined; // no --allow-env
  }
  const n = fromEnv === undefined ? Math.min(4, navigator.hardwareConcurrency || 1) : Number(fromEnv);
  if (!Number.isInteger(n) || n < 1) throw new Error(`TSDL_THREADS=${fromEnv}: use a whole number ≥ 1`);
  return n;
}
