;; Winograd's minimal filtering for 3×3 convolutions, stride 1, padding 1, on NHWC tensors
;; (Lavin & Gray 2016, "Fast Algorithms for Convolutional Neural Networks"). The output is cut
;; into 2×2 tiles t = (n, ty, tx); tile t reads the 4×4 input patch d at rows 2ty − 1 .. 2ty + 2
;; and columns 2tx − 1 .. 2tx + 2 (zeros outside the image). With F(2×2, 3×3)
;;
;;   y_t = Aᵀ [ (G g Gᵀ) ⊙ (Bᵀ d B) ] A,
;;   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1],
;;
;; the 16 products of each element ξ of the 4×4 transform sum over input channels: one matrix
;; product per ξ, M_ξ[t, k] = Σ_c V_ξ[t, c] · U_ξ[c, k], 16 multiplications per tile and channel
;; pair where the direct sum takes 36. The filter gradient is F(3×3, 2×2) on the same input
;; transform V: dW = Gᵀ [ Σ_t (A dy_t Aᵀ) ⊙ (Bᵀ d_t B) ] G, with dy_t the tile's 2×2 output
;; gradient; the input gradient is the forward pass of dy with the filter flipped (transform_filter
;; with flip = 1).
;; Layouts, ξ = 4·row + column of the 4×4 transform: V [16][T][C], U [16][C][K], M [16][T][K].
;; Channels go four at a time (C and K multiples of 4); `tmp` is 512 bytes of scratch.
(module
  (import "env" "memory" (memory 1))

  ;; 1-D transforms of four channels: vector i of the input at src + i·ss, of the output at dst + j·ds.
  ;; Bᵀ (4 → 4)
  (func $bt (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128)
    (local.set $x0 (v128.load (local.get $src)))
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $ss) (i32.const 1)))))
    (local.set $x3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $ss) (i32.const 3)))))
    (v128.store (local.get $dst) (f32x4.sub (local.get $x0) (local.get $x2)))
    (v128.store (i32.add (local.get $dst) (local.get $ds)) (f32x4.add (local.get $x1) (local.get $x2)))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1))) (f32x4.sub (local.get $x2) (local.get $x1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $ds) (i32.const 3))) (f32x4.sub (local.get $x1) (local.get $x3)))
  )

  ;; Aᵀ (4 → 2)
  (func $at (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $x1 v128) (local $x2 v128)
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $ss) (i32.const 1)))))
    (v128.store (local.get $dst)
      (f32x4.add (f32x4.add (v128.load (local.get $src)) (local.get $x1)) (local.get $x2)))
    (v128.store (i32.add (local.get $dst) (local.get $ds))
      (f32x4.sub (f32x4.sub (local.get $x1) (local.get $x2))
        (v128.load (i32.add (local.get $src) (i32.mul (local.get $ss) (i32.const 3))))))
  )

  ;; G (3 → 4)
  (func $g (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $half v128)
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (local.set $x0 (v128.load (local.get $src)))
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $ss) (i32.const 1)))))
    (v128.store (local.get $dst) (local.get $x0))
    (v128.store (i32.add (local.get $dst) (local.get $ds))
      (f32x4.mul (local.get $half) (f32x4.add (f32x4.add (local.get $x0) (local.get $x1)) (local.get $x2))))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1)))
      (f32x4.mul (local.get $half) (f32x4.add (f32x4.sub (local.get $x0) (local.get $x1)) (local.get $x2))))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $ds) (i32.const 3))) (local.get $x2))
  )

  ;; A (2 → 4): the rows of A = [1 0; 1 1; 1 −1; 0 −1]
  (func $a (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $x0 v128) (local $x1 v128)
    (local.set $x0 (v128.load (local.get $src)))
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (v128.store (local.get $dst) (local.get $x0))
    (v128.store (i32.add (local.get $dst) (local.get $ds)) (f32x4.add (local.get $x0) (local.get $x1)))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1))) (f32x4.sub (local.get $x0) (local.get $x1)))
    (v128.store (i32.add (local.get $dst) (i32.mul (local.get $ds) (i32.const 3))) (f32x4.neg (local.get $x1)))
  )

  ;; Gᵀ (4 → 3): the rows of Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]
  (func $gt (param $src i32) (param $ss i32) (param $dst i32) (param $ds i32)
    (local $x1 v128) (local $x2 v128) (local $half v128) (local $mid v128)
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (local.set $x1 (v128.load (i32.add (local.get $src) (local.get $ss))))
    (local.set $x2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $ss) (i32.const 1)))))
    (local.set $mid (f32x4.mul (local.get $half) (f32x4.add (local.get $x1) (local.get $x2))))
    (v128.store (local.get $dst) (f32x4.add (v128.load (local.get $src)) (local.get $mid)))
    (v128.store (i32.add (local.get $dst) (local.get $ds))
      (f32x4.mul (local.get $half) (f32x4.sub (local.get $x1) (local.get $x2))))
    (v128.store (i32.add (local.get $dst) (i32.shl (local.get $ds) (i32.const 1)))
      (f32x4.add (local.get $mid) (v128.load (i32.add (local.get $src) (i32.mul (local.get $ss) (i32.const 3))))))
  )

  ;; Where pixel (iy, ix) of image r starts (bytes), or −1 outside the image.
  (func $pixel (param $image i32) (param $r i32) (param $iy i32) (param $ix i32)
               (param $h i32) (param $w i32) (param $cb i32) (result i32)
    (if (result i32) (i32.and (i32.lt_u (local.get $iy) (local.get $h)) (i32.lt_u (local.get $ix) (local.get $w)))
      (then (i32.add (local.get $image)
        (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $r) (local.get $h)) (local.get $iy)) (local.get $w))
          (local.get $ix)) (local.get $cb))))
      (else (i32.const -1)))
  )

  ;; V_ξ[t, c] = (Bᵀ d_t B)[ξ] for every tile of x [n, h, w, c].
  (func (export "transform_input") (param $x i32) (param $V i32) (param $n i32) (param $h i32) (param $w i32)
                                   (param $c i32) (param $tmp i32)
    (local $tY i32) (local $tX i32) (local $T i32) (local $cb i32) (local $xi i32) (local $t i32)
    (local $r i32) (local $ty i32) (local $tx i32) (local $i i32) (local $j i32) (local $cg i32) (local $src i32)
    (local.set $tY (i32.shr_u (i32.add (local.get $h) (i32.const 1)) (i32.const 1)))
    (local.set $tX (i32.shr_u (i32.add (local.get $w) (i32.const 1)) (i32.const 1)))
    (local.set $T (i32.mul (i32.mul (local.get $n) (local.get $tY)) (local.get $tX)))
    (local.set $cb (i32.shl (local.get $c) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $T) (local.get $cb))) ;; bytes from one ξ to the next
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $ty (i32.const 0))
      (block $ty_done (loop $tyl
        (br_if $ty_done (i32.ge_u (local.get $ty) (local.get $tY)))
        (local.set $tx (i32.const 0))
        (block $tx_done (loop $txl
          (br_if $tx_done (i32.ge_u (local.get $tx) (local.get $tX)))
          (local.set $cg (i32.const 0))
          (block $c_done (loop $cl
            (br_if $c_done (i32.ge_u (local.get $cg) (local.get $cb)))
            ;; d [4][4] of four channels into tmp (zeros outside the image)
            (local.set $i (i32.const 0))
            (block $i_done (loop $il
              (br_if $i_done (i32.ge_u (local.get $i) (i32.const 4)))
              (local.set $j (i32.const 0))
              (block $j_done (loop $jl
                (br_if $j_done (i32.ge_u (local.get $j) (i32.const 4)))
                (local.set $src (call $pixel (local.get $x) (local.get $r)
                  (i32.sub (i32.add (i32.shl (local.get $ty) (i32.const 1)) (local.get $i)) (i32.const 1))
                  (i32.sub (i32.add (i32.shl (local.get $tx) (i32.const 1)) (local.get $j)) (i32.const 1))
                  (local.get $h) (local.get $w) (local.get $cb)))
                (v128.store (i32.add (local.get $tmp) (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 2)) (local.get $j)) (i32.const 4)))
                  (if (result v128) (i32.ge_s (local.get $src) (i32.const 0))
                    (then (v128.load (i32.add (local.get $src) (local.get $cg))))
                    (else (v128.const i32x4 0 0 0 0))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jl)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $il)))
            ;; Bᵀ d down each column (into tmp + 256), then · B along each row into V
            (call $bt (local.get $tmp) (i32.const 64) (i32.add (local.get $tmp) (i32.const 256)) (i32.const 64))
            (call $bt (i32.add (local.get $tmp) (i32.const 16)) (i32.const 64) (i32.add (local.get $tmp) (i32.const 272)) (i32.const 64))
            (call $bt (i32.add (local.get $tmp) (i32.const 32)) (i32.const 64) (i32.add (local.get $tmp) (i32.const 288)) (i32.const 64))
            (call $bt (i32.add (local.get $tmp) (i32.const 48)) (i32.const 64) (i32.add (local.get $tmp) (i32.const 304)) (i32.const 64))
            (local.set $i (i32.const 0))
            (block $row_done (loop $rowl
              (br_if $row_done (i32.ge_u (local.get $i) (i32.const 4)))
              (call $bt (i32.add (local.get $tmp) (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 6)))) (i32.const 16)
                (i32.add (i32.add (local.get $V) (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $xi)))
                  (i32.add (i32.mul (local.get $t) (local.get $cb)) (local.get $cg)))
                (local.get $xi))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $rowl)))
            (local.set $cg (i32.add (local.get $cg) (i32.const 16)))
            (br $cl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
          (br $txl)))
        (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
        (br $tyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; y [n, h, w, k] from M [16][T][k]: y at (2ty + i, 2tx + j) = (Aᵀ M_t A)[i][j], inside the image.
  (func (export "transform_output") (param $M i32) (param $y i32) (param $n i32) (param $h i32) (param $w i32)
                                    (param $k i32) (param $tmp i32)
    (local $tY i32) (local $tX i32) (local $T i32) (local $kb i32) (local $xi i32) (local $t i32)
    (local $r i32) (local $ty i32) (local $tx i32) (local $i i32) (local $j i32) (local $kg i32) (local $dst i32)
    (local.set $tY (i32.shr_u (i32.add (local.get $h) (i32.const 1)) (i32.const 1)))
    (local.set $tX (i32.shr_u (i32.add (local.get $w) (i32.const 1)) (i32.const 1)))
    (local.set $T (i32.mul (i32.mul (local.get $n) (local.get $tY)) (local.get $tX)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $T) (local.get $kb)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $ty (i32.const 0))
      (block $ty_done (loop $tyl
        (br_if $ty_done (i32.ge_u (local.get $ty) (local.get $tY)))
        (local.set $tx (i32.const 0))
        (block $tx_done (loop $txl
          (br_if $tx_done (i32.ge_u (local.get $tx) (local.get $tX)))
          (local.set $kg (i32.const 0))
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $kg) (local.get $kb)))
            ;; Aᵀ M down each column: M_ξ for ξ = 4·row + column sits at ξ·xi; into tmp [2][4]
            (local.set $j (i32.const 0))
            (block $col_done (loop $coll
              (br_if $col_done (i32.ge_u (local.get $j) (i32.const 4)))
              (call $at
                (i32.add (i32.add (local.get $M) (i32.mul (local.get $j) (local.get $xi)))
                  (i32.add (i32.mul (local.get $t) (local.get $kb)) (local.get $kg)))
                (i32.shl (local.get $xi) (i32.const 2))
                (i32.add (local.get $tmp) (i32.shl (local.get $j) (i32.const 4))) (i32.const 64))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $coll)))
            ;; · A along each row: tmp + 256 [2][2]
            (call $at (local.get $tmp) (i32.const 16) (i32.add (local.get $tmp) (i32.const 256)) (i32.const 16))
            (call $at (i32.add (local.get $tmp) (i32.const 64)) (i32.const 16) (i32.add (local.get $tmp) (i32.const 288)) (i32.const 16))
            (local.set $i (i32.const 0))
            (block $i_done (loop $il
              (br_if $i_done (i32.ge_u (local.get $i) (i32.const 2)))
              (local.set $j (i32.const 0))
              (block $j_done (loop $jl
                (br_if $j_done (i32.ge_u (local.get $j) (i32.const 2)))
                (local.set $dst (call $pixel (local.get $y) (local.get $r)
                  (i32.add (i32.shl (local.get $ty) (i32.const 1)) (local.get $i))
                  (i32.add (i32.shl (local.get $tx) (i32.const 1)) (local.get $j))
                  (local.get $h) (local.get $w) (local.get $kb)))
                (if (i32.ge_s (local.get $dst) (i32.const 0)) (then
                  (v128.store (i32.add (local.get $dst) (local.get $kg))
                    (v128.load (i32.add (local.get $tmp) (i32.add (i32.const 256)
                      (i32.shl (i32.add (i32.shl (local.get $i) (i32.const 1)) (local.get $j)) (i32.const 4))))))))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $jl)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $il)))
            (local.set $kg (i32.add (local.get $kg) (i32.const 16)))
            (br $kl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
          (br $txl)))
        (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
        (br $tyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; U_ξ[c, k] = (G g Gᵀ)[ξ] of every filter g = W[·, ·, c, k] of W [3, 3, C, K] (flip = 1: of
  ;; W[2 − ky, 2 − kx, c, k], the input gradient's filter).
  (func (export "transform_filter") (param $W i32) (param $U i32) (param $c i32) (param $k i32)
                                    (param $flip i32) (param $tmp i32)
    (local $kb i32) (local $xi i32) (local $tap i32) (local $ci i32) (local $kg i32) (local $i i32) (local $j i32)
    (local $src i32)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $tap (i32.mul (local.get $c) (local.get $kb))) ;; bytes from one (ky, kx) of W to the next
    (local.set $xi (local.get $tap))
    (block $c_done (loop $cl
      (br_if $c_done (i32.ge_u (local.get $ci) (local.get $c)))
      (local.set $kg (i32.const 0))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $kg) (local.get $kb)))
        ;; g [3][3] into tmp (row stride 48 bytes)
        (local.set $i (i32.const 0))
        (block $i_done (loop $il
          (br_if $i_done (i32.ge_u (local.get $i) (i32.const 9)))
          (local.set $src (select (i32.sub (i32.const 8) (local.get $i)) (local.get $i) (local.get $flip)))
          (v128.store (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4)))
            (v128.load (i32.add (i32.add (local.get $W) (i32.mul (local.get $src) (local.get $tap)))
              (i32.add (i32.mul (local.get $ci) (local.get $kb)) (local.get $kg)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $il)))
        ;; G g down each column: tmp + 256 [4][3]
        (call $g (local.get $tmp) (i32.const 48) (i32.add (local.get $tmp) (i32.const 256)) (i32.const 48))
        (call $g (i32.add (local.get $tmp) (i32.const 16)) (i32.const 48) (i32.add (local.get $tmp) (i32.const 272)) (i32.const 48))
        (call $g (i32.add (local.get $tmp) (i32.const 32)) (i32.const 48) (i32.add (local.get $tmp) (i32.const 288)) (i32.const 48))
        ;; · Gᵀ along each row into U
        (local.set $i (i32.const 0))
        (block $row_done (loop $rowl
          (br_if $row_done (i32.ge_u (local.get $i) (i32.const 4)))
          (call $g (i32.add (local.get $tmp) (i32.add (i32.const 256) (i32.mul (local.get $i) (i32.const 48)))) (i32.const 16)
            (i32.add (i32.add (local.get $U) (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $xi)))
              (i32.add (i32.mul (local.get $ci) (local.get $kb)) (local.get $kg)))
            (local.get $xi))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $rowl)))
        (local.set $kg (i32.add (local.get $kg) (i32.const 16)))
        (br $kl)))
      (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
      (br $cl)))
  )

  ;; D_ξ[t, k] = (A dy_t Aᵀ)[ξ] of every 2×2 tile of dy [n, h, w, k] (zeros outside the image).
  (func (export "transform_output_gradient") (param $dy i32) (param $D i32) (param $n i32) (param $h i32)
                                             (param $w i32) (param $k i32) (param $tmp i32)
    (local $tY i32) (local $tX i32) (local $T i32) (local $kb i32) (local $xi i32) (local $t i32)
    (local $r i32) (local $ty i32) (local $tx i32) (local $i i32) (local $j i32) (local $kg i32) (local $src i32)
    (local.set $tY (i32.shr_u (i32.add (local.get $h) (i32.const 1)) (i32.const 1)))
    (local.set $tX (i32.shr_u (i32.add (local.get $w) (i32.const 1)) (i32.const 1)))
    (local.set $T (i32.mul (i32.mul (local.get $n) (local.get $tY)) (local.get $tX)))
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $T) (local.get $kb)))
    (block $r_done (loop $rl
      (br_if $r_done (i32.ge_u (local.get $r) (local.get $n)))
      (local.set $ty (i32.const 0))
      (block $ty_done (loop $tyl
        (br_if $ty_done (i32.ge_u (local.get $ty) (local.get $tY)))
        (local.set $tx (i32.const 0))
        (block $tx_done (loop $txl
          (br_if $tx_done (i32.ge_u (local.get $tx) (local.get $tX)))
          (local.set $kg (i32.const 0))
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $kg) (local.get $kb)))
            ;; dy_t [2][2] into tmp (row stride 32 bytes)
            (local.set $i (i32.const 0))
            (block $i_done (loop $il
              (br_if $i_done (i32.ge_u (local.get $i) (i32.const 4)))
              (local.set $src (call $pixel (local.get $dy) (local.get $r)
                (i32.add (i32.shl (local.get $ty) (i32.const 1)) (i32.shr_u (local.get $i) (i32.const 1)))
                (i32.add (i32.shl (local.get $tx) (i32.const 1)) (i32.and (local.get $i) (i32.const 1)))
                (local.get $h) (local.get $w) (local.get $kb)))
              (v128.store (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4)))
                (if (result v128) (i32.ge_s (local.get $src) (i32.const 0))
                  (then (v128.load (i32.add (local.get $src) (local.get $kg))))
                  (else (v128.const i32x4 0 0 0 0))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $il)))
            ;; A dy down each column: tmp + 256 [4][2]
            (call $a (local.get $tmp) (i32.const 32) (i32.add (local.get $tmp) (i32.const 256)) (i32.const 32))
            (call $a (i32.add (local.get $tmp) (i32.const 16)) (i32.const 32) (i32.add (local.get $tmp) (i32.const 272)) (i32.const 32))
            ;; · Aᵀ along each row into D
            (local.set $i (i32.const 0))
            (block $row_done (loop $rowl
              (br_if $row_done (i32.ge_u (local.get $i) (i32.const 4)))
              (call $a (i32.add (local.get $tmp) (i32.add (i32.const 256) (i32.shl (local.get $i) (i32.const 5)))) (i32.const 16)
                (i32.add (i32.add (local.get $D) (i32.mul (i32.shl (local.get $i) (i32.const 2)) (local.get $xi)))
                  (i32.add (i32.mul (local.get $t) (local.get $kb)) (local.get $kg)))
                (local.get $xi))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br $rowl)))
            (local.set $kg (i32.add (local.get $kg) (i32.const 16)))
            (br $kl)))
          (local.set $t (i32.add (local.get $t) (i32.const 1)))
          (local.set $tx (i32.add (local.get $tx) (i32.const 1)))
          (br $txl)))
        (local.set $ty (i32.add (local.get $ty) (i32.const 1)))
        (br $tyl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl)))
  )

  ;; dW [3, 3, C, K] = Gᵀ S G of S [16][C][K] (S_ξ = Σ_t V_ξ[t, c] · D_ξ[t, k]).
  (func (export "transform_filter_gradient") (param $S i32) (param $dW i32) (param $c i32) (param $k i32)
                                             (param $tmp i32)
    (local $kb i32) (local $xi i32) (local $ci i32) (local $kg i32) (local $i i32) (local $off i32)
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (local.set $xi (i32.mul (local.get $c) (local.get $kb)))
    (block $c_done (loop $cl
      (br_if $c_done (i32.ge_u (local.get $ci) (local.get $c)))
      (local.set $kg (i32.const 0))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $kg) (local.get $kb)))
        (local.set $off (i32.add (i32.mul (local.get $ci) (local.get $kb)) (local.get $kg)))
        ;; Gᵀ S down each column: tmp [3][4]
        (local.set $i (i32.const 0))
        (block $col_done (loop $coll
          (br_if $col_done (i32.ge_u (local.get $i) (i32.const 4)))
          (call $gt (i32.add (i32.add (local.get $S) (i32.mul (local.get $i) (local.get $xi))) (local.get $off))
            (i32.shl (local.get $xi) (i32.const 2))
            (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 4))) (i32.const 64))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $coll)))
        ;; · G along each row into dW[ky, kx] (a tap every C·K floats)
        (local.set $i (i32.const 0))
        (block $row_done (loop $rowl
          (br_if $row_done (i32.ge_u (local.get $i) (i32.const 3)))
          (call $gt (i32.add (local.get $tmp) (i32.shl (local.get $i) (i32.const 6))) (i32.const 16)
            (i32.add (i32.add (local.get $dW) (i32.mul (i32.mul (local.get $i) (i32.const 3)) (local.get $xi))) (local.get $off))
            (local.get $xi))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $rowl)))
        (local.set $kg (i32.add (local.get $kg) (i32.const 16)))
        (br $kl)))
      (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
      (br $cl)))
  )
)
