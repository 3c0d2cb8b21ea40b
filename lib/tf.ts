/**
 * The one place TensorFlow.js is imported.
 *
 * tfjs-core's Node bundle registers neither gradients nor the chained tensor methods; the
 * `@tensorflow/tfjs` union bundle does both, against the same core instance (the engine lives on
 * the global object), so it is imported here for its side effects only. All packages are pinned
 * to one exact version in deno.json, which keeps one engine for the three backends.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgpu";
import "@tensorflow/tfjs-backend-wasm";
import { registerWasmTrainingKernels } from "./tf/wasm_training_kernels.ts";
import { registerWasmBatchMatMul } from "./tf/wasm_batch_matmul.ts";
import { enableWasmHeap } from "./tf/wasm_heap.ts";
import { wasmHeap } from "./tf/wasm_backend.ts";
import { ensureRuntimeDir } from "./mesa_env.ts";
import { instantiatingShared } from "./wasm/shared_memory.ts";

tf.enableProdMode();
registerWasmTrainingKernels();
registerWasmBatchMatMul();

export { tf };

export const BACKENDS = ["auto", "webgpu", "wasm", "cpu"] as const;
/** A `--backend` value: auto (WebGPU on a real GPU, else wasm, else cpu) or one backend by name. */
export type BackendChoice = typeof BACKENDS[number];
export type BackendName = Exclude<BackendChoice, "auto">;

/** What every result records about where it ran. */
export interface BackendInfo {
  backend: BackendName;
  requested: BackendChoice;
  adapter: string | null;
  adapterIsFallback: boolean | null;
  deno: string;
  tfjs: string;
  os: string;
  cpus: number;
}

interface AdapterProbe {
  description: string;
  isFallback: boolean;
}

async function probeAdapter(): Promise<AdapterProbe | null> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return null;
  ensureRuntimeDir();
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
    if (!adapter) return null;
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    const description = info.description || `${info.vendor} ${info.architecture}`.trim() ||
      "unknown";
    // Deno sets isFallbackAdapter on Mesa's llvmpipe; older builds do not, so also match the name.
    const isFallback = info.isFallbackAdapter === true ||
      /llvmpipe|lavapipe|swiftshader|software/i.test(description);
    return { description, isFallback };
  } catch {
    return null;
  }
}

/**
 * `auto` picks WebGPU on a real GPU, wasm when the adapter is a software fallback or absent (tfjs'
 * wasm is several times faster than WebGPU on llvmpipe), and the pure-JS cpu backend last.
 */
export async function initBackend(requested: BackendChoice = "auto"): Promise<BackendInfo> {
  if (!(BACKENDS as readonly string[]).includes(requested)) {
    throw new Error(`unknown backend '${requested}': use one of ${BACKENDS.join(", ")}`);
  }
  const adapter = await probeAdapter();
  const order: BackendName[] = requested !== "auto"
    ? [requested]
    : adapter && !adapter.isFallback
    ? ["webgpu", "wasm", "cpu"]
    : ["wasm", "cpu"];
  for (const name of order) {
    if (name === "webgpu" && !adapter) continue;
    if (await setBackendQuietly(name)) {
      return {
        backend: name,
        requested,
        adapter: adapter?.description ?? null,
        adapterIsFallback: adapter?.isFallback ?? null,
        deno: Deno.version.deno,
        tfjs: tf.version_core,
        os: `${Deno.build.os}-${Deno.build.arch}`,
        cpus: navigator.hardwareConcurrency,
      };
    }
  }
  const why = requested === "webgpu" && !adapter
    ? "no WebGPU adapter was found. On Linux Deno's WebGPU needs Vulkan: with an NVIDIA GPU, the Vulkan loader and " +
      "glvnd libraries (apt-get install libvulkan1 libegl1 libglvnd0 libgl1 libglx0; its driver brings the rest); " +
      "without a GPU, Mesa's software driver (apt-get install mesa-vulkan-drivers)"
    : requested === "wasm"
    ? "the wasm backend failed to start (it needs --allow-read to load its .wasm file from node_modules)"
    : "no backend could be initialised";
  throw new Error(`backend '${requested}' is unavailable: ${why}`);
}

async function setBackendQuietly(name: BackendName): Promise<boolean> {
  // tfjs logs its own failure to console.warn before returning false; our error says more.
  const warn = console.warn;
  console.warn = () => {};
  try {
    // wasm's heap is made shared so that worker threads can run our kernels on it in place.
    const ok = name === "wasm" ? await instantiatingShared(() => tf.setBackend(name)) : await tf.setBackend(name);
    if (ok) await tf.ready();
    if (ok && name === "wasm") await enableWasmKernels(tf.backend());
    return ok;
  } catch {
    return false;
  } finally {
    console.warn = warn;
  }
}

/**
 * Our kernels on the wasm backend's heap: the products and convolutions, the optimisers'
 * updates, MaxPoolGrad, BatchNorm and the layers' element-wise passes. A tfjs build that hides its heap keeps its own kernels.
 */
async function enableWasmKernels(backend: tf.KernelBackend): Promise<void> {
  const memory = wasmHeap(backend);
  if (!memory) return;
  await enableWasmHeap(memory);
}

/** One-line description for logs. */
export function describeBackend(info: BackendInfo): string {
  const adapter = info.adapter ? ` (adapter: ${info.adapter}${info.adapterIsFallback ? ", software" : ""})` : "";
  return `backend ${info.backend}${adapter}, tfjs ${info.tfjs}, deno ${info.deno}`;
}
