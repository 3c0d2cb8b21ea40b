/**
 * Which engine trains the grid. `native`: our WebAssembly SIMD kernels, one model per process and
 * core. `webgpu`: our WGSL kernels, every run of the invocation in lockstep on one GPU
 * (webgpu_run.ts). `auto` picks webgpu on a real GPU adapter and native otherwise (no adapter, or
 * a software one such as Mesa's llvmpipe, which is correct but slower than the CPU engine). `tfjs`
 * trains each run with tfjs autodiff on `--backend`, for comparison: tfjs on WebGPU pays per
 * dispatch, not per FLOP, for models this small (README, Backends).
 */
import { hasRealGpu } from "../../lib/webgpu/device.ts";

export const ENGINES = ["auto", "native", "webgpu", "tfjs"] as const;
export type EngineChoice = typeof ENGINES[number];
export type Engine = Exclude<EngineChoice, "auto">;

export async function resolveEngine(requested: EngineChoice, realGpu = hasRealGpu): Promise<Engine> {
  if (requested !== "auto") return requested;
  return (await realGpu()) ? "webgpu" : "native";
}
