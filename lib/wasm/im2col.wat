;; im2col for NHWC rows and its adjoint (col2im), for convolutions as one matrix product:
;;   patches[(r, oy, ox), (ky, kx, c)] = image[r, oy·s + ky − p, ox·s + kx − p, c]   (0 outside)
;; The adjoint adds every patch entry back onto its pixel (image must be zeroed first).
;; im2col_rows builds the same matrix for output rows oy ∈ [oy0, oy1) and window rows
;; ky ∈ [ky0, ky1) only: a band of output rows whose windows hang over the padding in the same
;; window rows can leave those taps (all zeros) out of its product.
;; A window row that lies inside the image is one run of k·c contiguous floats (one copy, whole
;; vectors: the patches buffer needs 4 floats of slack after its end); taps at the border go one
;; pixel (c floats) at a time.
(module
  (import "env" "memory" (memory 1))
  (func (export "im2col") (param $image i32) (param $patches i32) (param $rows i32)
                          (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                          (param $oh i32) (param $ow i32) (param $adjoint i32)
    (call $im2col_rows (local.get $image) (local.get $patches) (local.get $rows) (local.get $h) (local.get $w)
      (local.get $c) (local.get $k) (local.get $s) (local.get $p) (local.get $ow) (local.get $adjoint)
      (i32.const 0) (local.get $oh) (i32.const 0) (local.get $k))
  )

  (func $im2col_rows (export "im2col_rows") (param $image i32) (param $patches i32) (param $rows i32)
                          (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                          (param $ow i32) (param $adjoint i32)
                          (param $oy0 i32) (param $oy1 i32) (param $ky0 i32) (param $ky1 i32)
    (local $r i32) (local $oy i32) (local $ox i32) (local $ky i32) (local $kx i32) (local $iy i32) (local $ix i32)
    (local $o i32) (local $cb i32) (local $rowBytes i32) (local $src i32) (local $n i32) (local $i i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $rowBytes (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $cb)))
    (local.set $o (local.get $patches))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $oy (local.get $oy0))
      (block $oy_done (loop $oyl
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oy1)))
        (local.set $ox (i32.const 0))
        (block $ox_done (loop $oxl
          (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $ky (local.get $ky0))
          (block $ky_done (loop $kyl
            (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $ky1)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (local.set $ix (i32.sub (i32.mul (local.get $ox) (local.get $s)) (local.get $p)))
            (if (i32.and (i32.lt_u (local.get $iy) (local.get $h))
                  (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.le_s (i32.add (local.get $ix) (local.get $k)) (local.get $w))))
              (then
                ;; the whole row of the window is inside: k·c contiguous floats at once
                (local.set $src (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $rowBytes)))
                  (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (local.get $cb))))
                (local.set $n (i32.mul (local.get $k) (local.get $cb)))
                (if (local.get $adjoint)
                  (then (call $run (local.get $src) (local.get $o) (local.get $n) (i32.const 1)))
                  (else
                    ;; whole vectors, inline: up to 3 floats past the run land on entries written
                    ;; later in this same sweep, or in the 4 floats of slack after the buffer
                    (local.set $i (i32.const 0))
                    (block $copied (loop $copy
                      (br_if $copied (i32.ge_u (local.get $i) (local.get $n)))
                      (v128.store (i32.add (local.get $o) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
                      (local.set $i (i32.add (local.get $i) (i32.const 16)))
                      (br $copy)))))
                (local.set $o (i32.add (local.get $o) (local.get $n))))
              (else
            (local.set $kx (i32.const 0))
            (block $kx_done (loop $kxl
              (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
              (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $s)) (local.get $kx)) (local.get $p)))
              (if (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
                (then
                  (call $run (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $rowBytes)))
                    (i32.mul (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (local.get $cb)))
                    (local.get $o) (local.get $cb) (local.get $adjoint)))
                (else
                  (if (i32.eqz (local.get $adjoint)) (then
                    (memory.fill (local.get $o) (i32.const 0) (local.get $cb))))))
              (local.set $o (i32.add (local.get $o) (local.get $cb)))
              (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
              (br $kxl)))))
            (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
            (br $kyl)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $oxl)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; bytes [0, n) of patches at o ← image at src (adjoint: image += patches), 4 floats at a time.
  (func $run (param $src i32) (param $o i32) (param $n i32) (param $adjoint i32)
    (local $i i32) (local $n16 i32)
    (local.set $n16 (i32.and (local.get $n) (i32.const -16)))
    (if (local.get $adjoint)
      (then
        (block $v_done (loop $vl
          (br_if $v_done (i32.ge_u (local.get $i) (local.get $n16)))
          (v128.store (i32.add (local.get $src) (local.get $i)) (f32x4.add
            (v128.load (i32.add (local.get $src) (local.get $i))) (v128.load (i32.add (local.get $o) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $vl)))
        (block $s_done (loop $sl
          (br_if $s_done (i32.ge_u (local.get $i) (local.get $n)))
          (f32.store (i32.add (local.get $src) (local.get $i)) (f32.add
            (f32.load (i32.add (local.get $src) (local.get $i))) (f32.load (i32.add (local.get $o) (local.get $i)))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $sl))))
      (else
        (block $v_done (loop $vl
          (br_if $v_done (i32.ge_u (local.get $i) (local.get $n16)))
          (v128.store (i32.add (local.get $o) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br $vl)))
        (block $s_done (loop $sl
          (br_if $s_done (i32.ge_u (local.get $i) (local.get $n)))
          (f32.store (i32.add (local.get $o) (local.get $i)) (f32.load (i32.add (local.get $src) (local.get $i))))
          (local.set $i (i32.add (local.get $i) (i32.const 4)))
          (br $sl)))))
  )

  ;; Single-channel images, patches tap-major (the transpose of im2col's layout):
  ;;   patchesT[(ky, kx), (r, oy, ox)] = image[r, oy·s + ky − p, ox·s + kx − p]   (0 outside)
  ;; With one channel, a tap's values along ox at stride 1 are a run of an image row: k² runs of ow
  ;; floats per output row, copied as whole vectors, where im2col copies oh·ow·k runs of k floats.
  ;; A vector copy writes up to 3 floats past its run, onto entries written later in this sweep or
  ;; the 4 floats of slack after the buffer. Taps reaching past the border go one float at a time.
  (func (export "im2col_taps") (param $image i32) (param $patches i32) (param $rows i32)
                               (param $h i32) (param $w i32) (param $k i32) (param $s i32) (param $p i32)
                               (param $oh i32) (param $ow i32)
    (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $ox i32) (local $iy i32) (local $ix i32)
    (local $o i32) (local $src i32) (local $i i32) (local $owBytes i32) (local $imageBytes i32)
    (local.set $owBytes (i32.shl (local.get $ow) (i32.const 2)))
    (local.set $imageBytes (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2)))
    (local.set $o (local.get $patches))
    (block $ky_done (loop $kyl
      (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
      (local.set $kx (i32.const 0))
      (block $kx_done (loop $kxl
        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
        (local.set $r (i32.const 0))
        (block $r_done (loop $rl
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $oyl
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (local.set $ix (i32.sub (local.get $kx) (local.get $p)))
            (if (i32.and (i32.and (i32.eq (local.get $s) (i32.const 1)) (i32.lt_u (local.get $iy) (local.get $h)))
                  (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.le_s (i32.add (local.get $ix) (local.get $ow)) (local.get $w))))
              (then
                (local.set $src (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                  (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (i32.const 2))))
                (local.set $i (i32.const 0))
                (block $copied (loop $copy
                  (br_if $copied (i32.ge_u (local.get $i) (local.get $owBytes)))
                  (v128.store (i32.add (local.get $o) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $copy))))
              (else
                (local.set $ox (i32.const 0))
                (block $ox_done (loop $oxl
                  (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $ow)))
                  (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $s)) (local.get $kx)) (local.get $p)))
                  (f32.store (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2)))
                    (if (result f32) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
                      (then (f32.load (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                        (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (i32.const 2)))))
                      (else (f32.const 0))))
                  (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                  (br $oxl)))))
            (local.set $o (i32.add (local.get $o) (local.get $owBytes)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oyl)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))
        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
        (br $kxl)))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br $kyl)))
  )

  ;; The adjoint of im2col_taps: image[r, oy·s + ky − p, ox·s + kx − p] += patchesT[(ky, kx), (r, oy, ox)]
  ;; for the taps inside the image (the caller zeroes it first). Runs along ox at stride 1 add as
  ;; whole vectors and their last ow mod 4 floats one at a time (a vector past the run would add
  ;; onto pixels of other taps); taps reaching past the border go one float at a time.
  (func (export "col2im_taps") (param $image i32) (param $patches i32) (param $rows i32)
                               (param $h i32) (param $w i32) (param $k i32) (param $s i32) (param $p i32)
                               (param $oh i32) (param $ow i32)
    (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $ox i32) (local $iy i32) (local $ix i32)
    (local $o i32) (local $dst i32) (local $i i32) (local $owBytes i32) (local $vecBytes i32) (local $imageBytes i32)
    (local.set $owBytes (i32.shl (local.get $ow) (i32.const 2)))
    (local.set $vecBytes (i32.and (local.get $owBytes) (i32.const -16)))
    (local.set $imageBytes (i32.shl (i32.mul (local.get $h) (local.get $w)) (i32.const 2)))
    (local.set $o (local.get $patches))
    (block $ky_done (loop $kyl
      (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
      (local.set $kx (i32.const 0))
      (block $kx_done (loop $kxl
        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
        (local.set $r (i32.const 0))
        (block $r_done (loop $rl
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $oyl
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (local.set $ix (i32.sub (local.get $kx) (local.get $p)))
            (if (i32.and (i32.and (i32.eq (local.get $s) (i32.const 1)) (i32.lt_u (local.get $iy) (local.get $h)))
                  (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.le_s (i32.add (local.get $ix) (local.get $ow)) (local.get $w))))
              (then
                (local.set $dst (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                  (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (i32.const 2))))
                (local.set $i (i32.const 0))
                (block $added (loop $add
                  (br_if $added (i32.ge_u (local.get $i) (local.get $vecBytes)))
                  (v128.store (i32.add (local.get $dst) (local.get $i))
                    (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $i))) (v128.load (i32.add (local.get $o) (local.get $i)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 16)))
                  (br $add)))
                (block $tail_done (loop $tail
                  (br_if $tail_done (i32.ge_u (local.get $i) (local.get $owBytes)))
                  (f32.store (i32.add (local.get $dst) (local.get $i))
                    (f32.add (f32.load (i32.add (local.get $dst) (local.get $i))) (f32.load (i32.add (local.get $o) (local.get $i)))))
                  (local.set $i (i32.add (local.get $i) (i32.const 4)))
                  (br $tail))))
              (else
                (local.set $ox (i32.const 0))
                (block $ox_done (loop $oxl
                  (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $ow)))
                  (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $s)) (local.get $kx)) (local.get $p)))
                  (if (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
                    (then
                      (local.set $dst (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                        (i32.shl (i32.add (i32.mul (local.get $iy) (local.get $w)) (local.get $ix)) (i32.const 2))))
                      (f32.store (local.get $dst) (f32.add (f32.load (local.get $dst))
                        (f32.load (i32.add (local.get $o) (i32.shl (local.get $ox) (i32.const 2))))))))
                  (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                  (br $oxl)))))
            (local.set $o (i32.add (local.get $o) (local.get $owBytes)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oyl)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))
        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
        (br $kxl)))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br $kyl)))
  )
)
