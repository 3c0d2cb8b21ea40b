/**
 * Max pooling, window = stride = k, no padding (floor), as MaxPool2d(k), with the dropout that
 * follows fused in: y = mask ⊙ max over the window; the gradient goes to the window's first
 * maximum (lib/native/max_pool.ts), gathered per input element (no atomics).
 */
import { Fields } from "./table.ts";
import { type Kernel, MAIN } from "./kernel.ts";

export const POOL_FIELDS = new Fields(
  ["threads", "rows", "H", "W", "C", "K", "OH", "OW", "x", "y", "dy", "arg", "mask", "dx"] as const,
);

export const POOL_FORWARD: Kernel = {
  name: "pool_forward",
  fields: POOL_FIELDS,
  body: MAIN + /* wgsl */ `
  let C = field(e, F_C);
  let K = field(e, F_K);
  let W = field(e, F_W);
  let OW = field(e, F_OW);
  let outRow = field(e, F_OH) * OW * C;
  let r = t / outRow;
  let c = t % C;
  let px = (t % outRow) / C;
  let x0 = field(e, F_x) + r * field(e, F_H) * W * C;
  var best = -3.4e38;
  var at = 0u;
  for (var ky = 0u; ky < K; ky++) {
    for (var kx = 0u; kx < K; kx++) {
      let i = (((px / OW) * K + ky) * W + (px % OW) * K + kx) * C + c;
      let v = work[x0 + i];
      if ((ky == 0u && kx == 0u) || v > best) {
        best = v;
        at = i;
      }
    }
  }
  if (field(e, F_arg) != NONE) { work[field(e, F_arg) + t] = f32(at); }
  var y = best;
  if (field(e, F_mask) != NONE) { y = y * work[field(e, F_mask) + t]; }
  work[field(e, F_y) + t] = y;
}
`,
};

export const POOL_BACKWARD: Kernel = {
  name: "pool_backward",
  fields: POOL_FIELDS,
  body: MAIN + /* wgsl */ `
  let C = field(e, F_C);
  let K = field(e, F_K);
  let W = field(e, F_W);
  let OH = field(e, F_OH);
  let OW = field(e, F_OW);
  let inRow = field(e, F_H) * W * C;
  let r = t / inRow;
  let i = t % inRow;
  let px = i / C;
  let oy = (px / W) / K;
  let ox = (px % W) / K;
  var d = 0.0;
  if (oy < OH && ox < OW) {
    let o = r * OH * OW * C + (oy * OW + ox) * C + i % C;
    if (u32(work[field(e, F_arg) + o]) == i) {
      d = work[field(e, F_dy) + o];
      if (field(e, F_mask) != NONE) { d = d * work[field(e, F_mask) + o]; }
    }
  }
  work[field(e, F_dx) + t] = d;
}
`,
};
