;; Element-wise passes of every layer's training step, for tensors on tfjs' heap (any size: the
;; last n mod 4 floats take a scalar loop). tfjs-wasm broadcasts a bias through a generic indexed
;; loop, reduces leading axes through a transposed copy, builds ReLU's gradient from three kernels
;; (Step, Cast, Multiply), and runs Maximum, Minimum, Equal and Sign an order of magnitude slower
;; than a multiply; each of these is one pass here, with the same float ops.
(module
  (import "env" "memory" (memory 1))

  ;; y[r, j] = x[r, j] + b[j] for rows × n: a bias over the last axis (one float32 add, as tfjs' Add).
  (func (export "add_rows") (param $x i32) (param $b i32) (param $y i32) (param $rows i32) (param $n i32)
    (local $r i32) (local $j i32) (local $row i32) (local $vec i32)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $row) (i32.const -16)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (block $v_done (loop $vl
        (br_if $v_done (i32.ge_u (local.get $j) (local.get $vec)))
        (v128.store (i32.add (local.get $y) (local.get $j))
          (f32x4.add (v128.load (i32.add (local.get $x) (local.get $j))) (v128.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vl)))
      (block $s_done (loop $sl
        (br_if $s_done (i32.ge_u (local.get $j) (local.get $row)))
        (f32.store (i32.add (local.get $y) (local.get $j))
          (f32.add (f32.load (i32.add (local.get $x) (local.get $j))) (f32.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $sl)))
      (local.set $x (i32.add (local.get $x) (local.get $row)))
      (local.set $y (i32.add (local.get $y) (local.get $row)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; out[j] = Σ_r x[r, j] (times scale when mean ≠ 0) for rows × n: the sum over leading axes of a
  ;; bias gradient or a per-channel moment. Rows are added in order in float64 (acc: n doubles of
  ;; scratch) and rounded once, so the sum is at least as accurate as a float32 loop.
  (func (export "column_sums") (param $x i32) (param $acc i32) (param $out i32) (param $rows i32) (param $n i32)
                               (param $mean i32) (param $scale f64)
    (local $r i32) (local $j i32) (local $row i32) (local $vec i32) (local $v v128) (local $a i32) (local $total f64)
    (local.set $row (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $row) (i32.const -16)))
    (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $n) (i32.const 3)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $j (i32.const 0))
      (local.set $a (local.get $acc))
      (block $v_done (loop $vl
        (br_if $v_done (i32.ge_u (local.get $j) (local.get $vec)))
        (local.set $v (v128.load (i32.add (local.get $x) (local.get $j))))
        (v128.store offset=0 (local.get $a)
          (f64x2.add (v128.load offset=0 (local.get $a)) (f64x2.promote_low_f32x4 (local.get $v))))
        (v128.store offset=16 (local.get $a)
          (f64x2.add (v128.load offset=16 (local.get $a))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vl)))
      (block $s_done (loop $sl
        (br_if $s_done (i32.ge_u (local.get $j) (local.get $row)))
        (f64.store (local.get $a)
          (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $j))))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $sl)))
      (local.set $x (i32.add (local.get $x) (local.get $row)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
    (local.set $j (i32.const 0))
    (block $o_done (loop $ol
      (br_if $o_done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $total (f64.load (i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 3)))))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2)))
        (f32.demote_f64 (select (f64.mul (local.get $total) (local.get $scale)) (local.get $total) (local.get $mean))))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $ol)))
  )

  ;; dx = dy · step(x) with tfjs' step: 1 where x > 0, NaN where x is NaN, else 0 — ReLU's gradient
  ;; (tfjs: dy · cast(step(x))), the same product bit for bit.
  (func (export "relu_grad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vec i32) (local $v v128) (local $s f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      (v128.store (i32.add (local.get $dx) (local.get $i))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $i)))
          (v128.or
            (v128.and (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)) (v128.const f32x4 1 1 1 1))
            (v128.and (f32x4.ne (local.get $v) (local.get $v)) (local.get $v)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $s (f32.load (i32.add (local.get $x) (local.get $i))))
      (f32.store (i32.add (local.get $dx) (local.get $i))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $i)))
          (select (f32.const 1) (select (local.get $s) (f32.const 0) (f32.ne (local.get $s) (local.get $s)))
            (f32.gt (local.get $s) (f32.const 0)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))
  )

  ;; Max pooling by hand (lib/scratch/pool.ts) over K window elements (tap t: n floats at taps + 4·t·n):
  ;; y = the taps' running maximum in order (pmax, as Maximum), masks[t] = 1 where tap t is the first
  ;; equal to y, and the last mask 1 where no earlier tap is (as the composition's "unclaimed").
  (func (export "first_max_masks") (param $taps i32) (param $y i32) (param $masks i32) (param $K i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vec i32) (local $t i32) (local $stride i32) (local $at i32)
    (local $m v128) (local $claimed v128) (local $eq v128) (local $ms f32) (local $cs i32) (local $es i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (local.set $stride (local.get $end))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (local.set $m (v128.load (i32.add (local.get $taps) (local.get $i))))
      (local.set $t (i32.const 1))
      (local.set $at (i32.add (i32.add (local.get $taps) (local.get $i)) (local.get $stride)))
      (block $m_done (loop $ml
        (br_if $m_done (i32.ge_u (local.get $t) (local.get $K)))
        (local.set $m (f32x4.pmax (local.get $m) (v128.load (local.get $at))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ml)))
      (v128.store (i32.add (local.get $y) (local.get $i)) (local.get $m))
      (local.set $claimed (v128.const i32x4 0 0 0 0))
      (local.set $t (i32.const 0))
      (local.set $at (local.get $i))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $t) (i32.sub (local.get $K) (i32.const 1))))
        (local.set $eq (f32x4.eq (v128.load (i32.add (local.get $taps) (local.get $at))) (local.get $m)))
        (v128.store (i32.add (local.get $masks) (local.get $at))
          (v128.and (v128.andnot (local.get $eq) (local.get $claimed)) (v128.const f32x4 1 1 1 1)))
        (local.set $claimed (v128.or (local.get $claimed) (local.get $eq)))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $kl)))
      (v128.store (i32.add (local.get $masks) (local.get $at))
        (v128.andnot (v128.const f32x4 1 1 1 1) (local.get $claimed)))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $ms (f32.load (i32.add (local.get $taps) (local.get $i))))
      (local.set $t (i32.const 1))
      (local.set $at (i32.add (i32.add (local.get $taps) (local.get $i)) (local.get $stride)))
      (block $m_done (loop $ml
        (br_if $m_done (i32.ge_u (local.get $t) (local.get $K)))
        (local.set $ms (select (f32.load (local.get $at)) (local.get $ms) (f32.lt (local.get $ms) (f32.load (local.get $at)))))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $ml)))
      (f32.store (i32.add (local.get $y) (local.get $i)) (local.get $ms))
      (local.set $cs (i32.const 0))
      (local.set $t (i32.const 0))
      (local.set $at (local.get $i))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $t) (i32.sub (local.get $K) (i32.const 1))))
        (local.set $es (f32.eq (f32.load (i32.add (local.get $taps) (local.get $at))) (local.get $ms)))
        (f32.store (i32.add (local.get $masks) (local.get $at))
          (f32.convert_i32_u (i32.and (local.get $es) (i32.eqz (local.get $cs)))))
        (local.set $cs (i32.or (local.get $cs) (local.get $es)))
        (local.set $at (i32.add (local.get $at) (local.get $stride)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $kl)))
      (f32.store (i32.add (local.get $masks) (local.get $at)) (f32.convert_i32_u (i32.eqz (local.get $cs))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))
  )

  ;; out[t] = masks[t] · dy for the K masks of first_max_masks (n floats each): the gradient of each
  ;; window element, tap-major, for col2im_taps.
  (func (export "masked_taps") (param $masks i32) (param $dy i32) (param $out i32) (param $K i32) (param $n i32)
    (local $i i32) (local $t i32) (local $end i32) (local $vec i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (block $t_done (loop $tl
      (br_if $t_done (i32.ge_u (local.get $t) (local.get $K)))
      (local.set $i (i32.const 0))
      (block $v_done (loop $vl
        (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
        (v128.store (i32.add (local.get $out) (local.get $i))
          (f32x4.mul (v128.load (i32.add (local.get $masks) (local.get $i))) (v128.load (i32.add (local.get $dy) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $vl)))
      (block $s_done (loop $sl
        (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
        (f32.store (i32.add (local.get $out) (local.get $i))
          (f32.mul (f32.load (i32.add (local.get $masks) (local.get $i))) (f32.load (i32.add (local.get $dy) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $sl)))
      (local.set $masks (i32.add (local.get $masks) (local.get $end)))
      (local.set $out (i32.add (local.get $out) (local.get $end)))
      (local.set $t (i32.add (local.get $t) (i32.const 1)))
      (br $tl)))
  )

  ;; y = b > a ? b : a (tfjs-wasm's Maximum: NaN only from a; pmax is that very select)
  (func (export "maximum") (param $a i32) (param $b i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vec i32) (local $x f32) (local $z f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.pmax (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $x (f32.load (i32.add (local.get $a) (local.get $i))))
      (local.set $z (f32.load (i32.add (local.get $b) (local.get $i))))
      (f32.store (i32.add (local.get $y) (local.get $i))
        (select (local.get $z) (local.get $x) (f32.gt (local.get $z) (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))
  )

  ;; y = b < a ? b : a (tfjs-wasm's Minimum; pmin)
  (func (export "minimum") (param $a i32) (param $b i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vec i32) (local $x f32) (local $z f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (f32x4.pmin (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $x (f32.load (i32.add (local.get $a) (local.get $i))))
      (local.set $z (f32.load (i32.add (local.get $b) (local.get $i))))
      (f32.store (i32.add (local.get $y) (local.get $i))
        (select (local.get $z) (local.get $x) (f32.lt (local.get $z) (local.get $x))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))
  )

  ;; y[i] = a[i] == b[i] as one byte 0/1 (tfjs' bool), sixteen at a time
  (func (export "equal") (param $a i32) (param $b i32) (param $y i32) (param $n i32)
    (local $i i32) (local $vec i32) (local $o i32)
    (local.set $vec (i32.and (local.get $n) (i32.const -16)))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (v128.store (i32.add (local.get $y) (local.get $i))
        (v128.and (v128.const i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1)
          (i8x16.narrow_i16x8_s
            (i16x8.narrow_i32x4_s
              (f32x4.eq (v128.load offset=0 (i32.add (local.get $a) (local.get $o))) (v128.load offset=0 (i32.add (local.get $b) (local.get $o))))
              (f32x4.eq (v128.load offset=16 (i32.add (local.get $a) (local.get $o))) (v128.load offset=16 (i32.add (local.get $b) (local.get $o)))))
            (i16x8.narrow_i32x4_s
              (f32x4.eq (v128.load offset=32 (i32.add (local.get $a) (local.get $o))) (v128.load offset=32 (i32.add (local.get $b) (local.get $o))))
              (f32x4.eq (v128.load offset=48 (i32.add (local.get $a) (local.get $o))) (v128.load offset=48 (i32.add (local.get $b) (local.get $o))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $o (i32.shl (local.get $i) (i32.const 2)))
      (i32.store8 (i32.add (local.get $y) (local.get $i))
        (f32.eq (f32.load (i32.add (local.get $a) (local.get $o))) (f32.load (i32.add (local.get $b) (local.get $o)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $sl)))
  )

  ;; y = sign(x) as tfjs-wasm's Sign computes it: 0 for NaN and for |x| < FLT_EPSILON (2⁻²³, not
  ;; only for ±0), else ±1. The sign of an attack's gradient (FGSM, PGD) on the wasm backend.
  (func (export "sign") (param $x i32) (param $y i32) (param $n i32)
    (local $i i32) (local $end i32) (local $vec i32) (local $v v128) (local $s f32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vec (i32.and (local.get $end) (i32.const -16)))
    (block $v_done (loop $vl
      (br_if $v_done (i32.ge_u (local.get $i) (local.get $vec)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $i))))
      ;; ±1 by the sign of v, then zero where |v| < ε or v is NaN (|v| ≥ ε is false for NaN)
      (v128.store (i32.add (local.get $y) (local.get $i))
        (v128.and
          (v128.bitselect (v128.const f32x4 1 1 1 1) (v128.const f32x4 -1 -1 -1 -1)
            (f32x4.gt (local.get $v) (v128.const f32x4 0 0 0 0)))
          (f32x4.ge (f32x4.abs (local.get $v)) (v128.const f32x4 0x1p-23 0x1p-23 0x1p-23 0x1p-23))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vl)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $s (f32.load (i32.add (local.get $x) (local.get $i))))
      (f32.store (i32.add (local.get $y) (local.get $i))
        (select
          (select (f32.const 1) (f32.const -1) (f32.gt (local.get $s) (f32.const 0)))
          (f32.const 0)
          (f32.ge (f32.abs (local.get $s)) (f32.const 0x1p-23))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $sl)))
  )
)
