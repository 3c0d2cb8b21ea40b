/**
 * Our WebAssembly kernels are kept as readable text (.wat) and compiled at start-up with wabt (an
 * npm package; no toolchain to install). Every module imports its memory as `env.memory`, so the
 * caller decides where the floats live: tfjs-wasm's own heap, or an Arena of ours.
 */
import wabtInit from "wabt";

const binaries = new Map<string, WebAssembly.Module>();

/** Compiles `file` (next to this module) once per process and instantiates it on `memory`. */
export async function instantiateWat<Exports>(file: string, memory: WebAssembly.Memory): Promise<Exports> {
  let compiled = binaries.get(file);
  if (!compiled) {
    const wabt = await wabtInit();
    const source = await Deno.readTextFile(new URL(`./${file}`, import.meta.url));
    const module = wabt.parseWat(file, source, { simd: true });
    try {
      compiled = new WebAssembly.Module(Uint8Array.from(module.toBinary({}).buffer));
    } finally {
      module.destroy();
    }
    binaries.set(file, compiled);
  }
  return new WebAssembly.Instance(compiled, { env: { memory } }).exports as Exports;
}

/** The two products of gemm.wat (pointers in bytes, sizes and strides in floats). */
export interface Gemm {
  /** C[M×N] = A·B with B[K×N] row-major and A(i,k) at a + 4·(i·sai + k·sak). */
  gemm_nb(a: number, sai: number, sak: number, b: number, c: number, M: number, K: number, N: number): void;
  /** C[M×N] = A[M×K]·Bᵀ with B stored [N×K]. */
  gemm_nt(a: number, b: number, c: number, M: number, K: number, N: number): void;
}
