/**
 * The optimisers' updates as one wasm kernel each (lib/wasm/update_rules.wat) on the tfjs heap:
 * every parameter tensor and its gradient are read where they are, the flat slots (Adam's moments,
 * SGD's momentum, AdaGrad's sums) once, and the new parameters and slots are written once — where
 * the op-by-op update concatenates everything into one vector, runs its element-wise kernels over
 * it and splits it back. The kernels repeat lib/train's ops in their order, rounding each to
 * float32, so the numbers are the same.
 *
 * Inputs: the slots s0…, then p0…, g0…; outputs: the slots' new values s0'…, then p0'….
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { instantiateWat } from "../wasm/instantiate_wat.ts";
import { type Call, LEAST_SHARE_FLOATS, rangeBounds } from "../wasm/heap_threads.ts";
import { heapThreads } from "./wasm_batch_matmul.ts";

/** The rules of update_rules.wat, each called as (p, g, slot…, p', slot'…, n, scalars…). */
export type UpdateRule = "adam" | "sgd" | "sgd_momentum" | "adagrad";

export const FLAT_UPDATE = "TsdlFlatUpdate";

interface FlatUpdateAttrs {
  rule: UpdateRule;
  count: number;
  slots: number;
  scalars: number[];
}

let rules: Record<UpdateRule, (...args: number[]) => void> | null = null;

/** Compiles the rules against the wasm backend's heap and registers the kernel; call once wasm is ready. */
export async function enableWasmFlatUpdate(memory: WebAssembly.Memory): Promise<void> {
  rules = await instantiateWat<Record<UpdateRule, (...args: number[]) => void>>("update_rules.wat", memory);
  registerWasmKernel(FLAT_UPDATE, flatUpdate);
}

/** Whether the current backend runs the optimisers' updates in one kernel. */
export function hasFlatUpdate(): boolean {
  return rules !== null && tf.getBackend() === "wasm";
}

/**
 * One step of `rule` over `params` from `grads`, reading `slots` (flat, as long as all parameters
 * together); returns the new slots and the new parameters, for the caller to assign.
 */
export function runFlatUpdate(
  rule: UpdateRule,
  slots: tf.Tensor[],
  params: tf.Tensor[],
  grads: tf.Tensor[],
  scalars: number[],
): { slots: tf.Tensor[]; params: tf.Tensor[] } {
  const inputs: tf.NamedTensorMap = {};
  slots.forEach((s, i) => (inputs[`s${i}`] = s));
  params.forEach((p, i) => (inputs[`p${i}`] = p, inputs[`g${i}`] = grads[i]));
  const attrs: FlatUpdateAttrs = { rule, count: params.length, slots: slots.length, scalars };
  const out = tf.engine().runKernel(FLAT_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
  return { slots: out.slice(0, slots.length), params: out.slice(slots.length) };
}

function flatUpdate(
  { inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: WasmBackend; attrs: FlatUpdateAttrs },
): tf.TensorInfo[] {
  const { rule, count, scalars } = attrs;
  const slots = Array.from({ length: attrs.slots }, (_, i) => inputs[`s${i}`]!);
  const params = Array.from({ length: count }, (_, i) => inputs[`p${i}`]!);
  const grads = Array.from({ length: count }, (_, i) => inputs[`g${i}`]!);
  for (const t of [...slots, ...params, ...grads]) {
    if (t.dtype !== "float32") throw new Error(`${FLAT_UPDATE} takes float32 tensors, not ${t.dtype}`);
  }
  const slotOuts = slots.map((s) => backend.makeOutput(s.shape, "float32"));
  const pOuts = params.map((p) => backend.makeOutput(p.shape, "float32"));
  const at = (t: tf.TensorInfo) => heapOffset(backend, t);
  const total = params.reduce((n, p) => n + tf.util.sizeFromShape(p.shape), 0);
  if (slots.some((s) => tf.util.sizeFromShape(s.shape) !== total)) {
    throw new Error(`${FLAT_UPDATE}: the slots do not match the parameters`);
  }
  const sizes = params.map((p, i) => {
    const n = tf.util.sizeFromShape(p.shape);
    if (tf.util.sizeFromShape(grads[i].shape) !== n) {
      throw new Error(`${FLAT_UPDATE}: gradient ${i} has the wrong size`);
    }
    return n;
  });
  // Element e of parameter i sits at flat index offsets[i] + e; the update of [from, to) of it:
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const call = (i: number, from: number, to: number): Call => {
    const skip = 4 * (offsets[i] + from), own = 4 * from;
    return [
      `update_rules.wat:${rule}`,
      at(params[i]) + own,
      at(grads[i]) + own,
      ...slots.map((s) => at(s) + skip),
      at(pOuts[i]) + own,
      ...slotOuts.map((s) => at(s) + skip),
      to - from,
      ...scalars,
    ];
  };
  const pool = heapThreads();
  if (!pool?.has(`update_rules.wat:${rule}`)) {
    sizes.forEach((n, i) => rules![rule](...call(i, 0, n).slice(1) as number[]));
  } else {
    pool.run(shares(sizes, offsets, pool.threads).map((share) => share.map(([i, from, to]) => call(i, from, to))));
  }
  return [...slotOuts, ...pOuts];
}

/**
 * The flat range of all parameters cut into one share per thread, each a list of pieces
 * [parameter, from, to). A cut inside a parameter falls on a multiple of 4 of its own elements, so
 * every element takes the same (vector or scalar) path of the kernel as in one call.
 */
function shares(sizes: number[], offsets: number[], threads: number): [number, number, number][][] {
  const total = sizes.reduce((a, b) => a + b, 0);
  const cuts = rangeBounds(total, threads, 1, LEAST_SHARE_FLOATS).map((b) => {
    const i = offsets.findLastIndex((o) => o <= b);
    return b >= total ? total : offsets[i] + 4 * Math.floor((b - offsets[i]) / 4);
  });
  return cuts.slice(1).map((to, t) => {
    const from = cuts[t], pieces: [number, number, number][] = [];
    sizes.forEach((n, i) => {
      const lo = Math.max(from, offsets[i]), hi = Math.min(to, offsets[i] + n);
      if (hi > lo) pieces.push([i, lo - offsets[i], hi - offsets[i]]);
    });
    return pieces;
  });
}
