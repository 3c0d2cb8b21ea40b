/**
 * Writes winograd.wat (F(2×2, 3×3)) and winograd5.wat (F(2×2, 5×5)): Winograd's transforms as
 * straight-line SIMD code, four channels at a time, one local per element of a tile's transform.
 * `deno run -A lib/wasm/winograd_wat.ts` rewrites both; tests/winograd_test.ts checks that the
 * committed files are this generator's output.
 *
 * Each transform is a 1-D map applied down the columns of a tile and then along its rows
 * (X ↦ P X Pᵀ). For 3×3 the maps are written by hand (Lavin & Gray 2016, eq. 7–8); for 5×5 they
 * come from the Toom–Cook matrices below, rows that differ only in the signs of some columns
 * sharing their two partial sums (E ± O, the even and odd powers of the points ±1, ±2).
 */

type Expr = string;
/** A 1-D transform: code to run first (into temporaries) and the output expressions. */
type Map1 = (x: Expr[]) => { code: string[]; out: Expr[] };

const L = (n: string): Expr => `(local.get $${n})`;
const add = (a: Expr, b: Expr): Expr => `(f32x4.add ${a} ${b})`;
const sub = (a: Expr, b: Expr): Expr => `(f32x4.sub ${a} ${b})`;
const mul = (a: Expr, b: Expr): Expr => `(f32x4.mul ${a} ${b})`;
const neg = (a: Expr): Expr => `(f32x4.neg ${a})`;
const setl = (n: string, e: Expr) => `(local.set $${n} ${e})`;
const HALF = "(local.get $half)";

/** The hand-written F(2×2, 3×3) maps; the 5×5 ones are built from matrices. */
const byHand = (f: (x: Expr[]) => Expr[]): Map1 => (x) => ({ code: [], out: f(x) });
const F23 = {
  BT: byHand((x) => [sub(x[0], x[2]), add(x[1], x[2]), sub(x[2], x[1]), sub(x[1], x[3])]),
  AT: byHand((x) => [add(add(x[0], x[1]), x[2]), sub(sub(x[1], x[2]), x[3])]),
  G: byHand((x) => [x[0], mul(HALF, add(add(x[0], x[1]), x[2])), mul(HALF, add(sub(x[0], x[1]), x[2])), x[2]]),
  A: byHand((x) => [x[0], add(x[0], x[1]), sub(x[0], x[1]), neg(x[1])]),
  GT: byHand((
    x,
  ) => [add(x[0], mul(HALF, add(x[1], x[2]))), mul(HALF, sub(x[1], x[2])), add(mul(HALF, add(x[1], x[2])), x[3])]),
};

/**
 * F(2×2, 5×5) from the points 0, 1, −1, 2, −2, ∞ (Toom–Cook; Lavin & Gray 2016 §4): Aᵀ[i][j] = p_jⁱ,
 * G[j][k] = p_jᵏ / Π_{l≠j}(p_j − p_l), the ∞ row and column picking the leading coefficients, and
 * Bᵀ solved from Σ_j Aᵀ[i][j] G[j][k] Bᵀ[j][l] = [l = i + k].
 */
const MATRICES_5 = {
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  AT: [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 1]],
  G: [
    [1 / 4, 0, 0, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6, 1 / 3, 2 / 3],
    [1 / 24, -1 / 12, 1 / 6, -1 / 3, 2 / 3],
    [0, 0, 0, 0, 1],
  ],
};
const transpose = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));

const constant = (c: number): Expr => {
  const s = Math.fround(c).toPrecision(9);
  return `(v128.const f32x4 ${s} ${s} ${s} ${s})`;
};

/** Σ_j c_j x_j over the nonzero c_j: a common |c| factored out, ±1 as additions. */
function combine(terms: [number, Expr][]): Expr {
  const mags = new Set(terms.map(([c]) => Math.abs(c)));
  if (mags.size === 1 && !mags.has(1)) {
    const m = [...mags][0];
    return mul(constant(m), combine(terms.map(([c, x]) => [Math.sign(c), x])));
  }
  const sorted = [...terms].sort(([a], [b]) => Number(b > 0) - Number(a > 0));
  const term = ([c, x]: [number, Expr]) => (Math.abs(c) === 1 ? x : mul(constant(Math.abs(c)), x));
  let e = sorted[0][0] > 0 ? term(sorted[0]) : neg(term(sorted[0]));
  for (const t of sorted.slice(1)) e = t[0] > 0 ? add(e, term(t)) : sub(e, term(t));
  return e;
}

/**
 * The map x ↦ M x. Rows a, b with M[b] = ±M[a] entry by entry share E (the columns of equal sign)
 * and O (the opposite ones), kept in temporaries $p…: (M x)_a = E + O, (M x)_b = E − O.
 */
function fromMatrix(m: number[][]): Map1 {
  return (x) => {
    const code: string[] = [], out: Expr[] = new Array(m.length);
    const terms = (row: number[], keep: (j: number) => boolean) =>
      row.flatMap((c, j): [number, Expr][] => (c !== 0 && keep(j) ? [[c, x[j]]] : []));
    const done = new Set<number>();
    let temps = 0;
    for (let a = 0; a < m.length; a++) {
      if (done.has(a)) continue;
      const b = m.findIndex((row, i) =>
        i > a && !done.has(i) && row.some((c, j) => c !== 0 && c === -m[a][j]) &&
        row.every((c, j) => Math.abs(c) === Math.abs(m[a][j]))
      );
      const same = (j: number) => b < 0 || m[b][j] === m[a][j];
      const even = terms(m[a], same), odd = terms(m[a], (j) => !same(j));
      if (b < 0 || even.length === 0) {
        out[a] = combine(terms(m[a], () => true));
        continue;
      }
      const E = `p${temps++}`, O = `p${temps++}`;
      code.push(setl(E, combine(even)), setl(O, combine(odd)));
      out[a] = add(L(E), L(O));
      out[b] = sub(L(E), L(O));
      done.add(b);
    }
    return { code, out };
  };
}

const F25 = {
  BT: fromMatrix(MATRICES_5.BT),
  AT: fromMatrix(MATRICES_5.AT),
  G: fromMatrix(MATRICES_5.G),
  A: fromMatrix(transpose(MATRICES_5.AT)),
  GT: fromMatrix(transpose(MATRICES_5.G)),
};

/** Temporaries a map of F25 needs at most (two per shared pair). */
const TEMPS = 6;

/** f down each column of the locals in{i}{j} (rows × cols) into tmp{i}{j}. */
function columns(f: Map1, name: string, rows: number, cols: number, tmp: string): string[] {
  const code: string[] = [];
  for (let j = 0; j < cols; j++) {
    const { code: c, out } = f(Array.from({ length: rows }, (_, i) => L(`${name}${i}${j}`)));
    code.push(...c, ...out.map((e, i) => setl(`${tmp}${i}${j}`, e)));
  }
  return code;
}

/** f along each row i of the locals name{i}{j}, each output q handed to emit(i, q, e). */
function rowsOf(f: Map1, name: string, rows: number, cols: number, emit: (i: number, q: number, e: Expr) => string) {
  const code: string[] = [];
  for (let i = 0; i < rows; i++) {
    const { code: c, out } = f(Array.from({ length: cols }, (_, j) => L(`${name}${i}${j}`)));
    code.push(...c, ...out.map((e, q) => emit(i, q, e)));
  }
  return code;
}

const decl = (prefix: string, r: number, c: number, ty = "v128") =>
  Array.from({ length: r * c }, (_, q) => `(local $${prefix}${Math.floor(q / c)}${q % c} ${ty})`).join(" ");

function tileLoops(body: string, preTile: string): string {
  return `    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $ty (i32.const 0))
      (block $ty_done (loop $tyl
        (br_if $ty_done (i32.ge_u (local.get $ty) (local.get $tY)))
        (local.set $tx (i32.const 0))
        (block $tx_done (loop $txl
          (br_if $tx_done (i32.ge_u (local.get $tx) (local.get $tX)))
${preTile}
          (local.set $cg (i32.const 0))
          (block $c_done (loop $cl
            (br_if $c_done (i32.ge_u (local.get $cg) (local.get $cb)))
${body}
            (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
            (br $cl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
          (br $txl)))
        (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
        (br $tyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
`;
}

const TILE_DECL = `    (local $tY i32) (local $tX i32) (local $T i32) (local $cb i32) (local $xi i32) (local $t i32)
    (local $r i32) (local $ty i32) (local $tx i32) (local $cg i32) (local $o i32)
`;
const TILE_LOCALS = `    (local.set $tY (i32.shr_u (i32.add (local.get $h) (i32.const 1)) (i32.const 1)))
    (local.set $tX (i32.shr_u (i32.add (local.get $w) (i32.const 1)) (i32.const 1)))
    (local.set $T (i32.mul (i32.mul (local.get $n) (local.get $tY)) (local.get $tX)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $T) (local.get $cb))) ;; bytes from one ξ to the next
`;

/**
 * Per tile: for window row i (iy = 2ty + i + off) its first pixel $row{i} (the image start when
 * outside, $okr{i} = 0), for column j (ix = 2tx + j + off) its byte offset $col{j}.
 */
function pixelSetup(img: string, rows: number, cols: number, off: number): string {
  const s: string[] = [];
  for (let i = 0; i < rows; i++) {
    const iy = `(i32.add (i32.shl (local.get $ty) (i32.const 1)) (i32.const ${i + off}))`;
    s.push(`          (local.set $okr${i} (i32.lt_u ${iy} (local.get $h)))`);
    s.push(
      `          (local.set $row${i} (select (i32.add (local.get $${img}) (i32.mul (i32.add (i32.mul (local.get $r) (local.get $h)) ${iy}) (i32.mul (local.get $w) (local.get $cb)))) (local.get $${img}) (local.get $okr${i})))`,
    );
  }
  for (let j = 0; j < cols; j++) {
    const ix = `(i32.add (i32.shl (local.get $tx) (i32.const 1)) (i32.const ${j + off}))`;
    s.push(`          (local.set $okc${j} (i32.lt_u ${ix} (local.get $w)))`);
    s.push(
      `          (local.set $col${j} (select (i32.mul ${ix} (local.get $cb)) (i32.const 0) (local.get $okc${j})))`,
    );
  }
  return s.join("\n");
}

/** Four channels of pixel (i, j) of the tile's window, zeros outside the image. */
const loadPixel = (i: number, j: number) =>
  `(if (result v128) (i32.and (local.get $okr${i}) (local.get $okc${j}))` +
  ` (then (v128.load (i32.add (i32.add (local.get $row${i}) (local.get $col${j})) (local.get $cg))))` +
  ` (else (v128.const i32x4 0 0 0 0)))`;

const pixLocals = (rows: number, cols: number) =>
  [
    ...Array.from({ length: rows }, (_, i) => `(local $okr${i} i32) (local $row${i} i32)`),
    ...Array.from({ length: cols }, (_, j) => `(local $okc${j} i32) (local $col${j} i32)`),
  ].join(" ");

const indent = (lines: string[], pad: string) => lines.map((b) => pad + b).join("\n");

function filterLoops(body: string): string {
  return `    (block $c_done (loop $cl
      (br_if $c_done (i32.ge_u (local.get $ci) (local.get $c)))
      (local.set $kg (i32.const 0))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $kg) (local.get $kb)))
        (local.set $o (i32.add (i32.mul (local.get $ci) (local.get $kb)) (local.get $kg)))
${body}
        (local.set $kg (i32.add (local.get $kg) (i32.const 16)))
        (br $kl)))
      (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
      (br $cl)))
`;
}

const FDECL = `    (local $kb i32) (local $xi i32) (local $ci i32) (local $kg i32) (local $o i32) (local $half v128)
`;
const FLOCALS = `    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $c) (local.get $kb))) ;; bytes from one tap (or ξ) to the next
    (local.set $half (f32x4.splat (f32.const 0.5)))
`;

const HEADER_3 = `;; Generated by lib/wasm/winograd_wat.ts: do not edit by hand.
;; Winograd's minimal filtering for 3×3 convolutions, stride 1, padding 1, on NHWC tensors
;; (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks"). The output is cut
;; into 2×2 tiles t = (n, ty, tx); tile t reads the 4×4 input patch d at rows 2ty − 1 .. 2ty + 2
;; and columns 2tx − 1 .. 2tx + 2 (zeros outside the image). With F(2×2, 3×3)
;;
;;   y_t = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
;;   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1],
;;
;; the 16 products of each element ξ of the 4×4 transform sum over input channels: one matrix
;; product per ξ, M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k], 16 multiplications per tile and channel
;; pair where the direct sum takes 36. The filter gradient is F(3×3, 2×2) on the same input
;; transform V: dW = Gᵀ [ Σ_t (A dy_t Aᵀ) ⊙ (Bᵀ d_t B) ] G, with dy_t the tile's 2×2 output
;; gradient; the input gradient is the forward pass of dy with the filter flipped (transform_filter
;; with flip = 1).
;; Layouts, ξ = 4·row + column of the 4×4 transform: V [16][T][C], U [16][C][K], M [16][T][K].
;; Channels go four at a time (C and K multiples of 4), a tile's 16 vectors in locals: straight-line
;; code, each kernel's loop body written out once per element of its transform.
`;

const HEADER_5 = `;; Generated by lib/wasm/winograd_wat.ts: do not edit by hand.
;; Winograd's minimal filtering for 5×5 convolutions, stride 1, padding 2, on NHWC tensors: the
;; scheme of winograd.wat (same kernels, arguments and layouts) with F(2×2, 5×5) (Lavin & Gray
;; 2016 §4) from the points 0, 1, −1, 2, −2, ∞. Tile t reads the 6×6 input patch d at rows
;; 2ty − 2 .. 2ty + 3 and columns 2tx − 2 .. 2tx + 3 (zeros outside the image);
;;
;;   y_t = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 1],
;;   G = [¼ 0 0 0 0; −⅙ −⅙ −⅙ −⅙ −⅙; −⅙ ⅙ −⅙ ⅙ −⅙; 1⁄24 1⁄12 ⅙ ⅓ ⅔; 1⁄24 −1⁄12 ⅙ −⅓ ⅔; 0 0 0 0 1],
;;   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]:
;;
;; 36 multiplications per 2×2 tile and channel pair where the direct sum takes 100. The filter
;; gradient is F(5×5, 2×2) on the same V: dW = Gᵀ [ Σ_t (A dy_t Aᵀ) ⊙ (Bᵀ d_t B) ] G.
;; Layouts, ξ = 6·row + column of the 6×6 transform: V [36][T][C], U [36][C][K], M [36][T][K].
`;

/** The module for r×r filters (r = 3 or 5): tiles of (r + 1)², padding (r − 1)/2. */
export function winogradWat(r: 3 | 5): string {
  const f = r === 3 ? F23 : F25, n = r + 1, p = (r - 1) / 2;
  const temps = r === 3 ? "" : `\n    ${Array.from({ length: TEMPS }, (_, i) => `(local $p${i} v128)`).join(" ")}`;
  const out = [(r === 3 ? HEADER_3 : HEADER_5) + '(module\n  (import "env" "memory" (memory 1))\n'];
  const at = (base: string, q: number) => `(i32.add ${base} (i32.mul (i32.const ${q}) (local.get $xi)))`;

  // transform_input: V_ξ = (Bᵀ d B)[ξ]
  let body = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) body.push(setl(`d${i}${j}`, loadPixel(i, j)));
  body.push(...columns(f.BT, "d", n, n, "e"));
  body.push(
    "(local.set $o (i32.add (i32.add (local.get $V) (i32.mul (local.get $t) (local.get $cb))) (local.get $cg)))",
  );
  body.push(...rowsOf(f.BT, "e", n, n, (i, q, e) => `(v128.store ${at("(local.get $o)", n * i + q)} ${e})`));
  out.push(`;; V_ξ[t, c] = (Bᵀ d_t B)[ξ] for every tile of x [n, h, w, c].
  (func (export "transform_input") (param $x i32) (param $V i32) (param $n i32) (param $h i32) (param $w i32)
                                   (param $c i32)
${TILE_DECL}    ${pixLocals(n, n)}
    ${decl("d", n, n)}
    ${decl("e", n, n)}${temps}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup("x", n, n, -p))}  )
`);

  // transform_output: y = Aᵀ M A
  body = ["(local.set $o (i32.add (i32.add (local.get $M) (i32.mul (local.get $t) (local.get $cb))) (local.get $cg)))"];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) body.push(setl(`m${i}${j}`, `(v128.load ${at("(local.get $o)", n * i + j)})`));
  }
  body.push(...columns(f.AT, "m", n, n, "u"));
  body.push(
    ...rowsOf(
      f.AT,
      "u",
      2,
      n,
      (i, j, e) =>
        `(if (i32.and (local.get $okr${i}) (local.get $okc${j})) (then (v128.store (i32.add (i32.add (local.get $row${i}) (local.get $col${j})) (local.get $cg)) ${e})))`,
    ),
  );
  out.push(`;; y [n, h, w, k] from M [${n * n}][T][k]: y at (2ty + i, 2tx + j) = (Aᵀ M_t A)[i][j], inside the image.
  (func (export "transform_output") (param $M i32) (param $y i32) (param $n i32) (param $h i32) (param $w i32)
                                    (param $c i32)
${TILE_DECL}    ${pixLocals(2, 2)}
    ${decl("m", n, n)}
    ${decl("u", 2, n)}${temps}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup("y", 2, 2, 0))}  )
`);

  // transform_output_gradient: D = A dy Aᵀ
  body = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) body.push(setl(`g${i}${j}`, loadPixel(i, j)));
  body.push(...columns(f.A, "g", 2, 2, "e"));
  body.push(
    "(local.set $o (i32.add (i32.add (local.get $D) (i32.mul (local.get $t) (local.get $cb))) (local.get $cg)))",
  );
  body.push(...rowsOf(f.A, "e", n, 2, (i, q, e) => `(v128.store ${at("(local.get $o)", n * i + q)} ${e})`));
  out.push(`;; D_ξ[t, k] = (A dy_t Aᵀ)[ξ] of every 2×2 tile of dy [n, h, w, k] (zeros outside the image).
  (func (export "transform_output_gradient") (param $dy i32) (param $D i32) (param $n i32) (param $h i32)
                                             (param $w i32) (param $c i32)
${TILE_DECL}    ${pixLocals(2, 2)}
    ${decl("g", 2, 2)}
    ${decl("e", n, 2)}${temps}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup("dy", 2, 2, 0))}  )
`);

  // transform_filter: U = G g Gᵀ, g flipped (tap r² − 1 − tap) for the input gradient
  body = [];
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) {
      const tap = r * i + j;
      body.push(
        setl(
          `g${i}${j}`,
          `(v128.load (i32.add (i32.add (local.get $W) (local.get $o)) (i32.mul (select (i32.const ${
            r * r - 1 - tap
          }) (i32.const ${tap}) (local.get $flip)) (local.get $xi))))`,
        ),
      );
    }
  }
  body.push(...columns(f.G, "g", r, r, "e"));
  body.push(
    ...rowsOf(
      f.G,
      "e",
      n,
      r,
      (i, q, e) => `(v128.store ${at("(i32.add (local.get $U) (local.get $o))", n * i + q)} ${e})`,
    ),
  );
  out.push(`;; U_ξ[c, k] = (G g Gᵀ)[ξ] of every filter g = W[·, ·, c, k] of W [${r}, ${r}, C, K] (flip = 1: of
  ;; W[${r - 1} − ky, ${r - 1} − kx, c, k], the input gradient's filter).
  (func (export "transform_filter") (param $W i32) (param $U i32) (param $c i32) (param $k i32) (param $flip i32)
${FDECL}    ${decl("g", r, r)}
    ${decl("e", n, r)}${temps}
${FLOCALS}${filterLoops(indent(body, "        "))}  )
`);

  // transform_filter_gradient: dW = Gᵀ S G
  body = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      body.push(setl(`s${i}${j}`, `(v128.load ${at("(i32.add (local.get $S) (local.get $o))", n * i + j)})`));
    }
  }
  body.push(...columns(f.GT, "s", n, n, "e"));
  body.push(
    ...rowsOf(
      f.GT,
      "e",
      r,
      n,
      (i, q, e) => `(v128.store ${at("(i32.add (local.get $dW) (local.get $o))", r * i + q)} ${e})`,
    ),
  );
  out.push(`;; dW [${r}, ${r}, C, K] = Gᵀ S G of S [${n * n}][C][K] (S_ξ = Σ_t V_ξ[t, c] · D_ξ[t, k]).
  (func (export "transform_filter_gradient") (param $S i32) (param $dW i32) (param $c i32) (param $k i32)
${FDECL}    ${decl("s", n, n)}
    ${decl("e", r, n)}${temps}
${FLOCALS}${filterLoops(indent(body, "        "))}  )
`);
  out.push(")\n");
  return out.join("\n");
}

/** The generated files, by name in lib/wasm/. */
export const WINOGRAD_FILES = { "winograd.wat": () => winogradWat(3), "winograd5.wat": () => winogradWat(5) };

if (import.meta.main) {
  for (const [name, text] of Object.entries(WINOGRAD_FILES)) {
    Deno.writeTextFileSync(new URL(name, import.meta.url), text());
  }
}
