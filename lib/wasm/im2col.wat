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

  ;; Patches tap-major (the transpose of im2col's layout, a pixel's c channels kept together):
  ;;   patchesT[(ky, kx), (r, oy, ox), ch] = image[r, oy·s + ky − p, ox·s + kx − p, ch]   (0 outside)
  ;; Per tap and output row, the pixels ox ∈ [lo, hi) fall inside the image (see $inside_from,
  ;; $inside_to) and the rest are zeros. At stride 1 the inside ones are a run of an image row,
  ;; (hi − lo)·c contiguous floats copied as whole vectors and its last floats one at a time (where
  ;; im2col copies oh·ow·k runs of k·c floats: one channel, k floats a call), so that nothing is
  ;; written past a run and threads can fill disjoint ranges of taps. At larger strides they go one
  ;; pixel at a time.
  (func (export "im2col_taps") (param $image i32) (param $patches i32) (param $rows i32)
                               (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                               (param $oh i32) (param $ow i32)
    (call $im2col_tap_range (local.get $image) (local.get $patches) (local.get $rows) (local.get $h) (local.get $w)
      (local.get $c) (local.get $k) (local.get $s) (local.get $p) (local.get $oh) (local.get $ow)
      (i32.const 0) (i32.mul (local.get $k) (local.get $k)))
  )

  ;; im2col_taps for the taps t ∈ [t0, t1) (t = ky·k + kx) only: the rows of patchesT a thread fills.
  (func $im2col_tap_range (export "im2col_tap_range") (param $image i32) (param $patches i32) (param $rows i32)
                               (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                               (param $oh i32) (param $ow i32) (param $t0 i32) (param $t1 i32)
    (local $t i32) (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $ox i32) (local $iy i32)
    (local $lo i32) (local $hi i32) (local $o i32) (local $src i32) (local $dst i32) (local $i i32) (local $n i32)
    (local $cb i32) (local $runBytes i32) (local $imageBytes i32) (local $step i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $step (i32.mul (local.get $s) (local.get $cb)))
    (local.set $runBytes (i32.mul (local.get $ow) (local.get $cb)))
    (local.set $imageBytes (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $cb)))
    (local.set $o (i32.add (local.get $patches)
      (i32.mul (i32.mul (local.get $t0) (i32.mul (local.get $rows) (local.get $oh))) (local.get $runBytes))))
    (local.set $t (local.get $t0))
    (block $t_done (loop $tl
        (br_if $t_done (i32.ge_u (local.get $t) (local.get $t1)))
        (local.set $ky (i32.div_u (local.get $t) (local.get $k)))
        (local.set $kx (i32.rem_u (local.get $t) (local.get $k)))
        (local.set $lo (call $inside_from (local.get $kx) (local.get $s) (local.get $p) (local.get $ow)))
        (local.set $hi (call $inside_to (local.get $kx) (local.get $s) (local.get $p) (local.get $w) (local.get $ow)))
        (if (i32.lt_s (local.get $hi) (local.get $lo)) (then (local.set $hi (local.get $lo))))
        (local.set $r (i32.const 0))
        (block $r_done (loop $rl
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $oyl
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (if (i32.ge_u (local.get $iy) (local.get $h))
              (then (memory.fill (local.get $o) (i32.const 0) (local.get $runBytes)))
              (else
                ;; pixel (iy, lo·s + kx − p) of image r, and where its patch entry goes
                (local.set $src (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                  (i32.mul (i32.sub (i32.add (i32.mul (local.get $iy) (local.get $w)) (i32.add (i32.mul (local.get $lo) (local.get $s)) (local.get $kx)))
                    (local.get $p)) (local.get $cb))))
                (local.set $dst (i32.add (local.get $o) (i32.mul (local.get $lo) (local.get $cb))))
                (if (i32.eq (local.get $s) (i32.const 1))
                  (then
                    (local.set $n (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $cb)))
                    (local.set $i (i32.const 0))
                    (block $copied (loop $copy
                      (br_if $copied (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
                      (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
                      (local.set $i (i32.add (local.get $i) (i32.const 16)))
                      (br $copy)))
                    (block $tail_done (loop $tail
                      (br_if $tail_done (i32.ge_u (local.get $i) (local.get $n)))
                      (f32.store (i32.add (local.get $dst) (local.get $i)) (f32.load (i32.add (local.get $src) (local.get $i))))
                      (local.set $i (i32.add (local.get $i) (i32.const 4)))
                      (br $tail))))
                  (else
                    (local.set $ox (local.get $lo))
                    (block $ox_done (loop $oxl
                      (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $hi)))
                      (call $run (local.get $src) (local.get $dst) (local.get $cb) (i32.const 0))
                      (local.set $src (i32.add (local.get $src) (local.get $step)))
                      (local.set $dst (i32.add (local.get $dst) (local.get $cb)))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $oxl)))))
                ;; the zeros: pixels left of lo, then right of hi (after the run's overshoot)
                (memory.fill (local.get $o) (i32.const 0) (i32.mul (local.get $lo) (local.get $cb)))
                (memory.fill (i32.add (local.get $o) (i32.mul (local.get $hi) (local.get $cb))) (i32.const 0)
                  (i32.mul (i32.sub (local.get $ow) (local.get $hi)) (local.get $cb)))))
            (local.set $o (i32.add (local.get $o) (local.get $runBytes)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oyl)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tl)))
  )

  ;; The adjoint of im2col_taps: image[r, oy·s + ky − p, ox·s + kx − p, ch] += patchesT[(ky, kx), (r, oy, ox), ch]
  ;; for the pixels inside the image (the caller zeroes it first). At stride 1 a row's inside pixels
  ;; add as one run, whole vectors then its last floats one at a time (a vector past the run would
  ;; add onto pixels of other taps); at larger strides one pixel at a time.
  (func (export "col2im_taps") (param $image i32) (param $patches i32) (param $rows i32)
                               (param $h i32) (param $w i32) (param $c i32) (param $k i32) (param $s i32) (param $p i32)
                               (param $oh i32) (param $ow i32)
    (local $ky i32) (local $kx i32) (local $r i32) (local $oy i32) (local $ox i32) (local $iy i32)
    (local $lo i32) (local $hi i32) (local $o i32) (local $src i32) (local $dst i32)
    (local $cb i32) (local $runBytes i32) (local $imageBytes i32) (local $step i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $step (i32.mul (local.get $s) (local.get $cb)))
    (local.set $runBytes (i32.mul (local.get $ow) (local.get $cb)))
    (local.set $imageBytes (i32.mul (i32.mul (local.get $h) (local.get $w)) (local.get $cb)))
    (local.set $o (local.get $patches))
    (block $ky_done (loop $kyl
      (br_if $ky_done (i32.ge_u (local.get $ky) (local.get $k)))
      (local.set $kx (i32.const 0))
      (block $kx_done (loop $kxl
        (br_if $kx_done (i32.ge_u (local.get $kx) (local.get $k)))
        (local.set $lo (call $inside_from (local.get $kx) (local.get $s) (local.get $p) (local.get $ow)))
        (local.set $hi (call $inside_to (local.get $kx) (local.get $s) (local.get $p) (local.get $w) (local.get $ow)))
        (local.set $r (i32.const 0))
        (block $r_done (loop $rl
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $oy (i32.const 0))
          (block $oy_done (loop $oyl
            (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $s)) (local.get $ky)) (local.get $p)))
            (if (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_s (local.get $lo) (local.get $hi)))
              (then
                (local.set $dst (i32.add (i32.add (local.get $image) (i32.mul (local.get $r) (local.get $imageBytes)))
                  (i32.mul (i32.sub (i32.add (i32.mul (local.get $iy) (local.get $w)) (i32.add (i32.mul (local.get $lo) (local.get $s)) (local.get $kx)))
                    (local.get $p)) (local.get $cb))))
                (local.set $src (i32.add (local.get $o) (i32.mul (local.get $lo) (local.get $cb))))
                (if (i32.eq (local.get $s) (i32.const 1))
                  (then (call $run (local.get $dst) (local.get $src)
                    (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $cb)) (i32.const 1)))
                  (else
                    (local.set $ox (local.get $lo))
                    (block $ox_done (loop $oxl
                      (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $hi)))
                      (call $run (local.get $dst) (local.get $src) (local.get $cb) (i32.const 1))
                      (local.set $dst (i32.add (local.get $dst) (local.get $step)))
                      (local.set $src (i32.add (local.get $src) (local.get $cb)))
                      (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                      (br $oxl)))))))
            (local.set $o (i32.add (local.get $o) (local.get $runBytes)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $oyl)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))
        (local.set $kx (i32.add (local.get $kx) (i32.const 1)))
        (br $kxl)))
      (local.set $ky (i32.add (local.get $ky) (i32.const 1)))
      (br $kyl)))
  )

  ;; The first ox whose column ox·s + kx − p is inside the image (≥ 0), at most ow.
  (func $inside_from (param $kx i32) (param $s i32) (param $p i32) (param $ow i32) (result i32)
    (if (result i32) (i32.ge_s (local.get $kx) (local.get $p))
      (then (i32.const 0))
      (else (select (local.get $ow)
        (local.tee $kx (i32.div_u (i32.sub (i32.add (local.get $p) (local.get $s)) (i32.add (local.get $kx) (i32.const 1))) (local.get $s)))
        (i32.gt_u (local.get $kx) (local.get $ow)))))
  )

  ;; One past the last ox whose column ox·s + kx − p is inside the image (< w), at most ow.
  (func $inside_to (param $kx i32) (param $s i32) (param $p i32) (param $w i32) (param $ow i32) (result i32)
    (local $last i32)
    (local.set $last (i32.add (i32.sub (i32.sub (local.get $w) (i32.const 1)) (local.get $kx)) (local.get $p)))
    (if (result i32) (i32.lt_s (local.get $last) (i32.const 0))
      (then (i32.const 0))
      (else (select (local.get $ow)
        (local.tee $last (i32.add (i32.div_u (local.get $last) (local.get $s)) (i32.const 1)))
        (i32.gt_u (local.get $last) (local.get $ow)))))
  )
)
