;; im2col for NHWC rows and its adjoint (col2im), for convolutions as one matrix product:
;;   patches[(r, oy, ox), (ky, kx, c)] = image[r, oy·s + ky − p, ox·s + kx − p, c]   (0 outside)
;; The adjoint adds every patch entry back onto its pixel (image must be zeroed first).
;; Each (ky, kx) tap moves c contiguous floats, 4 at a time where it can.
(module
  (import "env" "memory" (memory 1))
  (func (export "im2col") (param $image i32) (param $patches i32) (param $rows i32)
                          (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                          (param $oh i32) (param $ow i32) (param $adjoint i32)
    (local $r i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32)
    (local $o i32) (local $src i32) (local $ci i32) (local $c4 i32) (local $cb i32) (local $rowBytes i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $c4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $rowBytes (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $cb)))
    (local.set $o (local.get $patches))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $oy (i32.const 0))
      (block $oy_done (loop $oyl
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
        (local.set $ox (i32.const 0))
        (block $ox_done (loop $oxl
          (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $ky (i32.const 0))
          (block $ky_done (loop $kyl
            (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (local.set $kx (i32.const 0))
            (block $kx_done (loop $kxl
              (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $s)) (local.get $kx)) (local.get $p)))
              (if (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
                (then
                  (local.set $src (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $rowBytes)))
                    (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (local.get $cb))))
                  (local.set $ci (i32.const 0))
                  (if (local.get $adjoint)
                    (then
                      (block $v_done (loop $vl
                        (br_if $v_done (i32.ge_u (local.get $ci) (local.get $c4)))
                        (v128.store (i32.add (local.get $src) (local.get $ci)) (f32x4.add
                          (v128.load (i32.add (local.get $src) (local.get $ci)))
                          (v128.load (i32.add (local.get $o) (local.get $ci)))))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 16)))
                        (br $vl)))
                      (block $s_done (loop $sl
                        (br_if $s_done (i32.ge_u (local.get $ci) (local.get $cb)))
                        (f32.store (i32.add (local.get $src) (local.get $ci)) (f32.add
                          (f32.load (i32.add (local.get $src) (local.get $ci)))
                          (f32.load (i32.add (local.get $o) (local.get $ci)))))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
                        (br $sl))))
                    (else
                      (block $v_done (loop $vl
                        (br_if $v_done (i32.ge_u (local.get $ci) (local.get $c4)))
                        (v128.store (i32.add (local.get $o) (local.get $ci)) (v128.load (i32.add (local.get $src) (local.get $ci))))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 16)))
                        (br $vl)))
                      (block $s_done (loop $sl
                        (br_if $s_done (i32.ge_u (local.get $ci) (local.get $cb)))
                        (f32.store (i32.add (local.get $o) (local.get $ci)) (f32.load (i32.add (local.get $src) (local.get $ci))))
                        (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
                        (br $sl))))))
                (else
                  (if (i32.eqz (local.get $adjoint)) (then
                    (memory.fill (local.get $o) (i32.const 0) (local.get $cb))))))
              (local.set $o (i32.add (local.get $o) (local.get $cb)))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br $kxl)))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kyl)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $oxl)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )
)
