/**
 * Adam's whole update as one wasm kernel (lib/wasm/adam_tf_order.wat) on the tfjs heap: every
 * parameter tensor and its gradient are read where they are, the flat moments once, and the new
 * parameters and moments are written once — where the op-by-op update concatenates everything into
 * one vector, runs a dozen element-wise kernels over it and splits it back. The kernel repeats
 * lib/train/adam.ts' ops in their order, rounding each to float32, so the numbers are the same.
 *
 * Inputs: m, v (flat, as long as all parameters together), then p0…, g0…; outputs: m', v', p0'….
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { instantiateWat } from "../wasm/instantiate_wat.ts";

export const FLAT_ADAM = "TsdlFlatAdam";

export interface FlatAdamAttrs {
  count: number;
  b1: number;
  b2: number;
  eps: number;
  vScale: number;
  stepSize: number;
  wd: number;
}

interface AdamTfOrder {
  adam(...args: number[]): void;
}

let kernel: AdamTfOrder | null = null;

/** Compiles the kernel against the wasm backend's heap and registers it; call once wasm is ready. */
export async function enableWasmAdam(memory: WebAssembly.Memory): Promise<void> {
  kernel = await instantiateWat<AdamTfOrder>("adam_tf_order.wat", memory);
  registerWasmKernel(FLAT_ADAM, flatAdam);
}

/** Whether the current backend runs Adam's update in one kernel. */
export function hasFlatAdam(): boolean {
  return kernel !== null && tf.getBackend() === "wasm";
}

function flatAdam(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: FlatAdamAttrs },
): tf.TensorInfo[] {
  const { count, b1, b2, eps, vScale, stepSize, wd } = attrs;
  const m = inputs.m!, v = inputs.v!;
  const params = Array.from({ length: count }, (_, i) => inputs[`p${i}`]!);
  const grads = Array.from({ length: count }, (_, i) => inputs[`g${i}`]!);
  for (const t of [m, v, ...params, ...grads]) {
    if (t.dtype !== "float32") throw new Error(`${FLAT_ADAM} takes float32 tensors, not ${t.dtype}`);
  }
  const mOut = backend.makeOutput(m.shape, "float32"), vOut = backend.makeOutput(v.shape, "float32");
  const pOuts = params.map((p) => backend.makeOutput(p.shape, "float32"));
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  let offset = 0;
  params.forEach((p, i) => {
    const n = tf.util.sizeFromShape(p.shape), skip = 4 * offset;
    if (tf.util.sizeFromShape(grads[i].shape) !== n) throw new Error(`${FLAT_ADAM}: gradient ${i} has the wrong size`);
    kernel!.adam(
      at(p),
      at(grads[i]),
      at(m) + skip,
      at(v) + skip,
      at(pOuts[i]),
      at(mOut) + skip,
      at(vOut) + skip,
      n,
      b1,
      1 - b1,
      b2,
      1 - b2,
      vScale,
      eps,
      stepSize,
      wd,
    );
    offset += n;
  });
  if (offset !== tf.util.sizeFromShape(m.shape)) {
    throw new Error(`${FLAT_ADAM}: the moments do not match the parameters`);
  }
  return [mOut, vOut, ...pOuts];
}
