;; One Adam step over a flat parameter buffer, 4 floats a lane group (n must be a multiple of 4):
;;   m ← m + (1−β₁)(g − m);  v ← v + (1−β₂)(g² − v);  p ← p − stepSize·m / (√v + ε̂)
;; with stepSize = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε̂ = ε·√(1−β₂ᵗ): Algorithm 1 of Kingma & Ba (2015) with
;; PyTorch's ε, in the order of computation their §2 gives as the efficient one (equal in exact
;; arithmetic; each result within an ulp or two of lib/train/adam.ts'). A square root and a division
;; per parameter bound this loop (the divider), and the multiplier ports they share with the moment
;; updates: this order spends 4 multiplications per 4-float group instead of 7 (a small gain in this
;; kernel, a larger one in linear_adam, which has 4 more). One pass over memory instead of the
;; dozen kernels (and a dozen passes) a tensor library spends on it.
(module
  (import "env" "memory" (memory 1))
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $oneMinusB1 f32) (param $oneMinusB2 f32) (param $epsHat f32) (param $stepSize f32)
    (local $i i32) (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $C1 v128) (local $C2 v128) (local $EPS v128) (local $SS v128)
    (local.set $C1 (f32x4.splat (local.get $oneMinusB1))) (local.set $C2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $EPS (f32x4.splat (local.get $epsHat))) (local.set $SS (f32x4.splat (local.get $stepSize)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mi (v128.load (i32.add (local.get $m) (local.get $i))))
      (local.set $mi (f32x4.add (local.get $mi) (f32x4.mul (f32x4.sub (local.get $gi) (local.get $mi)) (local.get $C1))))
      (local.set $vi (v128.load (i32.add (local.get $v) (local.get $i))))
      (local.set $vi (f32x4.add (local.get $vi)
        (f32x4.mul (f32x4.sub (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $vi)) (local.get $C2))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
          (f32x4.div (f32x4.mul (local.get $mi) (local.get $SS)) (f32x4.add (f32x4.sqrt (local.get $vi)) (local.get $EPS)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
  )

  ;; A dense layer's backward pass fused with Adam on its weights, at one or two rows (batch 1):
  ;;   dx[r,i] = Σ_j dy[r,j]·W[i,j]   (with W before the update; only when $dx ≠ 0)
  ;;   g[i,j]  = x[0,i]·dy[0,j] (+ x[1,i]·dy[1,j]),  then the Adam update of W[i,j], m, v as above.
  ;; One pass over W, m, v instead of three (dW written, dx reading W, Adam reading both): the
  ;; memory traffic, not arithmetic, is what bounds these small models at batch 1. Sums run in the
  ;; order of the unfused kernels (lanes 4 at a time, then (l0+l1)+(l2+l3), then the tail).
  (func (export "linear_adam")
    (param $x i32) (param $dy i32) (param $w i32) (param $m i32) (param $v i32) (param $dx i32)
    (param $R i32) (param $in i32) (param $out i32)
    (param $oneMinusB1 f32) (param $oneMinusB2 f32) (param $epsHat f32) (param $stepSize f32)
    (local $i i32) (local $j i32) (local $o i32) (local $rowBytes i32) (local $out4 i32) (local $dy1 i32)
    (local $x0 f32) (local $x1 f32) (local $gs f32) (local $ms f32) (local $vs f32) (local $ws f32)
    (local $t0 f32) (local $t1 f32)
    (local $X0 v128) (local $X1 v128) (local $d0 v128) (local $d1 v128) (local $wv v128) (local $gv v128)
    (local $mv v128) (local $vv v128) (local $acc0 v128) (local $acc1 v128)
    (local $C1 v128) (local $C2 v128) (local $EPS v128) (local $SS v128)
    (local.set $C1 (f32x4.splat (local.get $oneMinusB1))) (local.set $C2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $EPS (f32x4.splat (local.get $epsHat))) (local.set $SS (f32x4.splat (local.get $stepSize)))
    (local.set $rowBytes (i32.shl (local.get $out) (i32.const 2)))
    (local.set $out4 (i32.shl (i32.and (local.get $out) (i32.const -4)) (i32.const 2)))
    (local.set $dy1 (i32.add (local.get $dy) (local.get $rowBytes)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $in)))
      (local.set $x0 (f32.load (i32.add (local.get $x) (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $x1 (if (result f32) (i32.eq (local.get $R) (i32.const 2))
        (then (f32.load (i32.add (local.get $x) (i32.shl (i32.add (local.get $i) (local.get $in)) (i32.const 2)))))
        (else (f32.const 0))))
      (local.set $X0 (f32x4.splat (local.get $x0))) (local.set $X1 (f32x4.splat (local.get $x1)))
      (local.set $acc0 (v128.const f32x4 0 0 0 0)) (local.set $acc1 (v128.const f32x4 0 0 0 0))
      (local.set $o (i32.mul (local.get $i) (local.get $rowBytes)))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $out4)))
        (local.set $wv (v128.load (i32.add (local.get $w) (i32.add (local.get $o) (local.get $j)))))
        (local.set $d0 (v128.load (i32.add (local.get $dy) (local.get $j))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $d0) (local.get $wv))))
        (local.set $gv (f32x4.mul (local.get $X0) (local.get $d0)))
        (if (i32.eq (local.get $R) (i32.const 2)) (then
          (local.set $d1 (v128.load (i32.add (local.get $dy1) (local.get $j))))
          (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $d1) (local.get $wv))))
          (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (local.get $X1) (local.get $d1))))))
        (local.set $mv (v128.load (i32.add (local.get $m) (i32.add (local.get $o) (local.get $j)))))
        (local.set $mv (f32x4.add (local.get $mv) (f32x4.mul (f32x4.sub (local.get $gv) (local.get $mv)) (local.get $C1))))
        (local.set $vv (v128.load (i32.add (local.get $v) (i32.add (local.get $o) (local.get $j)))))
        (local.set $vv (f32x4.add (local.get $vv)
          (f32x4.mul (f32x4.sub (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vv)) (local.get $C2))))
        (v128.store (i32.add (local.get $m) (i32.add (local.get $o) (local.get $j))) (local.get $mv))
        (v128.store (i32.add (local.get $v) (i32.add (local.get $o) (local.get $j))) (local.get $vv))
        (v128.store (i32.add (local.get $w) (i32.add (local.get $o) (local.get $j)))
          (f32x4.sub (local.get $wv)
            (f32x4.div (f32x4.mul (local.get $mv) (local.get $SS)) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $EPS)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $cols)))
      (local.set $t0 (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
      (local.set $t1 (f32.add
        (f32.add (f32x4.extract_lane 0 (local.get $acc1)) (f32x4.extract_lane 1 (local.get $acc1)))
        (f32.add (f32x4.extract_lane 2 (local.get $acc1)) (f32x4.extract_lane 3 (local.get $acc1)))))
      ;; the last out mod 4 columns, one at a time
      (block $tail_done (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $ws (f32.load (i32.add (local.get $w) (i32.add (local.get $o) (local.get $j)))))
        (local.set $t0 (f32.add (local.get $t0) (f32.mul (f32.load (i32.add (local.get $dy) (local.get $j))) (local.get $ws))))
        (local.set $gs (f32.mul (local.get $x0) (f32.load (i32.add (local.get $dy) (local.get $j)))))
        (if (i32.eq (local.get $R) (i32.const 2)) (then
          (local.set $t1 (f32.add (local.get $t1) (f32.mul (f32.load (i32.add (local.get $dy1) (local.get $j))) (local.get $ws))))
          (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $x1) (f32.load (i32.add (local.get $dy1) (local.get $j))))))))
        (local.set $ms (f32.load (i32.add (local.get $m) (i32.add (local.get $o) (local.get $j)))))
        (local.set $ms (f32.add (local.get $ms) (f32.mul (f32.sub (local.get $gs) (local.get $ms)) (local.get $oneMinusB1))))
        (local.set $vs (f32.load (i32.add (local.get $v) (i32.add (local.get $o) (local.get $j)))))
        (local.set $vs (f32.add (local.get $vs)
          (f32.mul (f32.sub (f32.mul (local.get $gs) (local.get $gs)) (local.get $vs)) (local.get $oneMinusB2))))
        (f32.store (i32.add (local.get $m) (i32.add (local.get $o) (local.get $j))) (local.get $ms))
        (f32.store (i32.add (local.get $v) (i32.add (local.get $o) (local.get $j))) (local.get $vs))
        (f32.store (i32.add (local.get $w) (i32.add (local.get $o) (local.get $j)))
          (f32.sub (local.get $ws)
            (f32.div (f32.mul (local.get $ms) (local.get $stepSize)) (f32.add (f32.sqrt (local.get $vs)) (local.get $epsHat)))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
      (if (local.get $dx) (then
        (f32.store (i32.add (local.get $dx) (i32.shl (local.get $i) (i32.const 2))) (local.get $t0))
        (if (i32.eq (local.get $R) (i32.const 2)) (then
          (f32.store (i32.add (local.get $dx) (i32.shl (i32.add (local.get $i) (local.get $in)) (i32.const 2))) (local.get $t1))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; linear_adam for a layer with one output (W is [in, 1], a column; the comparison head's last
  ;; layer): the same numbers, vectorised along `in`, where the kernel above would go one float at
  ;; a time (many times slower).
  (func (export "linear_adam_column")
    (param $x i32) (param $dy i32) (param $w i32) (param $m i32) (param $v i32) (param $dx i32)
    (param $R i32) (param $in i32)
    (param $oneMinusB1 f32) (param $oneMinusB2 f32) (param $epsHat f32) (param $stepSize f32)
    (local $i i32) (local $end i32) (local $end4 i32) (local $x1 i32) (local $dx1 i32)
    (local $dy0 f32) (local $dy1 f32) (local $gs f32) (local $ms f32) (local $vs f32) (local $ws f32)
    (local $D0 v128) (local $D1 v128) (local $wv v128) (local $gv v128) (local $mv v128) (local $vv v128)
    (local $C1 v128) (local $C2 v128) (local $EPS v128) (local $SS v128)
    (local.set $C1 (f32x4.splat (local.get $oneMinusB1))) (local.set $C2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $EPS (f32x4.splat (local.get $epsHat))) (local.set $SS (f32x4.splat (local.get $stepSize)))
    (local.set $dy0 (f32.load (local.get $dy)))
    (local.set $dy1 (if (result f32) (i32.eq (local.get $R) (i32.const 2))
      (then (f32.load offset=4 (local.get $dy))) (else (f32.const 0))))
    (local.set $D0 (f32x4.splat (local.get $dy0))) (local.set $D1 (f32x4.splat (local.get $dy1)))
    (local.set $end (i32.shl (local.get $in) (i32.const 2)))
    (local.set $end4 (i32.shl (i32.and (local.get $in) (i32.const -4)) (i32.const 2)))
    (local.set $x1 (i32.add (local.get $x) (local.get $end)))
    (local.set $dx1 (i32.add (local.get $dx) (local.get $end)))
    (block $vec_done (loop $vec
      (br_if $vec_done (i32.ge_u (local.get $i) (local.get $end4)))
      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $i))))
      (local.set $gv (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $i))) (local.get $D0)))
      (if (local.get $dx) (then
        (v128.store (i32.add (local.get $dx) (local.get $i)) (f32x4.mul (local.get $D0) (local.get $wv)))))
      (if (i32.eq (local.get $R) (i32.const 2)) (then
        (local.set $gv (f32x4.add (local.get $gv) (f32x4.mul (v128.load (i32.add (local.get $x1) (local.get $i))) (local.get $D1))))
        (if (local.get $dx) (then
          (v128.store (i32.add (local.get $dx1) (local.get $i)) (f32x4.mul (local.get $D1) (local.get $wv)))))))
      (local.set $mv (v128.load (i32.add (local.get $m) (local.get $i))))
      (local.set $mv (f32x4.add (local.get $mv) (f32x4.mul (f32x4.sub (local.get $gv) (local.get $mv)) (local.get $C1))))
      (local.set $vv (v128.load (i32.add (local.get $v) (local.get $i))))
      (local.set $vv (f32x4.add (local.get $vv)
        (f32x4.mul (f32x4.sub (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $vv)) (local.get $C2))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mv))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vv))
      (v128.store (i32.add (local.get $w) (local.get $i))
        (f32x4.sub (local.get $wv)
          (f32x4.div (f32x4.mul (local.get $mv) (local.get $SS)) (f32x4.add (f32x4.sqrt (local.get $vv)) (local.get $EPS)))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $vec)))
    ;; the last in mod 4 weights (x's and dx's second rows start right after the first)
    (block $tail_done (loop $tail
      (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $ws (f32.load (i32.add (local.get $w) (local.get $i))))
      (local.set $gs (f32.mul (f32.load (i32.add (local.get $x) (local.get $i))) (local.get $dy0)))
      (if (local.get $dx) (then
        (f32.store (i32.add (local.get $dx) (local.get $i)) (f32.mul (local.get $dy0) (local.get $ws)))))
      (if (i32.eq (local.get $R) (i32.const 2)) (then
        (local.set $gs (f32.add (local.get $gs) (f32.mul (f32.load (i32.add (local.get $x1) (local.get $i))) (local.get $dy1))))
        (if (local.get $dx) (then
          (f32.store (i32.add (local.get $dx1) (local.get $i)) (f32.mul (local.get $dy1) (local.get $ws)))))))
      (local.set $ms (f32.load (i32.add (local.get $m) (local.get $i))))
      (local.set $ms (f32.add (local.get $ms) (f32.mul (f32.sub (local.get $gs) (local.get $ms)) (local.get $oneMinusB1))))
      (local.set $vs (f32.load (i32.add (local.get $v) (local.get $i))))
      (local.set $vs (f32.add (local.get $vs)
        (f32.mul (f32.sub (f32.mul (local.get $gs) (local.get $gs)) (local.get $vs)) (local.get $oneMinusB2))))
      (f32.store (i32.add (local.get $m) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $v) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $w) (local.get $i))
        (f32.sub (local.get $ws)
          (f32.div (f32.mul (local.get $ms) (local.get $stepSize)) (f32.add (f32.sqrt (local.get $vs)) (local.get $epsHat)))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $tail)))
  )
)
