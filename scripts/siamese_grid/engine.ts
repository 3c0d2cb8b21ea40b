/**
 * Which engine trains the grid. `auto` is the native engine (our WebAssembly SIMD kernels, one model
 * per process and core, no tensor-library bookkeeping per operation) on every machine, a GPU one too:
 * tfjs on WebGPU pays per dispatch, not per FLOP, for models this small (README, Backends). `tfjs`
 * trains each run with tfjs autodiff on `--backend`, for models the native engine does not know and
 * for comparison.
 */
export const ENGINES = ["auto", "native", "tfjs"] as const;
export type EngineChoice = typeof ENGINES[number];

export function resolveEngine(requested: EngineChoice): "native" | "tfjs" {
  return requested === "auto" ? "native" : requested;
}
