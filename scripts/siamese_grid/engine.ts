/**
 * Which engine trains the grid. `auto` is the native engine (our WebAssembly SIMD kernels, one model
 * per process and core, no tensor-library bookkeeping per operation) on every machine, a GPU one too:
 * on an H100 host (2026-11-25) tfjs ensembles on WebGPU took 30 ms per step of 25 models (1.2 ms per
 * model-step, the GPU 1–3 % busy: per-dispatch overhead, not arithmetic), while the native engine
 * took 0.35 ms per model-step on each of the host's 16 cores. `tfjs` stays for models the native
 * engine does not know and for comparison.
 */
export const ENGINES = ["auto", "native", "tfjs"] as const;
export type EngineChoice = typeof ENGINES[number];

export function resolveEngine(requested: EngineChoice): "native" | "tfjs" {
  return requested === "auto" ? "native" : requested;
}
