/**
 * What our kernels use of tfjs-backend-wasm's backend object, which its public types do not show:
 * tensors live on one WebAssembly.Memory (the heap), each at a byte offset.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface WasmBackend extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): tf.backend_util.TypedArray;
  dataIdMap: { get(id: tf.DataId): { memoryOffset: number } };
  wasm?: { asm?: { memory?: WebAssembly.Memory } };
}

/** The byte offset of a tensor's data on the heap. */
export function heapOffset(backend: WasmBackend, t: tf.TensorInfo): number {
  return backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** The heap of the wasm backend, or null for a tfjs build that does not expose it. */
export function wasmHeap(backend: tf.KernelBackend): WebAssembly.Memory | null {
  const memory = (backend as WasmBackend).wasm?.asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : null;
}

/** Scratch floats on the tfjs heap for the duration of one kernel. */
export class Scratch {
  readonly #held: tf.TensorInfo[] = [];
  constructor(readonly backend: WasmBackend) {}
  floats(n: number): tf.TensorInfo {
    const t = this.backend.makeOutput([n], "float32");
    this.#held.push(t);
    return t;
  }
  release(): void {
    for (const t of this.#held) this.backend.disposeData(t.dataId);
  }
}
