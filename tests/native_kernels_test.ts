/**
 * The native engine's WebAssembly kernels against plain TypeScript references, on sizes that hit
 * every blocked path and remainder (rows mod 4 and 2, columns mod 16 and 8, inner size mod 4).
 */
import assert from "node:assert/strict";
import { adamScalars, adamStep, Engine } from "../lib/native/engine.ts";
import type { FloatBuffer } from "../lib/wasm/arena.ts";
import { Rng } from "../lib/random/rng.ts";
import { compileWat, expandRepeats, type Gemm } from "../lib/wasm/instantiate_wat.ts";
import { assertScaledClose } from "./_helpers/numeric.ts";

const engine = await Engine.create();
const rng = new Rng("native-kernels");

function random(n: number): FloatBuffer {
  const b = engine.arena.floats(n);
  for (let i = 0; i < n; i++) b.f[i] = rng.uniform(-1, 1);
  return b;
}

/**
 * C[M×N] = Σ_k A(i,k)·B(k,j) with A(i,k) = a[i·sai + k·sak] and B(k,j) = b[k·sbk + j·sbj], in
 * float64, with each entry's Σ_k |A(i,k)·B(k,j)|: float32 summation in any order stays within
 * K·2⁻²⁴ of that magnitude (Higham, Accuracy and Stability of Numerical Algorithms, §3.1), while a
 * cancelling sum can be tiny, so the magnitude, not the value, scales the tolerance.
 */
function reference(
  a: Float32Array,
  sai: number,
  sak: number,
  b: Float32Array,
  sbk: number,
  sbj: number,
  M: number,
  K: number,
  N: number,
) {
  const value = new Float64Array(M * N), magnitude = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0, m = 0;
      for (let k = 0; k < K; k++) {
        const t = a[i * sai + k * sak] * b[k * sbk + j * sbj];
        s += t;
        m += Math.abs(t);
      }
      value[i * N + j] = s;
      magnitude[i * N + j] = m;
    }
  }
  return { value, magnitude, K };
}

function assertProduct(got: Float32Array, want: ReturnType<typeof reference>, label: string) {
  const bound = (want.K + 1) * 2 ** -24;
  want.value.forEach((v, i) => {
    const err = Math.abs(got[i] - v);
    if (err > bound * want.magnitude[i]) {
      assert.fail(`${label}: entry ${i} is ${got[i]}, want ${v} (error ${err.toExponential(2)} > K·2⁻²⁴·Σ|ab|)`);
    }
  });
}

Deno.test("unrolled matrix products (;; repeat) give the same bits as the plain loops they expand", async () => {
  const source = await Deno.readTextFile(new URL("../lib/wasm/gemm.wat", import.meta.url));
  assert.notEqual(expandRepeats(source), source, "gemm.wat has no ;; repeat blocks to check");
  const [plain, unrolled] = await Promise.all(
    [source, expandRepeats(source)].map(async (text) =>
      new WebAssembly.Instance(await compileWat("gemm.wat", text), { env: { memory: engine.arena.memory } })
        .exports as unknown as Gemm
    ),
  );
  for (const [M, K, N] of [[9, 17, 33], [4, 8, 16], [2, 431, 96], [32, 96, 37], [5, 3, 8]]) {
    const a = random(M * K), b = random(K * N), dy = random(M * N);
    const outs = [plain, unrolled].map((g) => {
      const c = engine.arena.floats(M * N), ct = engine.arena.floats(K * N), d = engine.arena.floats(M * K);
      g.gemm_nb(a.ptr, K, 1, b.ptr, c.ptr, M, K, N); // A·B
      g.gemm_nb(a.ptr, 1, K, dy.ptr, ct.ptr, K, M, N); // Aᵀ·dy
      g.gemm_nt(dy.ptr, b.ptr, d.ptr, M, N, K); // dy·Bᵀ with B read as [K×N]
      return [c, ct, d].map((x) => new Uint32Array(x.f.slice().buffer));
    });
    outs[0].forEach((bits, i) => assert.deepEqual(outs[1][i], bits, `product ${i} of ${M}×${K}×${N}`));
  }
});

Deno.test("transpose: every block and remainder lands where xᵀ says", () => {
  for (const [R, C] of [[1, 1], [3, 5], [4, 4], [8, 12], [9, 7], [432, 96], [25, 6]]) {
    const x = random(R * C), xt = engine.arena.floats(R * C);
    engine.transpose(x, xt, R, C);
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) assert.equal(xt.f[j * R + i], x.f[i * C + j], `${R}×${C} at (${i}, ${j})`);
    }
  }
});

Deno.test("matrix products (A·B, Aᵀ·B, A·Bᵀ) match a plain triple loop on every remainder path", () => {
  for (const M of [1, 2, 3, 4, 5, 7, 9]) {
    for (const N of [1, 3, 8, 15, 16, 17, 33]) {
      for (const K of [1, 3, 4, 5, 6, 8, 11, 17]) {
        const a = random(M * K), b = random(K * N), c = engine.arena.floats(M * N);
        engine.matMul(a, b, c, M, K, N);
        assertProduct(c.f, reference(a.f, K, 1, b.f, N, 1, M, K, N), `A·B ${M}×${K}×${N}`);
        // Aᵀ·B: x [K×M] is the stored matrix, the product is [M×N] = xᵀ·b.
        engine.matMulTransposeA(a, b, c, K, M, N);
        assertProduct(c.f, reference(a.f, 1, M, b.f, N, 1, M, K, N), `Aᵀ·B ${M}×${K}×${N}`);
        // A·Bᵀ: dy [M×N]·W[K×N]ᵀ → [M×K].
        const dy = random(M * N), out = engine.arena.floats(M * K);
        engine.matMulTransposeB(dy, b, out, M, K, N);
        assertProduct(out.f, reference(dy.f, N, 1, b.f, 1, N, M, N, K), `A·Bᵀ ${M}×${N}×${K}`);
      }
    }
  }
});

Deno.test("im2col matches its definition, and col2im is its adjoint: ⟨im2col(x), P⟩ = ⟨x, col2im(P)⟩", () => {
  for (
    const [h, c, k, s, p] of [[6, 1, 3, 1, 0], [14, 1, 5, 1, 0], [7, 3, 3, 2, 1], [5, 4, 2, 1, 1], [9, 6, 5, 2, 2]]
  ) {
    const rows = 2, oh = Math.floor((h + 2 * p - k) / s) + 1, patch = k * k * c;
    const x = random(rows * h * h * c), P = random(rows * oh * oh * patch);
    const cols = engine.arena.floats(rows * oh * oh * patch + 4), back = engine.arena.floats(rows * h * h * c);
    engine.im2col.im2col(x.ptr, cols.ptr, rows, h, h, c, k, s, p, oh, oh, 0);
    let o = 0;
    for (let r = 0; r < rows; r++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < oh; ox++) {
          for (let ky = 0; ky < k; ky++) {
            for (let kx = 0; kx < k; kx++) {
              for (let ci = 0; ci < c; ci++, o++) {
                const iy = oy * s + ky - p, ix = ox * s + kx - p;
                const inside = iy >= 0 && iy < h && ix >= 0 && ix < h;
                assert.equal(cols.f[o], inside ? x.f[((r * h + iy) * h + ix) * c + ci] : 0, `h${h} k${k} entry ${o}`);
              }
            }
          }
        }
      }
    }
    engine.im2col.im2col(back.ptr, P.ptr, rows, h, h, c, k, s, p, oh, oh, 1);
    let lhs = 0, rhs = 0;
    for (let i = 0; i < rows * oh * oh * patch; i++) lhs += cols.f[i] * P.f[i];
    for (let i = 0; i < back.length; i++) rhs += x.f[i] * back.f[i];
    assert.ok(Math.abs(lhs - rhs) <= 1e-5 * Math.abs(lhs), `h${h} c${c} k${k} s${s} p${p}: ${lhs} vs ${rhs}`);
  }
});

Deno.test("im2col_taps is im2col with the taps outermost, and col2im_taps its adjoint, on the run path and at borders and strides", () => {
  const cases = [[14, 3, 1, 0], [14, 5, 1, 0], [7, 5, 1, 1], [9, 2, 1, 1], [9, 3, 2, 1], [6, 3, 2, 0], [5, 4, 1, 3], [
    8,
    2,
    2,
    0,
  ]];
  for (const c of [1, 3, 8]) {
    for (const [h, k, s, p] of cases) {
      const rows = 3, oh = Math.floor((h + 2 * p - k) / s) + 1, R = rows * oh * oh, K = k * k;
      const label = `c${c} h${h} k${k} s${s} p${p}`;
      const x = random(rows * h * h * c);
      const cols = engine.arena.floats(R * K * c + 4), taps = random(R * K * c + 4); // random: every entry must be written
      engine.im2col.im2col(x.ptr, cols.ptr, rows, h, h, c, k, s, p, oh, oh, 0);
      engine.im2col.im2col_taps(x.ptr, taps.ptr, rows, h, h, c, k, s, p, oh, oh);
      for (let i = 0; i < R; i++) {
        for (let t = 0; t < K; t++) {
          for (let ch = 0; ch < c; ch++) {
            assert.equal(taps.f[(t * R + i) * c + ch], cols.f[(i * K + t) * c + ch], `${label} (${i}, ${t}, ${ch})`);
          }
        }
      }
      // ⟨im2col_taps(x), P⟩ = ⟨x, col2im_taps(P)⟩
      const P = random(R * K * c), back = engine.arena.floats(rows * h * h * c);
      back.f.fill(0, 0, rows * h * h * c);
      engine.im2col.col2im_taps(back.ptr, P.ptr, rows, h, h, c, k, s, p, oh, oh);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < R * K * c; i++) lhs += taps.f[i] * P.f[i];
      for (let i = 0; i < rows * h * h * c; i++) rhs += x.f[i] * back.f[i];
      assert.ok(Math.abs(lhs - rhs) <= 1e-5 * Math.abs(lhs), `${label}: ${lhs} vs ${rhs}`);
    }
  }
});

Deno.test("max pooling: values and first-maximum positions, scalar and 4-channel kernels alike", () => {
  for (const [c, k] of [[3, 2], [4, 2], [8, 3], [5, 3]]) {
    const rows = 2, h = 7, oh = Math.floor(h / k), n = rows * oh * oh * c;
    const x = random(rows * h * h * c);
    x.f[0] = x.f[c]; // a tie inside the first window: the first position must win
    const y = engine.arena.floats(n), arg = engine.arena.floats(n);
    const kernel = c % 4 === 0 ? engine.pointwise.max_pool4 : engine.pointwise.max_pool;
    kernel(x.ptr, y.ptr, arg.ptr, rows, h, h, c, k);
    let o = 0;
    for (let r = 0; r < rows; r++) {
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < oh; ox++) {
          for (let ci = 0; ci < c; ci++, o++) {
            let best = -Infinity, at = -1;
            for (let ky = 0; ky < k; ky++) {
              for (let kx = 0; kx < k; kx++) {
                const i = ((r * h + oy * k + ky) * h + ox * k + kx) * c + ci;
                if (x.f[i] > best) (best = x.f[i]), (at = i);
              }
            }
            assert.equal(y.f[o], best);
            assert.equal(arg.ints[o], at, `c${c} k${k} output ${o}`);
          }
        }
      }
    }
  }
});

Deno.test("leaky ReLU, dropout multiply, bias add and column sums match their definitions", () => {
  const rows = 3, n = 7, x = random(rows * n), dy = random(rows * n), y = engine.arena.floats(rows * n);
  const slope = 0.01;
  engine.pointwise.leaky_relu(x.ptr, y.ptr, rows * n, slope);
  x.f.forEach((v, i) => assert.equal(y.f[i], v > 0 ? v : Math.fround(Math.fround(slope) * v)));
  engine.pointwise.leaky_relu_backward(x.ptr, dy.ptr, y.ptr, rows * n, slope);
  x.f.forEach((v, i) => assert.equal(y.f[i], v > 0 ? dy.f[i] : Math.fround(Math.fround(slope) * dy.f[i])));
  engine.pointwise.multiply(x.ptr, dy.ptr, y.ptr, rows * n);
  x.f.forEach((v, i) => assert.equal(y.f[i], Math.fround(v * dy.f[i])));
  const b = random(n), before = Float32Array.from(x.f);
  engine.pointwise.add_bias(x.ptr, b.ptr, rows, n);
  before.forEach((v, i) => assert.equal(x.f[i], Math.fround(v + b.f[i % n])));
  const sums = engine.arena.floats(n);
  engine.pointwise.column_sums(dy.ptr, sums.ptr, rows, n);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(sums.f[j] - (dy.f[j] + dy.f[n + j] + dy.f[2 * n + j])) < 1e-6);
});

Deno.test("fused Adam equals Algorithm 1 of Kingma & Ba (PyTorch's ε) over several steps", () => {
  const n = 11, lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
  const buf = { p: random(n), g: random(n), m: engine.arena.floats(n), v: engine.arena.floats(n) };
  const p = Float64Array.from(buf.p.f), m = new Float64Array(n), v = new Float64Array(n);
  for (let t = 1; t <= 5; t++) {
    for (let i = 0; i < n; i++) buf.g.f[i] = rng.uniform(-1, 1);
    adamStep(engine, buf, adamScalars(t, lr));
    for (let i = 0; i < n; i++) {
      const g = buf.g.f[i];
      m[i] = b1 * m[i] + (1 - b1) * g;
      v[i] = b2 * v[i] + (1 - b2) * g * g;
      p[i] -= lr * (m[i] / (1 - b1 ** t)) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
    }
  }
  assertScaledClose(buf.p.f, p, 1e-6, "parameters");
  assertScaledClose(buf.m.f, m, 1e-6, "first moments");
  assertScaledClose(buf.v.f, v, 1e-6, "second moments");
});

Deno.test("fused dense backward + Adam = gradient (xᵀ·dy), dx (dy·Wᵀ) and the flat Adam step, one and two rows", () => {
  for (const R of [1, 2]) {
    // [3, 1] and [11, 1] go through linear_adam_column (both of its loops), the rest through linear_adam
    for (const [inF, outF] of [[5, 8], [7, 10], [3, 1], [11, 1], [6, 13]]) {
      const x = random(R * inF), dy = random(R * outF), w = random(inF * outF);
      const m = random(inF * outF), v = random(inF * outF);
      for (let i = 0; i < v.length; i++) v.f[i] = Math.abs(v.f[i]);
      const scalars = adamScalars(3, 1e-2);
      // unfused: gradient and dx from the matrix kernels, then the flat Adam pass, on copies
      const copy = (b: FloatBuffer) => {
        const c = engine.arena.floats(b.length);
        c.f.set(b.f);
        return c;
      };
      const [w2, m2, v2] = [copy(w), copy(m), copy(v)];
      const g = engine.arena.floats(inF * outF), dx = engine.arena.floats(R * inF), dx2 = engine.arena.floats(R * inF);
      engine.matMulTransposeA(x, dy, g, R, inF, outF);
      engine.matMulTransposeB(dy, w2, dx2, R, inF, outF);
      // the flat kernel works 4 at a time: give it padded copies
      const n4 = Math.ceil((inF * outF) / 4) * 4;
      const pad = (b: FloatBuffer) => {
        const c = engine.arena.floats(n4);
        c.f.set(b.f);
        return c;
      };
      const flat = { p: pad(w2), g: pad(g), m: pad(m2), v: pad(v2) };
      adamStep(engine, flat, scalars);
      const kernel = engine.adamKernel;
      if (outF === 1) kernel.linear_adam_column(x.ptr, dy.ptr, w.ptr, m.ptr, v.ptr, dx.ptr, R, inF, ...scalars);
      else kernel.linear_adam(x.ptr, dy.ptr, w.ptr, m.ptr, v.ptr, dx.ptr, R, inF, outF, ...scalars);
      const label = `R ${R} ${inF}→${outF}`;
      assert.deepEqual(Array.from(w.f), Array.from(flat.p.f.subarray(0, inF * outF)), `${label} weights`);
      assert.deepEqual(Array.from(m.f), Array.from(flat.m.f.subarray(0, inF * outF)), `${label} m`);
      assert.deepEqual(Array.from(v.f), Array.from(flat.v.f.subarray(0, inF * outF)), `${label} v`);
      assertScaledClose(dx.f, dx2.f, 1e-6, `${label} dx`);
    }
  }
});
