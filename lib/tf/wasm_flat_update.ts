/**
 * The optimisers' updates as one wasm kernel each (lib/wasm/update_rules.wat) on the tfjs heap:
 * every parameter tensor and its gradient are read where they are, the flat slots (Adam's moments,
 * SGD's momentum, AdaGrad's sums) once, and the new parameters and slots are written once — where
 * the op-by-op update concatenates everything into one vector, runs its element-wise kernels over
 * it and splits it back. The kernels repeat lib/train's ops in their order, rounding each to
 * float32, so the numbers are the same.
 *
 * Inputs: the slots s0…, then p0…, g0…; outputs: the slots' new values s0'…, then p0'…. The slots
 * are flat (each as long as all parameters together: lib/train's optimisers) or, with `perTensor`,
 * one set per parameter (s_{i·S + j}: slot j of parameter i; lib/scratch's AdaGrad).
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapOffset, type WasmBackend } from "./wasm_backend.ts";
import { registerWasmKernel } from "./wrap_kernel.ts";
import { type Call, LEAST_SHARE_FLOATS } from "../wasm/heap_threads.ts";
import { heapKernels, heapThreads } from "./wasm_heap.ts";

/** The rules of update_rules.wat, each called as (p, g, slot…, p', slot'…, n, scalars…). */
export type UpdateRule = "adam" | "sgd" | "sgd_momentum" | "adagrad";

export const FLAT_UPDATE = "TsdlFlatUpdate";

interface FlatUpdateAttrs {
  rule: UpdateRule;
  count: number;
  slots: number;
  scalars: number[];
  perTensor?: boolean;
}

const RULES = "update_rules.wat";

/** Registers the kernel; before the wasm backend starts. */
export function registerWasmFlatUpdate(): void {
  registerWasmKernel(FLAT_UPDATE, flatUpdate);
}

/** Whether the current backend runs the optimisers' updates in one kernel. */
export function hasFlatUpdate(): boolean {
  return heapKernels(RULES) !== null;
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
  const out = runUpdate({ rule, count: params.length, slots: slots.length, scalars }, slots, params, grads);
  return { slots: out.slice(0, slots.length), params: out.slice(slots.length) };
}

/**
 * runFlatUpdate with `slots[i]` the slots of `params[i]` alone (each of its size), in one kernel
 * for all parameters; returns each parameter's new slots and the new parameters.
 */
export function runTensorUpdate(
  rule: UpdateRule,
  slots: tf.Tensor[][],
  params: tf.Tensor[],
  grads: tf.Tensor[],
  scalars: number[],
): { slots: tf.Tensor[][]; params: tf.Tensor[] } {
  const S = slots[0]?.length ?? 0, count = params.length;
  const out = runUpdate({ rule, count, slots: S * count, scalars, perTensor: true }, slots.flat(), params, grads);
  return { slots: params.map((_, i) => out.slice(i * S, (i + 1) * S)), params: out.slice(S * count) };
}

/** The kernel on inputs s0…, p0…, g0…: the slots' new values, then the new parameters. */
function runUpdate(attrs: FlatUpdateAttrs, slots: tf.Tensor[], params: tf.Tensor[], grads: tf.Tensor[]): tf.Tensor[] {
  const inputs: tf.NamedTensorMap = {};
  slots.forEach((s, i) => (inputs[`s${i}`] = s));
  params.forEach((p, i) => (inputs[`p${i}`] = p, inputs[`g${i}`] = grads[i]));
  return tf.engine().runKernel(FLAT_UPDATE, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
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
  const S = attrs.perTensor ? slots.length / count : slots.length;
  const slotSize = (k: number) => attrs.perTensor ? tf.util.sizeFromShape(params[Math.floor(k / S)].shape) : total;
  if (!Number.isInteger(S) || slots.some((s, k) => tf.util.sizeFromShape(s.shape) !== slotSize(k))) {
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
  // slot j of parameter i: its own tensor, or its stretch of the flat one
  const slotOf = (list: tf.TensorInfo[], i: number) =>
    attrs.perTensor ? list.slice(i * S, (i + 1) * S).map(at) : list.map((s) => at(s) + 4 * offsets[i]);
  const call = (i: number, from: number, to: number): Call => {
    const own = 4 * from;
    return [
      `${RULES}:${rule}`,
      at(params[i]) + own,
      at(grads[i]) + own,
      ...slotOf(slots, i).map((s) => s + own),
      at(pOuts[i]) + own,
      ...slotOf(slotOuts, i).map((s) => s + own),
      to - from,
      ...scalars,
    ];
  };
  // The flat range shared out; a cut inside a parameter falls on a multiple of 4 of its own
  // elements, so every element takes the same (vector or scalar) path of the kernel as in one call.
  const cut = (b: number) => {
    const i = offsets.findLastIndex((o) => o <= b);
    return offsets[i] + 4 * Math.floor((b - offsets[i]) / 4);
  };
  heapThreads()!.forRanges(total, (from, to) => {
    const calls: Call[] = [];
    sizes.forEach((n, i) => {
      const lo = Math.max(from, offsets[i]), hi = Math.min(to, offsets[i] + n);
      if (hi > lo) calls.push(call(i, lo - offsets[i], hi - offsets[i]));
    });
    return calls;
  }, { least: LEAST_SHARE_FLOATS, cut });
  return [...slotOuts, ...pOuts];
}
