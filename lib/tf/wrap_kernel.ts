/**
 * Replacing one of tfjs-wasm's kernels by a wrapper around it, once (or adding a kernel it lacks): the wrapper gets the original
 * kernel function (to fall back to, or to feed adjusted inputs) and keeps its setup function, which
 * the backend runs at initialisation. Registering must happen before the wasm backend starts.
 */
import * as tf from "@tensorflow/tfjs-core";

const WRAPPED = Symbol("wrapped by lib/tf");

export function wrapWasmKernel(name: string, wrap: (original: tf.KernelFunc) => tf.KernelFunc): void {
  const original = tf.getKernel(name, "wasm") as (tf.KernelConfig & { [WRAPPED]?: true }) | undefined;
  if (!original || original[WRAPPED]) return;
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...original, [WRAPPED]: true, kernelFunc: wrap(original.kernelFunc) } as tf.KernelConfig);
}

/** Registers `kernelFunc` as the wasm kernel `name` unless one is registered already. */
export function registerWasmKernel(name: string, kernelFunc: unknown): void {
  if (!tf.getKernel(name, "wasm")) {
    tf.registerKernel({ kernelName: name, backendName: "wasm", kernelFunc: kernelFunc as tf.KernelFunc });
  }
}
