/**
 * What every kernel of the lockstep engine shares: one bind group layout (per-step scalars through
 * a dynamic uniform offset; the work table; parameters and Adam's moments; activations; the data
 * sets; integers — labels, pair orders, generator states; the per-example log), the item lookup
 * of a work table (table.ts), Adam, and reading an input row either from activations or gathered
 * straight from a data set through a pair order.
 */
import { NONE, WORKGROUP } from "./table.ts";

/** Bytes between per-step uniform slots (WebGPU's minUniformBufferOffsetAlignment). */
export const STEP_STRIDE = 256;

/** Per-step scalars: the first example of the step in its order, and Adam's (lib/native/engine.ts adamScalars). */
export interface StepScalars {
  base: number;
  adam: [oneMinusB1: number, oneMinusB2: number, epsHat: number, stepSize: number];
}

export function writeStep(view: DataView, slot: number, s: StepScalars): void {
  const o = slot * STEP_STRIDE;
  view.setUint32(o, s.base, true);
  s.adam.forEach((x, i) => view.setFloat32(o + 4 + 4 * i, x, true));
}

/** Storage bindings after the uniform, in binding order. */
export const STORAGE = ["tab", "params", "mom1", "mom2", "work", "data", "ints", "outcomes"] as const;
export type StorageName = typeof STORAGE[number];
const READ_ONLY: StorageName[] = ["tab", "data"];

export function bindGroupLayout(device: GPUDevice): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    entries: [
      {
        binding: 0,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: 32 },
      },
      ...STORAGE.map((name, i) => ({
        binding: i + 1,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: READ_ONLY.includes(name) ? "read-only-storage" as const : "storage" as const },
      })),
    ],
  });
}

export const PRELUDE = /* wgsl */ `
struct Step { base: u32, c1: f32, c2: f32, eps: f32, ss: f32 }
@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> tab: array<u32>;
@group(0) @binding(2) var<storage, read_write> params: array<f32>;
@group(0) @binding(3) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(4) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(5) var<storage, read_write> work: array<f32>;
@group(0) @binding(6) var<storage, read> data: array<f32>;
@group(0) @binding(7) var<storage, read_write> ints: array<u32>;
@group(0) @binding(8) var<storage, read_write> outcomes: array<f32>;

const NONE = ${NONE}u;
const WORKGROUP = ${WORKGROUP}u;

/** This thread's item (offset of its fields in tab) and index within the item; x = NONE when idle. */
fn item(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> vec2<u32> {
  let w = wid.y * nwg.x + wid.x;
  let e = tab[2u * w];
  let t = tab[2u * w + 1u] + lid;
  if (t >= tab[e]) { return vec2<u32>(NONE, 0u); }
  return vec2<u32>(e, t);
}

fn field(e: u32, k: u32) -> u32 { return tab[e + k]; }
fn fieldf(e: u32, k: u32) -> f32 { return bitcast<f32>(tab[e + k]); }

/**
 * Adam on parameter i with gradient g, in lib/wasm/adam.wat's order:
 * m ← m + (1−β₁)(g − m), v ← v + (1−β₂)(g² − v), p ← p − stepSize·m / (√v + ε̂).
 */
fn adam(i: u32, g: f32) {
  let m = mom1[i] + (g - mom1[i]) * step.c1;
  let v = mom2[i] + (g * g - mom2[i]) * step.c2;
  mom1[i] = m;
  mom2[i] = v;
  params[i] = params[i] - (m * step.ss) / (sqrt(v) + step.eps);
}

/**
 * Element i of input row r through a 6-field source at field k: mode (0 activations, 1 a data set
 * gathered through a pair order), offset, row stride, block stride, element stride, order offset.
 * Rows r = block·B + row: with one trunk for both images, block 1 is the second image of each pair.
 */
fn load(e: u32, k: u32, B: u32, r: u32, i: u32) -> f32 {
  let row = r % B;
  let at = (r / B) * field(e, k + 3u) + i * field(e, k + 4u);
  if (field(e, k) == 1u) {
    let pair = ints[field(e, k + 5u) + step.base + row];
    return data[field(e, k + 1u) + pair * field(e, k + 2u) + at];
  }
  return work[field(e, k + 1u) + row * field(e, k + 2u) + at];
}

/** LeakyReLU (slope < 1) as lib/wasm/pointwise.wat: x > 0 ? x : slope·x. */
fn leaky(x: f32, slope: f32) -> f32 { return select(slope * x, x, x > 0.0); }
fn leakyGrad(pre: f32, slope: f32) -> f32 { return select(slope, 1.0, pre > 0.0); }
`;

/** The six fields of an input source (see `load` in PRELUDE). */
export const SOURCE_FIELDS = ["Mode", "Off", "Rs", "Bs", "Cs", "Order"] as const;

export interface Source {
  /** Activations (work) or a data set gathered through a pair order. */
  mode: "work" | "data";
  off: number;
  /** Stride between rows (pairs), between blocks (r / B), between elements. */
  rs: number;
  bs: number;
  cs: number;
  /** ints offset of the pair order (data mode). */
  order: number;
}

export function sourceFields(prefix: string, s: Source): Record<string, number> {
  const v = [s.mode === "data" ? 1 : 0, s.off, s.rs, s.bs, s.cs, s.order];
  return Object.fromEntries(SOURCE_FIELDS.map((f, i) => [`${prefix}${f}`, v[i]]));
}

export function sourceNames<P extends string>(prefix: P): `${P}${typeof SOURCE_FIELDS[number]}`[] {
  return SOURCE_FIELDS.map((f) => `${prefix}${f}` as const);
}
