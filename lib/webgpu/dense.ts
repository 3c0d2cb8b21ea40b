/**
 * Dense layers of every run in one dispatch each way, with the LeakyReLU and dropout that follow a
 * layer fused in (lib/native/linear.ts and pointwise.ts, unfused there):
 *   forward   y = mask ⊙ act(x·W + b)            (pre-activation kept for backward)
 *   backward  δ = dy ⊙ mask ⊙ act'(pre);  dx = δ·Wᵀ;  dW = xᵀ·δ, db = Σ_rows δ, each straight into Adam.
 * Backward runs one workgroup per input feature (see DENSE_BACKWARD_ADAM).
 */
import { Fields } from "./table.ts";
import { type Kernel, MAIN } from "./kernel.ts";
import { sourceNames } from "./prelude.ts";

export const DENSE_FIELDS = new Fields(
  [
    "threads",
    "B",
    "rows",
    "inF",
    "outF",
    "w",
    "b",
    ...sourceNames("x"),
    "y",
    "dy",
    "yRs",
    "yBs",
    "pre",
    "mask",
    "act",
    "slope",
    "dx",
    "dxAdd",
  ] as const,
  ["slope"],
);

const COMMON = /* wgsl */ `
fn yAt(e: u32, base: u32, r: u32, j: u32) -> u32 {
  let B = field(e, F_B);
  return base + (r % B) * field(e, F_yRs) + (r / B) * field(e, F_yBs) + j;
}

/** δ = dy ⊙ mask ⊙ act'(pre) at (r, j). */
fn delta(e: u32, r: u32, j: u32) -> f32 {
  let c = r * field(e, F_outF) + j;
  var d = work[yAt(e, field(e, F_dy), r, j)];
  if (field(e, F_mask) != NONE) { d = d * work[field(e, F_mask) + c]; }
  if (field(e, F_act) == 1u) { d = d * leakyGrad(work[field(e, F_pre) + c], fieldf(e, F_slope)); }
  return d;
}
`;

export const DENSE_FORWARD: Kernel = {
  name: "dense_forward",
  fields: DENSE_FIELDS,
  body: COMMON + MAIN + /* wgsl */ `
  let B = field(e, F_B);
  let inF = field(e, F_inF);
  let outF = field(e, F_outF);
  let r = t / outF;
  let j = t % outF;
  let w = field(e, F_w);
  var s = 0.0;
  for (var i = 0u; i < inF; i++) { s = s + load(e, F_xMode, B, r, i) * params[w + i * outF + j]; }
  var y = s + params[field(e, F_b) + j];
  let c = r * outF + j;
  if (field(e, F_act) == 1u) {
    if (field(e, F_pre) != NONE) { work[field(e, F_pre) + c] = y; }
    y = leaky(y, fieldf(e, F_slope));
  }
  if (field(e, F_mask) != NONE) { y = y * work[field(e, F_mask) + c]; }
  work[yAt(e, field(e, F_y), r, j)] = y;
}
`,
};

/**
 * One workgroup per input feature i (and one for the bias): its lanes stride over the outputs j,
 * so W, m and v are read and written in contiguous runs; dx[r, i] sums the lanes' partial sums in
 * a fixed tree (deterministic, independent of the other runs). The lanes read their own W[i, j]
 * for dx before updating them: the fused update races with nothing.
 */
export const DENSE_BACKWARD_ADAM: Kernel = {
  name: "dense_backward_adam",
  fields: DENSE_FIELDS,
  body: COMMON + /* wgsl */ `
var<workgroup> head: array<u32, 8>;
var<workgroup> partial: array<f32, WORKGROUP>;

@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  // The item, feature and loop bounds, made workgroup-uniform for the barriers of the reduction.
  if (lid == 0u) {
    let w = wid.y * nwg.x + wid.x;
    let item = tab[2u * w];
    head[0] = item;
    head[1] = tab[2u * w + 1u] / WORKGROUP;
    head[2] = tab[item] / WORKGROUP;
    head[3] = tab[item + F_rows];
    head[4] = tab[item + F_inF];
    head[5] = select(0u, 1u, tab[item + F_dx] != NONE);
  }
  let e = workgroupUniformLoad(&head[0]);
  let i = workgroupUniformLoad(&head[1]);
  if (i >= workgroupUniformLoad(&head[2])) { return; }
  let rows = workgroupUniformLoad(&head[3]);
  let inF = workgroupUniformLoad(&head[4]);
  let B = field(e, F_B);
  let outF = field(e, F_outF);
  if (i == inF) {
    for (var j = lid; j < outF; j += WORKGROUP) {
      var g = 0.0;
      for (var r = 0u; r < rows; r++) { g = g + delta(e, r, j); }
      adam(field(e, F_b) + j, g);
    }
    return;
  }
  let w = field(e, F_w) + i * outF;
  if (workgroupUniformLoad(&head[5]) == 1u) {
    let dx = field(e, F_dx);
    for (var r = 0u; r < rows; r++) {
      var s = 0.0;
      for (var j = lid; j < outF; j += WORKGROUP) { s = s + delta(e, r, j) * params[w + j]; }
      partial[lid] = s;
      workgroupBarrier();
      for (var half = WORKGROUP / 2u; half > 0u; half = half / 2u) {
        if (lid < half) { partial[lid] = partial[lid] + partial[lid + half]; }
        workgroupBarrier();
      }
      if (lid == 0u) {
        let at = dx + (r % B) * field(e, F_xRs) + (r / B) * field(e, F_xBs) + i;
        work[at] = select(partial[0], work[at] + partial[0], field(e, F_dxAdd) == 1u);
      }
      workgroupBarrier();
    }
  }
  for (var j = lid; j < outF; j += WORKGROUP) {
    var g = 0.0;
    for (var r = 0u; r < rows; r++) { g = g + load(e, F_xMode, B, r, i) * delta(e, r, j); }
    adam(w + j, g);
  }
}
`,
};
