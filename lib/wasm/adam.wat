;; One Adam step over a flat parameter buffer, 4 floats a lane group (n must be a multiple of 4):
;;   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p − (m / (√(v·vScale) + ε))·stepSize
;; with vScale = 1/(1−β₂ᵗ) and stepSize = lr/(1−β₁ᵗ) (Kingma & Ba 2015, Algorithm 1; ε placed as in
;; PyTorch). Same operation order as lib/train/adam.ts, so both round alike. One pass over memory
;; instead of the dozen kernels (and a dozen passes) a tensor library spends on it.
(module
  (import "env" "memory" (memory 1))
  (func (export "adam")
    (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
    (param $b1 f32) (param $oneMinusB1 f32) (param $b2 f32) (param $oneMinusB2 f32)
    (param $vScale f32) (param $eps f32) (param $stepSize f32)
    (local $i i32) (local $end i32) (local $gi v128) (local $mi v128) (local $vi v128)
    (local $B1 v128) (local $C1 v128) (local $B2 v128) (local $C2 v128) (local $VS v128) (local $EPS v128) (local $SS v128)
    (local.set $B1 (f32x4.splat (local.get $b1))) (local.set $C1 (f32x4.splat (local.get $oneMinusB1)))
    (local.set $B2 (f32x4.splat (local.get $b2))) (local.set $C2 (f32x4.splat (local.get $oneMinusB2)))
    (local.set $VS (f32x4.splat (local.get $vScale))) (local.set $EPS (f32x4.splat (local.get $eps)))
    (local.set $SS (f32x4.splat (local.get $stepSize)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (local.set $gi (v128.load (i32.add (local.get $g) (local.get $i))))
      (local.set $mi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $i))) (local.get $B1))
        (f32x4.mul (local.get $gi) (local.get $C1))))
      (local.set $vi (f32x4.add
        (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $i))) (local.get $B2))
        (f32x4.mul (f32x4.mul (local.get $gi) (local.get $gi)) (local.get $C2))))
      (v128.store (i32.add (local.get $m) (local.get $i)) (local.get $mi))
      (v128.store (i32.add (local.get $v) (local.get $i)) (local.get $vi))
      (v128.store (i32.add (local.get $p) (local.get $i))
        (f32x4.sub (v128.load (i32.add (local.get $p) (local.get $i)))
          (f32x4.mul
            (f32x4.div (local.get $mi) (f32x4.add (f32x4.sqrt (f32x4.mul (local.get $vi) (local.get $VS))) (local.get $EPS)))
            (local.get $SS))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br $l)))
  )
)
