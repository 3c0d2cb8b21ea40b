;; lib/train/adam.ts' update in one pass, with exactly its tensor ops in their order, each rounded
;; to float32 (no fused multiply-add), so the numbers are bit-identical to the op-by-op update:
;;   g  ← grad + p·wd                       (only when wd ≠ 0)
;;   m' ← m·β₁ + g·(1−β₁)
;;   v' ← v·β₂ + (g·g)·(1−β₂)
;;   p' ← p − (m' / (√(v'·vScale) + ε))·stepSize
;; The tfjs ops make a pass over memory each (a dozen for the update, plus the concatenation of
;; every parameter and gradient into one vector and the split back); this reads p, g, m, v once and
;; writes p', m', v' once. Pointers in bytes; n floats, any n (a scalar loop takes the last n mod 4).
(module
  (import "env" "memory" (memory 1))
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32)
    (param $pOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $b1 f32) (param $oneMinusB1 f32) (param $b2 f32) (param $oneMinusB2 f32)
    (param $vScale f32) (param $eps f32) (param $stepSize f32) (param $wd f32)
    (local $i i32) (local $end i32) (local $vecEnd i32)
    (local $pi v128) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128)
    (local $VS v128) (local $EPS v128) (local $SS v128) (local $WD v128)
    (local $ps f32) (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $B1 (f32x4.splat (local.get $b1))) (local.set $C1 (f32x4.splat (local.get $oneMinusB1)))
    (local.set $B2 (f32x4.splat (local.get $b2))) (local.set $C2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $VS (f32x4.splat (local.get $vScale))) (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $SS (f32x4.splat (local.get $stepSize))) (local.set $WD (f32x4.splat (local.get $wd)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $vecEnd (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $vecEnd)))
      (local.set $pi (v128.load (i32.add (local.get $p) (local.get $i))))
      (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
      (if (f32.ne (local.get $wd) (f32.const 0))
        (then (local.set $gi (f32x4.add (local.get $gi) (f32x4.mul (local.get $pi) (local.get $WD))))))
      (local.set $mi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
        (f32x4.mul (local.get $gi) (local.get $C1))))
      (local.set $vi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
        (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $C2))))
      (v128.store (i32.add (local.get $mOut) (local.get $i)) (local.get $mi))
      (v128.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vi))
      (v128.store (i32.add (local.get $pOut) (local.get $i))
        (f32x4.sub (local.get $pi)
          (f32x4.mul
            (f32x4.div (local.get $mi)
              (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vi) (local.get $VS))) (local.get $EPS)))
            (local.get $SS))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
    (block $tail_done (loop $t
      (br_if $tail_done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $ps (f32.load (i32.add (local.get $p) (local.get $i))))
      (local.set $gs (f32.load (i32.add (local.get $g) (local.get $i))))
      (if (f32.ne (local.get $wd) (f32.const 0))
        (then (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $ps) (local.get $wd))))))
      (local.set $ms (f32.add
        (f32.mul (f32.load (i32.add (local.get $m) (local.get $i))) (local.get $b1))
        (f32.mul (local.get $gs) (local.get $oneMinusB1))))
      (local.set $vs (f32.add
        (f32.mul (f32.load (i32.add (local.get $v) (local.get $i))) (local.get $b2))
        (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusB2))))
      (f32.store (i32.add (local.get $mOut) (local.get $i)) (local.get $ms))
      (f32.store (i32.add (local.get $vOut) (local.get $i)) (local.get $vs))
      (f32.store (i32.add (local.get $pOut) (local.get $i))
        (f32.sub (local.get $ps)
          (f32.mul
            (f32.div (local.get $ms)
              (f32.add (f32.sqrt (f32.mul (local.get $vs) (local.get $vScale))) (local.get $eps)))
            (local.get $stepSize))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $t)))
  )
)
