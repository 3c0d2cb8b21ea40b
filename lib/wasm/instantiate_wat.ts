/**
 * Our WebAssembly kernels are kept as readable text (.wat) and compiled at start-up with wabt (an
 * npm package; no toolchain to install). Every module imports its memory as `env.memory`, so the
 * caller decides where the floats live: tfjs-wasm's own heap, or an Arena of ours.
 */
import wabtInit from "wabt";
import { MAX_MEMORY_PAGES } from "./shared_memory.ts";

const binaries = new Map<string, WebAssembly.Module>();

/**
 * Compiles `file` (next to this module) once per process and instantiates it on `memory`, which
 * may be shared (a module importing a shared memory must say so: see sharedWatBinary).
 */
export async function instantiateWat<Exports>(file: string, memory: WebAssembly.Memory): Promise<Exports> {
  return new WebAssembly.Instance(await compiledWat(file, isShared(memory)), { env: { memory } }).exports as Exports;
}

/** `file` compiled once per process, importing an unshared memory or a shared one of up to MAX_MEMORY_PAGES. */
export async function compiledWat(file: string, shared: boolean): Promise<WebAssembly.Module> {
  const key = `${file}${shared ? " shared" : ""}`;
  let compiled = binaries.get(key);
  if (!compiled) {
    compiled = new WebAssembly.Module(
      shared
        ? await sharedWatBinary(file, MAX_MEMORY_PAGES)
        : await watBinary(file, expandRepeats(await watSource(file))),
    );
    binaries.set(key, compiled);
  }
  return compiled;
}

/** Whether `memory` is shared between threads (its buffer a SharedArrayBuffer). */
export function isShared(memory: WebAssembly.Memory): boolean {
  return memory.buffer instanceof SharedArrayBuffer;
}

function watSource(file: string): Promise<string> {
  return Deno.readTextFile(new URL(`./${file}`, import.meta.url));
}

/** WebAssembly text → module (SIMD and relaxed SIMD enabled); `name` labels parse errors. */
export async function compileWat(name: string, source: string): Promise<WebAssembly.Module> {
  return new WebAssembly.Module(await watBinary(name, source));
}

/** WebAssembly text → binary (SIMD, relaxed SIMD and shared memory enabled). */
export async function watBinary(name: string, source: string): Promise<Uint8Array<ArrayBuffer>> {
  const wabt = await wabtInit();
  // Relaxed SIMD (f32x4.relaxed_madd, fused where the CPU has FMA) ships unflagged in Deno's V8.
  const features = { simd: true, relaxed_simd: true, threads: true } as Parameters<typeof wabt.parseWat>[2];
  const module = wabt.parseWat(name, source, features);
  try {
    return Uint8Array.from(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/**
 * The binary of `file` (next to this module) importing a shared memory of at most `maxPages`, for
 * a module that worker threads instantiate on one WebAssembly.Memory({ shared: true }).
 */
export async function sharedWatBinary(file: string, maxPages: number): Promise<Uint8Array<ArrayBuffer>> {
  const source = await watSource(file);
  const shared = source.replace(
    '(import "env" "memory" (memory 1))',
    `(import "env" "memory" (memory 1 ${maxPages} shared))`,
  );
  if (shared === source) throw new Error(`${file} does not import its memory as (memory 1)`);
  return watBinary(file, expandRepeats(shared));
}

/**
 * Unrolls loop bodies: the lines between `;; repeat N {` and `;; }` are written N times. A kernel's
 * loop tests once for N steps left, runs the body N times, and leaves the last steps to a plain loop;
 * one test and branch then serve N steps (the 4×8 product runs measurably faster). Unexpanded, the
 * file is the same computation one step an iteration, so the comments change speed, never results.
 */
export function expandRepeats(source: string): string {
  return source.replace(
    /^[ \t]*;; repeat (\d+) \{\n([\s\S]*?)^[ \t]*;; \}\n/gm,
    (_, times: string, body: string) => body.repeat(Number(times)),
  );
}

/** The products of gemm.wat, and its transpose (pointers in bytes, sizes and strides in floats). */
export interface Gemm {
  /** C[M×N] = A·B with B[K×N] row-major and A(i,k) at a + 4·(i·sai + k·sak). */
  gemm_nb(a: number, sai: number, sak: number, b: number, c: number, M: number, K: number, N: number): void;
  /** C[M×N] = A[M×K]·Bᵀ with B stored [N×K]. */
  gemm_nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
  /** dst[C×R] = src[R×C]ᵀ. */
  transpose(src: number, dst: number, R: number, C: number): void;
}

/**
 * gemm_packed.wat: C (+)= op(A)·op(B) with strides (pointers in bytes, sizes and strides in floats);
 * C(i,j) at c + 4·(i·ldc + j).
 */
export interface PackedGemm {
  gemm(
    a: number,
    sai: number,
    sak: number,
    b: number,
    sbk: number,
    sbj: number,
    c: number,
    ldc: number,
    M: number,
    K: number,
    N: number,
    work: number,
    accumulate: number,
  ): void;
}

/**
 * Floats of gemm_packed.wat's work buffer: a 256×256 block of B, a 64×256 block of A, a 4×8 tile,
 * and 16 of slack to start them on a cache line.
 */
export const PACKED_GEMM_WORK_FLOATS = 256 * 256 + 64 * 256 + 32 + 16;
