/**
 * Writes the Winograd transforms F(m×m, r×r) as straight-line SIMD code, four channels at a time,
 * one local per element of a tile's transform: winograd_4x4_3x3.wat and winograd_2x2_5x5.wat.
 * `deno run -A lib/wasm/winograd_wat.ts` rewrites them; tests/winograd_test.ts checks that the
 * committed files are this generator's output.
 *
 * Each transform is a 1-D map applied down the columns of a tile and then along its rows
 * (X ↦ P X Pᵀ), built from the Toom–Cook matrices below. Columns whose entries agree up to sign
 * in every row are summed and subtracted once (x_j ± x_j'); otherwise rows that agree up to the
 * sign of some columns share their two partial sums (E ± O: the even and odd powers of ±1, ±2).
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

/**
 * F(4×4, 3×3) and F(2×2, 5×5) from the points 0, 1, −1, 2, −2, ∞ (Toom–Cook; Lavin & Gray 2016 §4):
 * Aᵀ[i][j] = p_jⁱ, G[j][k] = p_jᵏ / Π_{l≠j}(p_j − p_l), the ∞ row and column picking the leading
 * coefficients, and Bᵀ solved from Σ_j Aᵀ[i][j] G[j][k] Bᵀ[j][l] = [l = i + k]. Both have six
 * points, so they share Bᵀ.
 */
const BT_6 = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const MATRICES_4x4_3x3 = {
  BT: BT_6,
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
};
const MATRICES_2x2_5x5 = {
  BT: BT_6,
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

/** Column pairs (j, j'): |M[i][j]| = |M[i][j']| ≠ 0 in every row. */
function columnPairs(m: number[][]): [number, number][] {
  const pairs: [number, number][] = [], used = new Set<number>();
  for (let j = 0; j < m[0].length; j++) {
    for (let k = j + 1; k < m[0].length && !used.has(j); k++) {
      if (!used.has(k) && m.every((row) => row[j] !== 0 && Math.abs(row[j]) === Math.abs(row[k]))) {
        pairs.push([j, k]);
        used.add(j).add(k);
      }
    }
  }
  return pairs;
}

/**
 * The map x ↦ M x. Column pairs first: s = x_j + x_j', d = x_j − x_j' in temporaries $p…, each
 * row taking c·s or c·d. Without them, rows a, b with M[b] = ±M[a] entry by entry share E (the
 * columns of equal sign) and O (the opposite ones): (M x)_a = E + O, (M x)_b = E − O.
 */
function fromMatrix(m: number[][]): Map1 {
  const pairs = columnPairs(m);
  return (x) => {
    const code: string[] = [], out: Expr[] = new Array(m.length);
    const terms = (row: number[], keep: (j: number) => boolean) =>
      row.flatMap((c, j): [number, Expr][] => (c !== 0 && keep(j) ? [[c, x[j]]] : []));
    let next = 0;
    if (pairs.length > 0) {
      const paired = new Set(pairs.flat());
      const sums = pairs.map(([j, k]) => {
        const [s, d] = [`p${next++}`, `p${next++}`];
        code.push(setl(s, add(x[j], x[k])), setl(d, sub(x[j], x[k])));
        return { j, k, s: L(s), d: L(d) };
      });
      m.forEach((row, i) => {
        const t = terms(row, (j) => !paired.has(j));
        for (const { j, k, s, d } of sums) t.push([row[j], row[k] === row[j] ? s : d]);
        out[i] = combine(t);
      });
      return { code, out };
    }
    const done = new Set<number>();
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
      const E = `p${next++}`, O = `p${next++}`;
      code.push(setl(E, combine(even)), setl(O, combine(odd)));
      out[a] = add(L(E), L(O));
      out[b] = sub(L(E), L(O));
      done.add(b);
    }
    return { code, out };
  };
}

/** The five maps of one F(m×m, r×r). */
const maps = (M: { BT: number[][]; AT: number[][]; G: number[][] }) => ({
  BT: fromMatrix(M.BT),
  AT: fromMatrix(M.AT),
  G: fromMatrix(M.G),
  A: fromMatrix(transpose(M.AT)),
  GT: fromMatrix(transpose(M.G)),
});

/** The temporaries $p0 … a function's maps used, declared (none if it used none). */
function temps(body: string[]): string {
  const used = [...body.join("\n").matchAll(/\$p(\d+)\b/g)].map((m) => Number(m[1]) + 1);
  const count = Math.max(0, ...used);
  return count === 0 ? "" : `\n    ${Array.from({ length: count }, (_, i) => `(local $p${i} v128)`).join(" ")}`;
}

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
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $r1)))
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

/**
 * Floats between one element's matrix of a transform and the next beyond its size ([T][C] of a
 * tile transform, [C][K] of a filter's): one cache line. With the size a multiple of 4 KiB (a batch
 * of 32 and 32 channels or more; 64 × 64 filters), the 36 streams a tile or filter writes or reads
 * would all fall in one set of the L1 cache and alias in the store buffer; a line apart they spread
 * over 36 sets.
 */
export const XI_PAD_FLOATS = 16;
const XI_PAD_BYTES = 4 * XI_PAD_FLOATS;

const TILE_DECL = `    (local $tY i32) (local $tX i32) (local $T i32) (local $cb i32) (local $xi i32) (local $t i32)
    (local $r i32) (local $ty i32) (local $tx i32) (local $cg i32) (local $o i32)
`;
/** Tiles of m×m outputs (m a power of two): ⌈h/m⌉ × ⌈w/m⌉ per image. */
const tileLocals = (m: number) =>
  `    (local.set $tY (i32.shr_u (i32.add (local.get $h) (i32.const ${m - 1})) (i32.const ${Math.log2(m)})))
    (local.set $tX (i32.shr_u (i32.add (local.get $w) (i32.const ${m - 1})) (i32.const ${Math.log2(m)})))
    (local.set $T (i32.mul (i32.mul (local.get $n) (local.get $tY)) (local.get $tX)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xi (i32.add (i32.mul (local.get $T) (local.get $cb)) (i32.const ${XI_PAD_BYTES}))) ;; bytes from one ξ to the next
    (local.set $r (local.get $r0))
    (local.set $t (i32.mul (local.get $r0) (i32.mul (local.get $tY) (local.get $tX))))
`;

/**
 * Per tile of m×m outputs: for window row i (iy = m·ty + i + off) its first pixel $row{i} (the image start when
 * outside, $okr{i} = 0), for column j (ix = m·tx + j + off) its byte offset $col{j}.
 */
function pixelSetup(m: number, img: string, rows: number, cols: number, off: number): string {
  const s: string[] = [], shift = Math.log2(m);
  for (let i = 0; i < rows; i++) {
    const iy = `(i32.add (i32.shl (local.get $ty) (i32.const ${shift})) (i32.const ${i + off}))`;
    s.push(`          (local.set $okr${i} (i32.lt_u ${iy} (local.get $h)))`);
    s.push(
      `          (local.set $row${i} (select (i32.add (local.get $${img}) (i32.mul (i32.add (i32.mul (local.get $r) (local.get $h)) ${iy}) (i32.mul (local.get $w) (local.get $cb)))) (local.get $${img}) (local.get $okr${i})))`,
    );
  }
  for (let j = 0; j < cols; j++) {
    const ix = `(i32.add (i32.shl (local.get $tx) (i32.const ${shift})) (i32.const ${j + off}))`;
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
      (br_if $c_done (i32.ge_u (local.get $ci) (local.get $c1)))
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

const FDECL = `    (local $kb i32) (local $tap i32) (local $xi i32) (local $ci i32) (local $kg i32) (local $o i32)
`;
const FLOCALS = `    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $tap (i32.mul (local.get $c) (local.get $kb))) ;; bytes from one tap to the next
    (local.set $xi (i32.add (local.get $tap) (i32.const ${XI_PAD_BYTES}))) ;; bytes from one ξ to the next
    (local.set $ci (local.get $c0))
`;

/** A matrix for a comment: rows by ";", fractions as a/b. */
function show(m: number[][]): string {
  const frac = (v: number) => {
    for (let d = 1; d <= 24; d++) if (Number.isInteger(v * d)) return d === 1 ? `${v}` : `${v * d}/${d}`;
    return `${v}`;
  };
  return `[${m.map((row) => row.map(frac).join(" ")).join("; ")}]`.replaceAll("-", "−");
}

function header(tile: WinogradTile): string {
  const { m, r, matrices: M } = WINOGRAD_TILES[tile], n = m + r - 1, p = (r - 1) / 2;
  return `;; Generated by lib/wasm/winograd_wat.ts: do not edit by hand.
;; Winograd's minimal filtering F(${m}×${m}, ${r}×${r}) for ${r}×${r} convolutions, stride 1, padding ${p}, on NHWC
;; tensors (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks", §4), from the
;; points 0, 1, −1, 2, −2, ∞. The output is cut into ${m}×${m} tiles t = (n, ty, tx); tile t reads the
;; ${n}×${n} input patch d at rows ${m}ty − ${p} .. ${m}ty + ${
    n - 1 - p
  } and the same columns (zeros outside the image):
;;
;;   y_t = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
;;   Aᵀ = ${show(M.AT)},
;;   G = ${show(M.G)},
;;   Bᵀ = ${show(M.BT)}.
;;
;; The products of each element ξ of the ${n}×${n} transform sum over input channels: one matrix
;; product per ξ, M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k], ${n * n} multiplications per tile and channel
;; pair where the direct sum takes ${m * m * r * r}. The filter gradient is F(${r}×${r}, ${m}×${m}) on the same input
;; transform V: dW = Gᵀ [ Σ_t (A dy_t Aᵀ) ⊙ (Bᵀ d_t B) ] G, with dy_t the tile's ${m}×${m} output gradient; the
;; input gradient is the forward pass of dy with the filter flipped (transform_filter with flip = 1).
;; Layouts, ξ = ${n}·row + column: V [${n * n}][T][C], U [${n * n}][C][K], M [${n * n}][T][K], each ξ's matrix
;; ${XI_PAD_FLOATS} floats (a cache line) after the previous one's end, so that 36 streams never alias. Channels go four
;; at a time (C and K multiples of 4), a tile's vectors in locals: straight-line code, each
;; kernel's loop body written out once per element of its transform.
`;
}

/** The transforms this generator writes, by file: tile m×m, filter r×r. */
export const WINOGRAD_TILES = {
  "4x4_3x3": { m: 4, r: 3, matrices: MATRICES_4x4_3x3 },
  "2x2_5x5": { m: 2, r: 5, matrices: MATRICES_2x2_5x5 },
} as const;
export type WinogradTile = keyof typeof WINOGRAD_TILES;

/** The module for F(m×m, r×r): tiles of n² = (m + r − 1)² transform elements, padding (r − 1)/2. */
export function winogradWat(tile: WinogradTile): string {
  const { m, r } = WINOGRAD_TILES[tile], n = m + r - 1, p = (r - 1) / 2;
  const f = maps(WINOGRAD_TILES[tile].matrices);
  const TILE_LOCALS = tileLocals(m);
  const out = [header(tile) + '(module\n  (import "env" "memory" (memory 1))\n'];
  const at = (base: string, q: number) => `(i32.add ${base} (i32.mul (i32.const ${q}) (local.get $xi)))`;
  const tapAt = (base: string, q: number) => `(i32.add ${base} (i32.mul (i32.const ${q}) (local.get $tap)))`;

  // transform_input: V_ξ = (Bᵀ d B)[ξ]
  let body = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) body.push(setl(`d${i}${j}`, loadPixel(i, j)));
  body.push(...columns(f.BT, "d", n, n, "e"));
  body.push(
    "(local.set $o (i32.add (i32.add (local.get $V) (i32.mul (local.get $t) (local.get $cb))) (local.get $cg)))",
  );
  body.push(...rowsOf(f.BT, "e", n, n, (i, q, e) => `(v128.store ${at("(local.get $o)", n * i + q)} ${e})`));
  out.push(`;; V_ξ[t, c] = (Bᵀ d_t B)[ξ] for every tile of images [r0, r1) of x [n, h, w, c].
  (func (export "transform_input") (param $x i32) (param $V i32) (param $n i32) (param $h i32) (param $w i32)
                                   (param $c i32) (param $r0 i32) (param $r1 i32)
${TILE_DECL}    ${pixLocals(n, n)}
    ${decl("d", n, n)}
    ${decl("e", n, n)}${temps(body)}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup(m, "x", n, n, -p))}  )
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
      m,
      n,
      (i, j, e) =>
        `(if (i32.and (local.get $okr${i}) (local.get $okc${j})) (then (v128.store (i32.add (i32.add (local.get $row${i}) (local.get $col${j})) (local.get $cg)) ${e})))`,
    ),
  );
  out.push(
    `;; y [n, h, w, k] from M [${n * n}][T][k]: y at (${m}ty + i, ${m}tx + j) = (Aᵀ M_t A)[i][j], inside the image,
  ;; for images [r0, r1).
  (func (export "transform_output") (param $M i32) (param $y i32) (param $n i32) (param $h i32) (param $w i32)
                                    (param $c i32) (param $r0 i32) (param $r1 i32)
${TILE_DECL}    ${pixLocals(m, m)}
    ${decl("m", n, n)}
    ${decl("u", m, n)}${temps(body)}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup(m, "y", m, m, 0))}  )
`,
  );

  // transform_output_gradient: D = A dy Aᵀ
  body = [];
  for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) body.push(setl(`g${i}${j}`, loadPixel(i, j)));
  body.push(...columns(f.A, "g", m, m, "e"));
  body.push(
    "(local.set $o (i32.add (i32.add (local.get $D) (i32.mul (local.get $t) (local.get $cb))) (local.get $cg)))",
  );
  body.push(...rowsOf(f.A, "e", n, m, (i, q, e) => `(v128.store ${at("(local.get $o)", n * i + q)} ${e})`));
  out.push(`;; D_ξ[t, k] = (A dy_t Aᵀ)[ξ] of every ${m}×${m} tile of images [r0, r1) of dy [n, h, w, k]
  ;; (zeros outside the image).
  (func (export "transform_output_gradient") (param $dy i32) (param $D i32) (param $n i32) (param $h i32)
                                             (param $w i32) (param $c i32) (param $r0 i32) (param $r1 i32)
${TILE_DECL}    ${pixLocals(m, m)}
    ${decl("g", m, m)}
    ${decl("e", n, m)}${temps(body)}
${TILE_LOCALS}${tileLoops(indent(body, "            "), pixelSetup(m, "dy", m, m, 0))}  )
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
          }) (i32.const ${tap}) (local.get $flip)) (local.get $tap))))`,
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
  out.push(
    `;; U_ξ[c, k] = (G g Gᵀ)[ξ] of every filter g = W[·, ·, c, k], c in [c0, c1), of W [${r}, ${r}, C, K] (flip = 1: of
  ;; W[${r - 1} − ky, ${r - 1} − kx, c, k], the input gradient's filter).
  (func (export "transform_filter") (param $W i32) (param $U i32) (param $c i32) (param $k i32) (param $flip i32)
                                    (param $c0 i32) (param $c1 i32)
${FDECL}    ${decl("g", r, r)}
    ${decl("e", n, r)}${temps(body)}
${FLOCALS}${filterLoops(indent(body, "        "))}  )
`,
  );

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
      (i, q, e) => `(v128.store ${tapAt("(i32.add (local.get $dW) (local.get $o))", r * i + q)} ${e})`,
    ),
  );
  out.push(
    `;; dW [${r}, ${r}, C, K] = Gᵀ S G of S [${n * n}][C][K] (S_ξ = Σ_t V_ξ[t, c] · D_ξ[t, k]), for c in [c0, c1).
  (func (export "transform_filter_gradient") (param $S i32) (param $dW i32) (param $c i32) (param $k i32)
                                             (param $c0 i32) (param $c1 i32)
${FDECL}    ${decl("s", n, n)}
    ${decl("e", r, n)}${temps(body)}
${FLOCALS}${filterLoops(indent(body, "        "))}  )
`,
  );
  out.push(")\n");
  return out.join("\n");
}

/** The generated file of a tile, in lib/wasm/. */
export const winogradFile = (tile: WinogradTile) => `winograd_${tile}.wat`;

if (import.meta.main) {
  for (const tile of Object.keys(WINOGRAD_TILES) as WinogradTile[]) {
    Deno.writeTextFileSync(new URL(winogradFile(tile), import.meta.url), winogradWat(tile));
  }
}
