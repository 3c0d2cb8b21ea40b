;; Batch normalisation in training mode over the rows of x [rows, c] (every axis but the channels),
;; four channels at a time (c a multiple of 4), with x̂ = (x − μ)·r, r = 1/√(σ² + ε) (Ioffe & Szegedy
;; 2015, Algorithm 1; σ² the biased batch variance):
;;   forward:  μ, σ², r per channel, then y = x̂·γ + β                                   (3 passes)
;;   backward: ∂β = Σ dy, ∂γ = Σ dy·x̂, then ∂x = γ·r·(dy − ∂β/m − x̂·∂γ/m), m = rows   (2 passes)
;; and at inference, with the running statistics, y in one pass,
;; where tensor ops spend a pass per operation (about 5 forward and 9 backward). Per-channel sums
;; run in two levels: blocks of 128 rows summed apart (block_sums, block_grad_sums: one block's
;; sum per row of P, any range of blocks, so threads can share them out), then the block sums
;; added in order (combine); rounding error grows with 128 + rows/128 rather than with rows, and
;; the sums are the same whichever thread summed which blocks. The passes over rows (normalize,
;; grad_input) take any range of rows.
(module
  (import "env" "memory" (memory 1))

  ;; P[b][ch] = Σ_{r in block b} f(x[r, ch]) for blocks [b0, b1), f(v) = v, or (v − centre[ch])²
  ;; when centre ≠ 0.
  (func (export "block_sums") (param $x i32) (param $centre i32) (param $P i32) (param $rows i32) (param $c i32)
                              (param $b0 i32) (param $b1 i32)
    (local $r i32) (local $end i32) (local $last i32) (local $ch i32) (local $cb i32) (local $row i32) (local $p i32)
    (local $v v128)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $r (i32.shl (local.get $b0) (i32.const 7)))
    (local.set $last (i32.shl (local.get $b1) (i32.const 7)))
    (if (i32.gt_u (local.get $last) (local.get $rows)) (then (local.set $last (local.get $rows))))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $r) (local.get $last)))
      (local.set $end (i32.add (local.get $r) (i32.const 128)))
      (if (i32.gt_u (local.get $end) (local.get $last)) (then (local.set $end (local.get $last))))
      (local.set $p (i32.add (local.get $P) (i32.mul (i32.shr_u (local.get $r) (i32.const 7)) (local.get $cb))))
      (memory.fill (local.get $p) (i32.const 0) (local.get $cb))
      (block $block_done (loop $rowsl
        (br_if $block_done (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $row (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $cb))))
        (local.set $ch (i32.const 0))
        (block $c_done (loop $cl
          (br_if $c_done (i32.ge_u (local.get $ch) (local.get $cb)))
          (local.set $v (v128.load (i32.add (local.get $row) (local.get $ch))))
          (if (local.get $centre) (then
            (local.set $v (f32x4.sub (local.get $v) (v128.load (i32.add (local.get $centre) (local.get $ch)))))
            (local.set $v (f32x4.mul (local.get $v) (local.get $v)))))
          (v128.store (i32.add (local.get $p) (local.get $ch))
            (f32x4.add (v128.load (i32.add (local.get $p) (local.get $ch))) (local.get $v)))
          (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
          (br $cl)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsl)))
      (br $blocks)))
  )

  ;; sum[ch] = Σ_b P[b][ch] over `blocks` rows of P, `stride` floats apart, added in order; then
  ;; sum ·= 1/m when m ≠ 0.
  (func (export "combine") (param $P i32) (param $stride i32) (param $blocks i32) (param $sum i32) (param $c i32)
                           (param $m i32)
    (local $b i32) (local $ch i32) (local $cb i32) (local $p i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (memory.fill (local.get $sum) (i32.const 0) (local.get $cb))
    (block $done (loop $bl
      (br_if $done (i32.ge_u (local.get $b) (local.get $blocks)))
      (local.set $p (i32.add (local.get $P) (i32.shl (i32.mul (local.get $b) (local.get $stride)) (i32.const 2))))
      (local.set $ch (i32.const 0))
      (block $add_done (loop $addl
        (br_if $add_done (i32.ge_u (local.get $ch) (local.get $cb)))
        (v128.store (i32.add (local.get $sum) (local.get $ch))
          (f32x4.add (v128.load (i32.add (local.get $sum) (local.get $ch))) (v128.load (i32.add (local.get $p) (local.get $ch)))))
        (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
        (br $addl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl)))
    (if (local.get $m) (then
      (local.set $ch (i32.const 0))
      (block $scaled (loop $sl
        (br_if $scaled (i32.ge_u (local.get $ch) (local.get $cb)))
        (v128.store (i32.add (local.get $sum) (local.get $ch))
          (f32x4.mul (v128.load (i32.add (local.get $sum) (local.get $ch)))
            (f32x4.splat (f32.div (f32.const 1) (f32.convert_i32_u (local.get $m))))))
        (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
        (br $sl)))))
  )

  ;; rstd = 1/√(σ² + ε) and scale = rstd·γ per channel.
  (func (export "statistics") (param $variance i32) (param $gamma i32) (param $rstd i32) (param $scale i32)
                              (param $c i32) (param $eps f32)
    (local $ch i32) (local $cb i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $ch) (local.get $cb)))
      (v128.store (i32.add (local.get $rstd) (local.get $ch)) (f32x4.div (v128.const f32x4 1 1 1 1)
        (f32x4.sqrt (f32x4.add (v128.load (i32.add (local.get $variance) (local.get $ch))) (f32x4.splat (local.get $eps))))))
      (v128.store (i32.add (local.get $scale) (local.get $ch)) (f32x4.mul
        (v128.load (i32.add (local.get $rstd) (local.get $ch))) (v128.load (i32.add (local.get $gamma) (local.get $ch)))))
      (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
      (br $rl)))
  )

  ;; y = (x − μ)·scale + β for rows [r0, r1).
  (func (export "normalize") (param $x i32) (param $mean i32) (param $scale i32) (param $beta i32) (param $y i32)
                             (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $cb i32) (local $p i32) (local $end i32) (local $q i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $p (i32.mul (local.get $r0) (local.get $cb)))
    (local.set $end (i32.mul (local.get $r1) (local.get $cb)))
    (block $y_done (loop $yl
      (br_if $y_done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $q (i32.const 0))
      (block $c_done (loop $cl
        (br_if $c_done (i32.ge_u (local.get $q) (local.get $cb)))
        (v128.store (i32.add (local.get $y) (i32.add (local.get $p) (local.get $q))) (f32x4.add
          (f32x4.mul
            (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $q)))) (v128.load (i32.add (local.get $mean) (local.get $q))))
            (v128.load (i32.add (local.get $scale) (local.get $q))))
          (v128.load (i32.add (local.get $beta) (local.get $q)))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $cl)))
      (local.set $p (i32.add (local.get $p) (local.get $cb)))
      (br $yl)))
  )

  ;; Per block b of [b0, b1): P[b][0, c) = Σ dy, P[b][c, 2c) = Σ dy·x̂ (rows of P 2c floats apart).
  (func (export "block_grad_sums") (param $dy i32) (param $x i32) (param $mean i32) (param $rstd i32) (param $P i32)
                                   (param $rows i32) (param $c i32) (param $b0 i32) (param $b1 i32)
    (local $r i32) (local $end i32) (local $last i32) (local $cb i32) (local $p i32) (local $q i32)
    (local $g v128) (local $xhat v128) (local $pb i32) (local $pg i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $r (i32.shl (local.get $b0) (i32.const 7)))
    (local.set $last (i32.shl (local.get $b1) (i32.const 7)))
    (if (i32.gt_u (local.get $last) (local.get $rows)) (then (local.set $last (local.get $rows))))
    (block $done (loop $blocks
      (br_if $done (i32.ge_u (local.get $r) (local.get $last)))
      (local.set $end (i32.add (local.get $r) (i32.const 128)))
      (if (i32.gt_u (local.get $end) (local.get $last)) (then (local.set $end (local.get $last))))
      (local.set $pb (i32.add (local.get $P) (i32.shl (i32.mul (i32.shr_u (local.get $r) (i32.const 7)) (local.get $cb)) (i32.const 1))))
      (local.set $pg (i32.add (local.get $pb) (local.get $cb)))
      (memory.fill (local.get $pb) (i32.const 0) (i32.shl (local.get $cb) (i32.const 1)))
      (block $block_done (loop $rowsl
        (br_if $block_done (i32.ge_u (local.get $r) (local.get $end)))
        (local.set $p (i32.mul (local.get $r) (local.get $cb)))
        (local.set $q (i32.const 0))
        (block $c_done (loop $cl
          (br_if $c_done (i32.ge_u (local.get $q) (local.get $cb)))
          (local.set $g (v128.load (i32.add (local.get $dy) (i32.add (local.get $p) (local.get $q)))))
          (local.set $xhat (f32x4.mul
            (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $q)))) (v128.load (i32.add (local.get $mean) (local.get $q))))
            (v128.load (i32.add (local.get $rstd) (local.get $q)))))
          (v128.store (i32.add (local.get $pb) (local.get $q))
            (f32x4.add (v128.load (i32.add (local.get $pb) (local.get $q))) (local.get $g)))
          (v128.store (i32.add (local.get $pg) (local.get $q))
            (f32x4.add (v128.load (i32.add (local.get $pg) (local.get $q))) (f32x4.mul (local.get $g) (local.get $xhat))))
          (local.set $q (i32.add (local.get $q) (i32.const 16)))
          (br $cl)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowsl)))
      (br $blocks)))
  )

  ;; ∂x = ((dy − ∂β/m) − x̂·∂γ/m)·(γ·r) for rows [r0, r1), from ∂β and ∂γ (m = rows).
  (func (export "grad_input") (param $dy i32) (param $x i32) (param $mean i32) (param $rstd i32) (param $gamma i32)
                              (param $dbeta i32) (param $dgamma i32) (param $dx i32) (param $means i32)
                              (param $rows i32) (param $c i32) (param $r0 i32) (param $r1 i32)
    (local $cb i32) (local $p i32) (local $q i32) (local $end i32) (local $xhat v128) (local $inv v128) (local $mg i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    ;; means ← ∂β/m, then ∂γ/m (each thread its own copy: 2c floats)
    (local.set $mg (i32.add (local.get $means) (local.get $cb)))
    (local.set $inv (f32x4.splat (f32.div (f32.const 1) (f32.convert_i32_u (local.get $rows)))))
    (block $m_done (loop $ml
      (br_if $m_done (i32.ge_u (local.get $q) (local.get $cb)))
      (v128.store (i32.add (local.get $means) (local.get $q)) (f32x4.mul (v128.load (i32.add (local.get $dbeta) (local.get $q))) (local.get $inv)))
      (v128.store (i32.add (local.get $mg) (local.get $q)) (f32x4.mul (v128.load (i32.add (local.get $dgamma) (local.get $q))) (local.get $inv)))
      (local.set $q (i32.add (local.get $q) (i32.const 16)))
      (br $ml)))
    (local.set $p (i32.mul (local.get $r0) (local.get $cb)))
    (local.set $end (i32.mul (local.get $r1) (local.get $cb)))
    (block $x_done (loop $xl
      (br_if $x_done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $q (i32.const 0))
      (block $c2_done (loop $c2l
        (br_if $c2_done (i32.ge_u (local.get $q) (local.get $cb)))
        (local.set $xhat (f32x4.mul
          (f32x4.sub (v128.load (i32.add (local.get $x) (i32.add (local.get $p) (local.get $q)))) (v128.load (i32.add (local.get $mean) (local.get $q))))
          (v128.load (i32.add (local.get $rstd) (local.get $q)))))
        (v128.store (i32.add (local.get $dx) (i32.add (local.get $p) (local.get $q)))
          (f32x4.mul
            (f32x4.sub
              (f32x4.sub (v128.load (i32.add (local.get $dy) (i32.add (local.get $p) (local.get $q)))) (v128.load (i32.add (local.get $means) (local.get $q))))
              (f32x4.mul (local.get $xhat) (v128.load (i32.add (local.get $mg) (local.get $q)))))
            (f32x4.mul (v128.load (i32.add (local.get $gamma) (local.get $q))) (v128.load (i32.add (local.get $rstd) (local.get $q))))))
        (local.set $q (i32.add (local.get $q) (i32.const 16)))
        (br $c2l)))
      (local.set $p (i32.add (local.get $p) (local.get $cb)))
      (br $xl)))
  )

  ;; Inference: y = β + (x − μ)·γ / √(σ² + ε) with the running statistics, four channels at a time,
  ;; in the float ops and order of tfjs-wasm's FusedBatchNorm (a scalar loop with four index
  ;; wrap-arounds per element), so bit-identical to it. `nf` holds c floats of scratch.
  (func (export "inference") (param $x i32) (param $mean i32) (param $variance i32) (param $gamma i32)
                             (param $beta i32) (param $y i32) (param $nf i32) (param $rows i32) (param $c i32)
                             (param $eps f32)
    (local $r i32) (local $ch i32) (local $cb i32) (local $row i32) (local $end i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (block $nf_done (loop $nfl
      (br_if $nf_done (i32.ge_u (local.get $ch) (local.get $cb)))
      (v128.store (i32.add (local.get $nf) (local.get $ch)) (f32x4.sqrt (f32x4.add
        (v128.load (i32.add (local.get $variance) (local.get $ch))) (f32x4.splat (local.get $eps)))))
      (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
      (br $nfl)))
    (local.set $end (i32.add (local.get $x) (i32.mul (local.get $rows) (local.get $cb))))
    (local.set $row (local.get $x))
    (block $done (loop $rl
      (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
      (local.set $ch (i32.const 0))
      (block $c_done (loop $cl
        (br_if $c_done (i32.ge_u (local.get $ch) (local.get $cb)))
        (v128.store (local.get $y) (f32x4.add (v128.load (i32.add (local.get $beta) (local.get $ch)))
          (f32x4.div
            (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $row) (local.get $ch)))
                                  (v128.load (i32.add (local.get $mean) (local.get $ch))))
                       (v128.load (i32.add (local.get $gamma) (local.get $ch))))
            (v128.load (i32.add (local.get $nf) (local.get $ch))))))
        (local.set $y (i32.add (local.get $y) (i32.const 16)))
        (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
        (br $cl)))
      (local.set $row (i32.add (local.get $row) (local.get $cb)))
      (br $rl)))
  )
)
