;; The gradient of max pooling in NHWC, four channels at a time (the last C mod 4 one at a time; dx
;; zeroed first):
;;   dx[n, y, x, c] += dy[n, oy, ox, c] for the first tap (y, x) of window (oy, ox), in row-major
;;   window order, that holds the window's maximum — the cpu backend's choice, whose running maximum
;;   starts at −∞ and takes a tap only when it is strictly greater (so NaN never wins, a window of
;;   −∞ gives nothing, and taps in the padding never win).
;; Per window: one sweep over its taps for the maximum (a strict comparison and a select, exactly
;; the running maximum above), a second that adds dy at the first tap equal to it, lane by lane.
(module
  (import "env" "memory" (memory 1))
  (func (export "max_pool_grad")
    (param $x i32) (param $dy i32) (param $dx i32) (param $batch i32)
    (param $h i32) (param $w i32) (param $c i32) (param $oh i32) (param $ow i32)
    (param $kh i32) (param $kw i32) (param $sh i32) (param $sw i32) (param $top i32) (param $left i32)
    (local $n i32) (local $oy i32) (local $ox i32) (local $ch i32) (local $y i32) (local $xx i32)
    (local $y0 i32) (local $y1 i32) (local $x0 i32) (local $x1 i32)
    (local $img i32) (local $pix i32) (local $g i32) (local $rowBytes i32) (local $imgBytes i32) (local $cb i32)
    (local $cb4 i32) (local $best v128) (local $v v128) (local $open v128) (local $hit v128) (local $grad v128)
    (local $bestS f32) (local $openS i32)
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $cb4 (i32.shl (i32.and (local.get $c) (i32.const -4)) (i32.const 2)))
    (local.set $rowBytes (i32.mul (local.get $w) (local.get $cb)))
    (local.set $imgBytes (i32.mul (local.get $h) (local.get $rowBytes)))
    (local.set $g (local.get $dy))
    (block $n_done (loop $nl
      (br_if $n_done (i32.ge_u (local.get $n) (local.get $batch)))
      (local.set $img (i32.mul (local.get $n) (local.get $imgBytes)))
      (local.set $oy (i32.const 0))
      (block $oy_done (loop $oyl
        (br_if $oy_done (i32.ge_u (local.get $oy) (local.get $oh)))
        ;; the window's rows [y0, y1) inside the image
        (local.set $y0 (i32.sub (i32.mul (local.get $oy) (local.get $sh)) (local.get $top)))
        (local.set $y1 (i32.add (local.get $y0) (local.get $kh)))
        (if (i32.lt_s (local.get $y0) (i32.const 0)) (then (local.set $y0 (i32.const 0))))
        (if (i32.gt_s (local.get $y1) (local.get $h)) (then (local.set $y1 (local.get $h))))
        (local.set $ox (i32.const 0))
        (block $ox_done (loop $oxl
          (br_if $ox_done (i32.ge_u (local.get $ox) (local.get $ow)))
          (local.set $x0 (i32.sub (i32.mul (local.get $ox) (local.get $sw)) (local.get $left)))
          (local.set $x1 (i32.add (local.get $x0) (local.get $kw)))
          (if (i32.lt_s (local.get $x0) (i32.const 0)) (then (local.set $x0 (i32.const 0))))
          (if (i32.gt_s (local.get $x1) (local.get $w)) (then (local.set $x1 (local.get $w))))
          (local.set $ch (i32.const 0))
          (block $c_done (loop $cl
            (br_if $c_done (i32.ge_u (local.get $ch) (local.get $cb4)))
            ;; sweep 1: the running maximum
            (local.set $best (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $y (local.get $y0))
            (block $y_done (loop $yl
              (br_if $y_done (i32.ge_s (local.get $y) (local.get $y1)))
              (local.set $xx (local.get $x0))
              (block $x_done (loop $xl
                (br_if $x_done (i32.ge_s (local.get $xx) (local.get $x1)))
                (local.set $pix (i32.add (i32.add (local.get $img) (local.get $ch))
                  (i32.add (i32.mul (local.get $y) (local.get $rowBytes)) (i32.mul (local.get $xx) (local.get $cb)))))
                (local.set $v (v128.load (i32.add (local.get $x) (local.get $pix))))
                (local.set $best (v128.bitselect (local.get $v) (local.get $best) (f32x4.gt (local.get $v) (local.get $best))))
                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                (br $xl)))
              (local.set $y (i32.add (local.get $y) (i32.const 1)))
              (br $yl)))
            ;; sweep 2: dy to the first tap equal to it (lanes whose maximum is still −∞ take none)
            (local.set $grad (v128.load (local.get $g)))
            (local.set $open (f32x4.gt (local.get $best) (v128.const f32x4 -inf -inf -inf -inf)))
            (local.set $y (local.get $y0))
            (block $y2_done (loop $y2l
              (br_if $y2_done (i32.ge_s (local.get $y) (local.get $y1)))
              (local.set $xx (local.get $x0))
              (block $x2_done (loop $x2l
                (br_if $x2_done (i32.ge_s (local.get $xx) (local.get $x1)))
                (local.set $pix (i32.add (i32.add (local.get $img) (local.get $ch))
                  (i32.add (i32.mul (local.get $y) (local.get $rowBytes)) (i32.mul (local.get $xx) (local.get $cb)))))
                (local.set $hit (v128.and (local.get $open)
                  (f32x4.eq (v128.load (i32.add (local.get $x) (local.get $pix))) (local.get $best))))
                (v128.store (i32.add (local.get $dx) (local.get $pix)) (f32x4.add
                  (v128.load (i32.add (local.get $dx) (local.get $pix)))
                  (v128.and (local.get $grad) (local.get $hit))))
                (local.set $open (v128.andnot (local.get $open) (local.get $hit)))
                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                (br $x2l)))
              (local.set $y (i32.add (local.get $y) (i32.const 1)))
              (br $y2l)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (local.set $ch (i32.add (local.get $ch) (i32.const 16)))
            (br $cl)))
          ;; the last C mod 4 channels, one at a time, by the same two sweeps
          (block $s_done (loop $sl
            (br_if $s_done (i32.ge_u (local.get $ch) (local.get $cb)))
            (local.set $bestS (f32.const -inf))
            (local.set $y (local.get $y0))
            (block $ys_done (loop $ysl
              (br_if $ys_done (i32.ge_s (local.get $y) (local.get $y1)))
              (local.set $xx (local.get $x0))
              (block $xs_done (loop $xsl
                (br_if $xs_done (i32.ge_s (local.get $xx) (local.get $x1)))
                (local.set $pix (i32.add (i32.add (local.get $img) (local.get $ch))
                  (i32.add (i32.mul (local.get $y) (local.get $rowBytes)) (i32.mul (local.get $xx) (local.get $cb)))))
                (if (f32.gt (f32.load (i32.add (local.get $x) (local.get $pix))) (local.get $bestS))
                  (then (local.set $bestS (f32.load (i32.add (local.get $x) (local.get $pix))))))
                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                (br $xsl)))
              (local.set $y (i32.add (local.get $y) (i32.const 1)))
              (br $ysl)))
            (local.set $openS (f32.gt (local.get $bestS) (f32.const -inf)))
            (local.set $y (local.get $y0))
            (block $ys2_done (loop $ys2l
              (br_if $ys2_done (i32.or (i32.eqz (local.get $openS)) (i32.ge_s (local.get $y) (local.get $y1))))
              (local.set $xx (local.get $x0))
              (block $xs2_done (loop $xs2l
                (br_if $xs2_done (i32.or (i32.eqz (local.get $openS)) (i32.ge_s (local.get $xx) (local.get $x1))))
                (local.set $pix (i32.add (i32.add (local.get $img) (local.get $ch))
                  (i32.add (i32.mul (local.get $y) (local.get $rowBytes)) (i32.mul (local.get $xx) (local.get $cb)))))
                (if (f32.eq (f32.load (i32.add (local.get $x) (local.get $pix))) (local.get $bestS))
                  (then
                    (f32.store (i32.add (local.get $dx) (local.get $pix))
                      (f32.add (f32.load (i32.add (local.get $dx) (local.get $pix))) (f32.load (local.get $g))))
                    (local.set $openS (i32.const 0))))
                (local.set $xx (i32.add (local.get $xx) (i32.const 1)))
                (br $xs2l)))
              (local.set $y (i32.add (local.get $y) (i32.const 1)))
              (br $ys2l)))
            (local.set $g (i32.add (local.get $g) (i32.const 4)))
            (local.set $ch (i32.add (local.get $ch) (i32.const 4)))
            (br $sl)))
          (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
          (br $oxl)))
        (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
        (br $oyl)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nl)))
  )
)
