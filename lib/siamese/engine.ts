/**
 * Which engine trains the grid. A CPU is fastest running one model at a time on the native engine
 * (our WebAssembly SIMD kernels, no tensor-library bookkeeping per operation); a real GPU is fastest
 * running many models at once as a tfjs ensemble, where one kernel launch serves them all.
 */
import type { BackendInfo } from "../tf.ts";

export const ENGINES = ["auto", "native", "tfjs"] as const;
export type EngineChoice = typeof ENGINES[number];

export function resolveEngine(requested: EngineChoice, backend: BackendInfo): "native" | "tfjs" {
  if (requested !== "auto") return requested;
  return backend.backend === "webgpu" ? "tfjs" : "native";
}
