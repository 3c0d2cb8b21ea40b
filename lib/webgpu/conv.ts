/**
 * 2-D convolution (stride 1, zero padding, NHWC, filter [k, k, in, out] as lib/nn's Conv2d) of
 * every run in one dispatch per pass, with the LeakyReLU and dropout that follow fused in:
 *   forward  y[r,oy,ox,o] = mask ⊙ act(b[o] + Σ_{ky,kx,c} x[r, oy+ky−p, ox+kx−p, c]·W[ky,kx,c,o])
 *   input    dx[r,y,x,c]  = Σ_{ky,kx,o} δ[r, y+p−ky, x+p−kx, o]·W[ky,kx,c,o]   (gathered: no atomics)
 *   weights  dW[ky,kx,c,o] = Σ_{r,oy,ox} x[r, oy+ky−p, ox+kx−p, c]·δ[r,oy,ox,o], db[o] = Σ δ, into Adam
 * with δ = dy ⊙ mask ⊙ act'(pre). The input gradient reads W, so it is its own dispatch, before
 * the weights' fused update.
 */
import { Fields } from "./table.ts";
import { type Kernel, MAIN } from "./kernel.ts";
import { sourceNames } from "./prelude.ts";

export const CONV_FIELDS = new Fields(
  [
    "threads",
    "B",
    "rows",
    "H",
    "W",
    "C",
    "K",
    "pad",
    "OH",
    "OW",
    "CO",
    "w",
    "b",
    ...sourceNames("x"),
    "y",
    "dy",
    "pre",
    "mask",
    "act",
    "slope",
    "dx",
  ] as const,
  ["slope"],
);

const COMMON = /* wgsl */ `
/** δ at output element c (row-major over rows, OH, OW, CO). */
fn delta(e: u32, c: u32) -> f32 {
  var d = work[field(e, F_dy) + c];
  if (field(e, F_mask) != NONE) { d = d * work[field(e, F_mask) + c]; }
  if (field(e, F_act) == 1u) { d = d * leakyGrad(work[field(e, F_pre) + c], fieldf(e, F_slope)); }
  return d;
}

fn wAt(e: u32, ky: u32, kx: u32, c: u32, o: u32) -> u32 {
  return field(e, F_w) + ((ky * field(e, F_K) + kx) * field(e, F_C) + c) * field(e, F_CO) + o;
}

/** Input pixel (y, x) of an output pixel and tap, or NONE outside the padded image. */
fn tapPixel(e: u32, oy: u32, ox: u32, ky: u32, kx: u32) -> u32 {
  let y = i32(oy + ky) - i32(field(e, F_pad));
  let x = i32(ox + kx) - i32(field(e, F_pad));
  if (y < 0 || x < 0 || y >= i32(field(e, F_H)) || x >= i32(field(e, F_W))) { return NONE; }
  return u32(y) * field(e, F_W) + u32(x);
}
`;

export const CONV_FORWARD: Kernel = {
  name: "conv_forward",
  fields: CONV_FIELDS,
  body: COMMON + MAIN + /* wgsl */ `
  let B = field(e, F_B);
  let K = field(e, F_K);
  let C = field(e, F_C);
  let CO = field(e, F_CO);
  let OW = field(e, F_OW);
  let outRow = field(e, F_OH) * OW * CO;
  let r = t / outRow;
  let o = t % CO;
  let px = (t % outRow) / CO;
  let oy = px / OW;
  let ox = px % OW;
  var s = 0.0;
  for (var ky = 0u; ky < K; ky++) {
    for (var kx = 0u; kx < K; kx++) {
      let p = tapPixel(e, oy, ox, ky, kx);
      if (p == NONE) { continue; }
      for (var c = 0u; c < C; c++) { s = s + load(e, F_xMode, B, r, p * C + c) * params[wAt(e, ky, kx, c, o)]; }
    }
  }
  var y = s + params[field(e, F_b) + o];
  if (field(e, F_act) == 1u) {
    if (field(e, F_pre) != NONE) { work[field(e, F_pre) + t] = y; }
    y = leaky(y, fieldf(e, F_slope));
  }
  if (field(e, F_mask) != NONE) { y = y * work[field(e, F_mask) + t]; }
  work[field(e, F_y) + t] = y;
}
`,
};

export const CONV_INPUT_GRAD: Kernel = {
  name: "conv_input_grad",
  fields: CONV_FIELDS,
  body: COMMON + MAIN + /* wgsl */ `
  let K = field(e, F_K);
  let C = field(e, F_C);
  let CO = field(e, F_CO);
  let OH = field(e, F_OH);
  let OW = field(e, F_OW);
  let inRow = field(e, F_H) * field(e, F_W) * C;
  let r = t / inRow;
  let c = t % C;
  let px = (t % inRow) / C;
  let y = i32(px / field(e, F_W)) + i32(field(e, F_pad));
  let x = i32(px % field(e, F_W)) + i32(field(e, F_pad));
  var s = 0.0;
  for (var ky = 0u; ky < K; ky++) {
    for (var kx = 0u; kx < K; kx++) {
      let oy = y - i32(ky);
      let ox = x - i32(kx);
      if (oy < 0 || ox < 0 || oy >= i32(OH) || ox >= i32(OW)) { continue; }
      let out = ((r * OH + u32(oy)) * OW + u32(ox)) * CO;
      for (var o = 0u; o < CO; o++) { s = s + delta(e, out + o) * params[wAt(e, ky, kx, c, o)]; }
    }
  }
  work[field(e, F_dx) + t] = s;
}
`,
};

export const CONV_WEIGHT_ADAM: Kernel = {
  name: "conv_weight_adam",
  fields: CONV_FIELDS,
  body: COMMON + MAIN + /* wgsl */ `
  let B = field(e, F_B);
  let rows = field(e, F_rows);
  let K = field(e, F_K);
  let C = field(e, F_C);
  let CO = field(e, F_CO);
  let OH = field(e, F_OH);
  let OW = field(e, F_OW);
  let weights = K * K * C * CO;
  if (t >= weights) {
    let o = t - weights;
    var g = 0.0;
    for (var q = o; q < rows * OH * OW * CO; q += CO) { g = g + delta(e, q); }
    adam(field(e, F_b) + o, g);
    return;
  }
  let o = t % CO;
  let c = (t / CO) % C;
  let tap = t / (CO * C);
  let ky = tap / K;
  let kx = tap % K;
  var g = 0.0;
  for (var r = 0u; r < rows; r++) {
    for (var oy = 0u; oy < OH; oy++) {
      for (var ox = 0u; ox < OW; ox++) {
        let p = tapPixel(e, oy, ox, ky, kx);
        if (p == NONE) { continue; }
        g = g + load(e, F_xMode, B, r, p * C + c) * delta(e, ((r * OH + oy) * OW + ox) * CO + o);
      }
    }
  }
  adam(field(e, F_w) + t, g);
}
`,
};
