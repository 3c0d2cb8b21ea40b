/**
 * A WebGPU device for our own kernels: the adapter's limits requested (the defaults are lower:
 * 8 storage buffers a stage, 128 MiB a binding), and validation errors that fail loudly — a binding
 * over a limit raises an asynchronous error and the dispatch silently does not run.
 */
import { UserError } from "../cli/errors.ts";
import { ensureRuntimeDir } from "../mesa_env.ts";
export interface GpuDevice {
  device: GPUDevice;
  /** The adapter's description (e.g. the driver's name). */
  description: string;
  /** A software or fallback adapter (Mesa llvmpipe): correct, but no faster than the CPU. */
  fallback: boolean;
  /** The first uncaptured error since the last `check`, if any. */
  check(): void;
}

/**
 * On Linux, Vulkan unless the user chose a backend: wgpu sometimes picked its GL backend on Mesa's
 * llvmpipe, and Vulkan is what the NVIDIA driver serves best. Read when the first adapter is requested.
 */
function pinBackend(): void {
  ensureRuntimeDir();
  if (Deno.build.os === "linux" && !Deno.env.get("DENO_WEBGPU_BACKEND")) Deno.env.set("DENO_WEBGPU_BACKEND", "vulkan");
}

/** Whether a real (not fallback) GPU adapter is present; false when WebGPU itself is missing. */
export async function hasRealGpu(): Promise<boolean> {
  pinBackend();
  const adapter = await navigator.gpu?.requestAdapter().catch(() => null);
  return !!adapter && !isFallback(adapter);
}

function isFallback(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  return info.isFallbackAdapter === true || /llvmpipe|lavapipe|swiftshader|software/i.test(info.description ?? "");
}

export async function openDevice(): Promise<GpuDevice> {
  pinBackend();
  const adapter = await navigator.gpu?.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) {
    throw new UserError(
      "no WebGPU adapter: install the Vulkan loader and a driver (libvulkan1 and the GPU's driver, or mesa-vulkan-drivers)",
    );
  }
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    },
  });
  let error: string | null = null;
  device.addEventListener("uncapturederror", (e) => {
    error ??= (e as GPUUncapturedErrorEvent).error.message;
  });
  return {
    device,
    description: adapter.info.description || adapter.info.vendor,
    fallback: isFallback(adapter),
    check() {
      if (error) throw new UserError(`WebGPU error: ${error}`);
    },
  };
}

/** Runs `make` inside validation and out-of-memory error scopes; throws the first error raised. */
export async function checked<T>(device: GPUDevice, what: string, make: () => T): Promise<T> {
  device.pushErrorScope("out-of-memory");
  device.pushErrorScope("validation");
  const value = make();
  const errors = [await device.popErrorScope(), await device.popErrorScope()].filter((e) => e);
  if (errors.length) throw new Error(`WebGPU: ${what}: ${errors[0]!.message}`);
  return value;
}
