;; C[M×N] (+)= A·B in single precision, cache-blocked with packed panels (Goto & van de Geijn 2008)
;; and a 4×8 register tile of fused multiply-adds (relaxed SIMD's f32x4.relaxed_madd, one rounding
;; per product-sum where the CPU has FMA, a multiply and an add elsewhere).
;; A(i,k) sits at a + 4·(i·sai + k·sak), B(k,j) at b + 4·(k·sbk + j·sbj): strides select A, Aᵀ, B, Bᵀ,
;; so the convolution's three products need no transposed copies. C(i,j) sits at c + 4·(i·ldc + j):
;; a row-major [M×N] matrix (ldc = N), or a band of columns of a wider one (a thread's share).
;; Blocking: N in blocks of NC = 256 columns, K in blocks of KC = 256, M in blocks of MC = 64; a
;; KC×NC block of B is packed into 8-column strips (k-major, 8 floats a step) and an MC×KC block of A
;; into 4-row slabs (k-major, 4 floats a step), zero-padded at the edges, so the inner loop reads
;; both sequentially: per k, two vectors of B, four broadcasts of A, eight fused multiply-adds.
;; An operand stored across that order (A by rows, B by columns) is packed four k at a time
;; through 4×4 register transposes ($store_transposed) instead of one float at a time.
;; `work` holds the packed panels: NC·KC + MC·KC + 32 floats (the last 32: an edge tile), plus 16
;; floats of slack: the panels start at the first 64-byte boundary in it, because a vector load
;; that straddles two cache lines costs about twice one that does not, and malloc'd memory (the
;; tfjs heap) is only 8-byte aligned.
;; accumulate = 0 overwrites C, 1 adds to it.
(module
  (import "env" "memory" (memory 1))

  (func (export "gemm") (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $sbk i32) (param $sbj i32)
                        (param $c i32) (param $ldc i32) (param $M i32) (param $K i32) (param $N i32) (param $work i32) (param $accumulate i32)
    (local $jc i32) (local $pc i32) (local $ic i32) (local $nc i32) (local $kc i32) (local $mc i32)
    (local $bp i32) (local $ap i32) (local $jr i32) (local $ir i32) (local $beta i32) (local $direct i32)
    (local $full i32) (local $strip i32)
    (local.set $bp (i32.and (i32.add (local.get $work) (i32.const 63)) (i32.const -64)))
    (local.set $ap (i32.add (local.get $bp) (i32.const 262144))) ;; 4·NC·KC bytes
    ;; One block of A's rows (M ≤ MC) meets each strip of B once: packing B then only copies it.
    ;; B stored by rows is read in place, but for a last strip narrower than 8 (packed, zero-padded),
    ;; and for rows a multiple of 4 KiB apart, whose strips would all fall in one set of the cache.
    (local.set $direct (i32.and (i32.and (i32.le_u (local.get $M) (i32.const 64)) (i32.eq (local.get $sbj) (i32.const 1)))
      (i32.ne (i32.and (local.get $sbk) (i32.const 1023)) (i32.const 0))))
    (block $jc_done (loop $jcl
      (br_if $jc_done (i32.ge_u (local.get $jc) (local.get $N)))
      (local.set $nc (select (i32.sub (local.get $N) (local.get $jc)) (i32.const 256)
        (i32.lt_u (i32.sub (local.get $N) (local.get $jc)) (i32.const 256))))
      (local.set $pc (i32.const 0))
      (block $pc_done (loop $pcl
        (br_if $pc_done (i32.ge_u (local.get $pc) (local.get $K)))
        (local.set $kc (select (i32.sub (local.get $K) (local.get $pc)) (i32.const 256)
          (i32.lt_u (i32.sub (local.get $K) (local.get $pc)) (i32.const 256))))
        (local.set $beta (i32.or (local.get $accumulate) (i32.ne (local.get $pc) (i32.const 0))))
        (local.set $full (select (i32.and (local.get $nc) (i32.const -8)) (i32.const 0) (local.get $direct)))
        (if (i32.lt_u (local.get $full) (local.get $nc)) (then
          (call $packB (local.get $b) (local.get $sbk) (local.get $sbj) (local.get $pc)
            (i32.add (local.get $jc) (local.get $full)) (local.get $kc) (i32.sub (local.get $nc) (local.get $full))
            (local.get $bp))))
        (local.set $ic (i32.const 0))
        (block $ic_done (loop $icl
          (br_if $ic_done (i32.ge_u (local.get $ic) (local.get $M)))
          (local.set $mc (select (i32.sub (local.get $M) (local.get $ic)) (i32.const 64)
            (i32.lt_u (i32.sub (local.get $M) (local.get $ic)) (i32.const 64))))
          (call $packA (local.get $a) (local.get $sai) (local.get $sak) (local.get $ic) (local.get $pc)
            (local.get $mc) (local.get $kc) (local.get $ap))
          ;; every 8-column strip of the B block against every 4-row slab of the A block
          (local.set $jr (i32.const 0))
          (block $jr_done (loop $jrl
            (br_if $jr_done (i32.ge_u (local.get $jr) (local.get $nc)))
            ;; strip jr: in place in B (below `full`), else its packed copy
            (local.set $strip (select
              (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $pc) (local.get $sbk))
                (i32.add (local.get $jc) (local.get $jr))) (i32.const 2)))
              (i32.add (local.get $bp) (i32.shl (i32.mul (i32.sub (local.get $jr) (local.get $full)) (local.get $kc)) (i32.const 2)))
              (i32.lt_u (local.get $jr) (local.get $full))))
            (local.set $ir (i32.const 0))
            (block $ir_done (loop $irl
              (br_if $ir_done (i32.ge_u (local.get $ir) (local.get $mc)))
              (call $tile
                (i32.add (local.get $ap) (i32.shl (i32.mul (local.get $ir) (local.get $kc)) (i32.const 2)))
                (local.get $strip)
                (select (i32.shl (local.get $sbk) (i32.const 2)) (i32.const 32) (i32.lt_u (local.get $jr) (local.get $full)))
                (local.get $kc)
                (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (i32.add (local.get $ic) (local.get $ir)) (local.get $ldc))
                  (i32.add (local.get $jc) (local.get $jr))) (i32.const 2)))
                (local.get $ldc)
                (select (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)
                  (i32.lt_u (i32.sub (local.get $mc) (local.get $ir)) (i32.const 4)))
                (select (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8)
                  (i32.lt_u (i32.sub (local.get $nc) (local.get $jr)) (i32.const 8)))
                (local.get $beta)
                (i32.add (local.get $ap) (i32.const 65536))) ;; the edge tile after the A panel (4·MC·KC bytes)
              (local.set $ir (i32.add (local.get $ir) (i32.const 4)))
              (br $irl)))
            (local.set $jr (i32.add (local.get $jr) (i32.const 8)))
            (br $jrl)))
          (local.set $ic (i32.add (local.get $ic) (i32.const 64)))
          (br $icl)))
        (local.set $pc (i32.add (local.get $pc) (i32.const 256)))
        (br $pcl)))
      (local.set $jc (i32.add (local.get $jc) (i32.const 256)))
      (br $jcl)))
  )

  ;; dst[strip][k][0..8) = B(pc + k, jc + 8·strip + j), 0 past column nc.
  (func $packB (param $b i32) (param $sbk i32) (param $sbj i32) (param $pc i32) (param $jc i32)
               (param $kc i32) (param $nc i32) (param $dst i32)
    (local $s i32) (local $k i32) (local $j i32) (local $row i32) (local $cols i32) (local $src i32) (local $cstep i32)
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $s) (local.get $nc)))
      (local.set $cols (select (i32.sub (local.get $nc) (local.get $s)) (i32.const 8)
        (i32.lt_u (i32.sub (local.get $nc) (local.get $s)) (i32.const 8))))
      (local.set $k (i32.const 0))
      (if (i32.and (i32.eq (local.get $sbk) (i32.const 1)) (i32.eq (local.get $cols) (i32.const 8)))
        (then
          ;; B stored by columns (Bᵀ row-major): four k at a time from each of the strip's eight
          ;; columns, transposed in registers; the last kc mod 4 go one float at a time below
          (local.set $cstep (i32.shl (local.get $sbj) (i32.const 2)))
          (block $k4_done (loop $k4l
            (br_if $k4_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            (local.set $src (i32.add (local.get $b) (i32.shl (i32.add (i32.add (local.get $pc) (local.get $k))
              (i32.mul (i32.add (local.get $jc) (local.get $s)) (local.get $sbj))) (i32.const 2))))
            (call $store_transposed (local.get $dst) (i32.const 32)
              (v128.load (local.get $src))
              (v128.load (i32.add (local.get $src) (local.get $cstep)))
              (v128.load (i32.add (local.get $src) (i32.shl (local.get $cstep) (i32.const 1))))
              (v128.load (i32.add (local.get $src) (i32.mul (local.get $cstep) (i32.const 3)))))
            (local.set $src (i32.add (local.get $src) (i32.shl (local.get $cstep) (i32.const 2))))
            (call $store_transposed (i32.add (local.get $dst) (i32.const 16)) (i32.const 32)
              (v128.load (local.get $src))
              (v128.load (i32.add (local.get $src) (local.get $cstep)))
              (v128.load (i32.add (local.get $src) (i32.shl (local.get $cstep) (i32.const 1))))
              (v128.load (i32.add (local.get $src) (i32.mul (local.get $cstep) (i32.const 3)))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k4l)))))
      (block $k_done (loop $kl
        (br_if $k_done (i32.ge_u (local.get $k) (local.get $kc)))
        (local.set $src (i32.add (local.get $b) (i32.shl (i32.add
          (i32.mul (i32.add (local.get $pc) (local.get $k)) (local.get $sbk))
          (i32.mul (i32.add (local.get $jc) (local.get $s)) (local.get $sbj))) (i32.const 2))))
        (if (i32.and (i32.eq (local.get $sbj) (i32.const 1)) (i32.eq (local.get $cols) (i32.const 8)))
          (then
            (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src))))
          (else
            (v128.store offset=0 (local.get $dst) (v128.const f32x4 0 0 0 0))
            (v128.store offset=16 (local.get $dst) (v128.const f32x4 0 0 0 0))
            (local.set $j (i32.const 0))
            (block $j_done (loop $jl
              (br_if $j_done (i32.ge_u (local.get $j) (local.get $cols)))
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $j) (i32.const 2)))
                (f32.load (i32.add (local.get $src) (i32.shl (i32.mul (local.get $j) (local.get $sbj)) (i32.const 2)))))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br $jl)))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $kl)))
      (local.set $s (i32.add (local.get $s) (i32.const 8)))
      (br $sl)))
  )

  ;; Rows of the 4×4 block whose columns are v0…v3, stored at dst, dst + stride, … (the lane
  ;; shuffles of gemm.wat's transpose): row r = (v0ᵣ v1ᵣ v2ᵣ v3ᵣ).
  (func $store_transposed (param $dst i32) (param $stride i32) (param $v0 v128) (param $v1 v128) (param $v2 v128) (param $v3 v128)
    (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
    ;; t0 = (v0₀ v1₀ v0₁ v1₁), t1 = (v0₂ v1₂ v0₃ v1₃), t2, t3 the same of v2, v3
    (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
    (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
    (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
    (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
    (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
  )

  ;; dst[slab][k][0..4) = A(ic + 4·slab + r, pc + k), 0 past row mc.
  (func $packA (param $a i32) (param $sai i32) (param $sak i32) (param $ic i32) (param $pc i32)
               (param $mc i32) (param $kc i32) (param $dst i32)
    (local $s i32) (local $k i32) (local $r i32) (local $rows i32) (local $src i32) (local $rstep i32) (local $kstep i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128)
    (local.set $rstep (i32.shl (local.get $sai) (i32.const 2)))
    (local.set $kstep (i32.shl (local.get $sak) (i32.const 2)))
    (block $s_done (loop $sl
      (br_if $s_done (i32.ge_u (local.get $s) (local.get $mc)))
      (local.set $rows (select (i32.sub (local.get $mc) (local.get $s)) (i32.const 4)
        (i32.lt_u (i32.sub (local.get $mc) (local.get $s)) (i32.const 4))))
      (local.set $src (i32.add (local.get $a) (i32.shl (i32.add
        (i32.mul (i32.add (local.get $ic) (local.get $s)) (local.get $sai))
        (i32.mul (local.get $pc) (local.get $sak))) (i32.const 2))))
      (local.set $k (i32.const 0))
      (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $sai) (i32.const 1)))
        (then
          ;; Aᵀ stored row-major: a slab's four values at one k are adjacent
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $kc)))
            (v128.store (local.get $dst) (v128.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $kstep)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl))))
      (else (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $sak) (i32.const 1)))
        (then
          ;; A stored by rows: four k at a time from each row, transposed in registers, then the
          ;; last kc mod 4 one float at a time
          (block $k4_done (loop $k4l
            (br_if $k4_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
            (local.set $v0 (v128.load (local.get $src)))
            (local.set $v1 (v128.load (i32.add (local.get $src) (local.get $rstep))))
            (local.set $v2 (v128.load (i32.add (local.get $src) (i32.shl (local.get $rstep) (i32.const 1)))))
            (local.set $v3 (v128.load (i32.add (local.get $src) (i32.mul (local.get $rstep) (i32.const 3)))))
            (call $store_transposed (local.get $dst) (i32.const 16) (local.get $v0) (local.get $v1) (local.get $v2) (local.get $v3))
            (local.set $src (i32.add (local.get $src) (i32.const 16)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $k4l)))
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $kc)))
            (f32.store offset=0 (local.get $dst) (f32.load (local.get $src)))
            (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $rstep))))
            (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.shl (local.get $rstep) (i32.const 1)))))
            (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.mul (local.get $rstep) (i32.const 3)))))
            (local.set $src (i32.add (local.get $src) (local.get $kstep)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl))))
      (else (if (i32.eq (local.get $rows) (i32.const 4))
        (then
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $kc)))
            (f32.store offset=0 (local.get $dst) (f32.load (local.get $src)))
            (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $src) (local.get $rstep))))
            (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.shl (local.get $rstep) (i32.const 1)))))
            (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $src) (i32.mul (local.get $rstep) (i32.const 3)))))
            (local.set $src (i32.add (local.get $src) (local.get $kstep)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl))))
        (else
          (block $k_done (loop $kl
            (br_if $k_done (i32.ge_u (local.get $k) (local.get $kc)))
            (v128.store (local.get $dst) (v128.const f32x4 0 0 0 0))
            (local.set $r (i32.const 0))
            (block $r_done (loop $rl
              (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
              (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
                (f32.load (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rstep)))))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $rl)))
            (local.set $src (i32.add (local.get $src) (local.get $kstep)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $kl)))))))))
      (local.set $s (i32.add (local.get $s) (i32.const 4)))
      (br $sl)))
  )

  ;; One 4×8 tile: Σ_k Ap[k][r]·Bp[k][j] into C at c (row stride ldc floats), rows × cols of it valid,
  ;; Bp's steps of k `bs` bytes apart (32 packed; B's own row stride read in place);
  ;; beta = 1 adds to C. Partial tiles go through the 32-float `edge` buffer.
  (func $tile (param $ap i32) (param $bp i32) (param $bs i32) (param $kc i32) (param $c i32) (param $ldc i32)
              (param $rows i32) (param $cols i32) (param $beta i32) (param $edge i32)
    (local $k i32) (local $b0 v128) (local $b1 v128) (local $av v128) (local $a4 v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $rb i32) (local $p i32) (local $r i32) (local $j i32) (local $q i32)
    (block $k_done (loop $kl
      (br_if $k_done (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $kc)))
      ;; repeat 4 {
      (local.set $b0 (v128.load offset=0 (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $a4 (v128.load (local.get $ap)))
      (local.set $av (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $a4) (local.get $a4)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c01)))
      (local.set $av (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $a4) (local.get $a4)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c11)))
      (local.set $av (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $a4) (local.get $a4)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c21)))
      (local.set $av (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $a4) (local.get $a4)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c31)))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (local.get $bs)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      ;; }
      (br $kl)))
    (block $t_done (loop $tl
      (br_if $t_done (i32.ge_u (local.get $k) (local.get $kc)))
      (local.set $b0 (v128.load offset=0 (local.get $bp)))
      (local.set $b1 (v128.load offset=16 (local.get $bp)))
      (local.set $a4 (v128.load (local.get $ap)))
      (local.set $av (i8x16.shuffle 0 1 2 3 0 1 2 3 0 1 2 3 0 1 2 3 (local.get $a4) (local.get $a4)))
      (local.set $c00 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c00)))
      (local.set $c01 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c01)))
      (local.set $av (i8x16.shuffle 4 5 6 7 4 5 6 7 4 5 6 7 4 5 6 7 (local.get $a4) (local.get $a4)))
      (local.set $c10 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c10)))
      (local.set $c11 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c11)))
      (local.set $av (i8x16.shuffle 8 9 10 11 8 9 10 11 8 9 10 11 8 9 10 11 (local.get $a4) (local.get $a4)))
      (local.set $c20 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c20)))
      (local.set $c21 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c21)))
      (local.set $av (i8x16.shuffle 12 13 14 15 12 13 14 15 12 13 14 15 12 13 14 15 (local.get $a4) (local.get $a4)))
      (local.set $c30 (f32x4.relaxed_madd (local.get $av) (local.get $b0) (local.get $c30)))
      (local.set $c31 (f32x4.relaxed_madd (local.get $av) (local.get $b1) (local.get $c31)))
      (local.set $ap (i32.add (local.get $ap) (i32.const 16)))
      (local.set $bp (i32.add (local.get $bp) (local.get $bs)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $tl)))
    (local.set $rb (i32.shl (local.get $ldc) (i32.const 2)))
    (if (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $cols) (i32.const 8)))
      (then
        (local.set $p (local.get $c))
        (if (local.get $beta) (then
          (local.set $c00 (f32x4.add (local.get $c00) (v128.load offset=0 (local.get $p))))
          (local.set $c01 (f32x4.add (local.get $c01) (v128.load offset=16 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $rb)))
          (local.set $c10 (f32x4.add (local.get $c10) (v128.load offset=0 (local.get $p))))
          (local.set $c11 (f32x4.add (local.get $c11) (v128.load offset=16 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $rb)))
          (local.set $c20 (f32x4.add (local.get $c20) (v128.load offset=0 (local.get $p))))
          (local.set $c21 (f32x4.add (local.get $c21) (v128.load offset=16 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (local.get $rb)))
          (local.set $c30 (f32x4.add (local.get $c30) (v128.load offset=0 (local.get $p))))
          (local.set $c31 (f32x4.add (local.get $c31) (v128.load offset=16 (local.get $p))))
          (local.set $p (local.get $c))))
        (v128.store offset=0 (local.get $p) (local.get $c00))
        (v128.store offset=16 (local.get $p) (local.get $c01))
        (local.set $p (i32.add (local.get $p) (local.get $rb)))
        (v128.store offset=0 (local.get $p) (local.get $c10))
        (v128.store offset=16 (local.get $p) (local.get $c11))
        (local.set $p (i32.add (local.get $p) (local.get $rb)))
        (v128.store offset=0 (local.get $p) (local.get $c20))
        (v128.store offset=16 (local.get $p) (local.get $c21))
        (local.set $p (i32.add (local.get $p) (local.get $rb)))
        (v128.store offset=0 (local.get $p) (local.get $c30))
        (v128.store offset=16 (local.get $p) (local.get $c31)))
      (else
        (v128.store offset=0 (local.get $edge) (local.get $c00))
        (v128.store offset=16 (local.get $edge) (local.get $c01))
        (v128.store offset=32 (local.get $edge) (local.get $c10))
        (v128.store offset=48 (local.get $edge) (local.get $c11))
        (v128.store offset=64 (local.get $edge) (local.get $c20))
        (v128.store offset=80 (local.get $edge) (local.get $c21))
        (v128.store offset=96 (local.get $edge) (local.get $c30))
        (v128.store offset=112 (local.get $edge) (local.get $c31))
        (block $r_done (loop $rl
          (br_if $r_done (i32.ge_u (local.get $r) (local.get $rows)))
          (local.set $j (i32.const 0))
          (block $j_done (loop $jl
            (br_if $j_done (i32.ge_u (local.get $j) (local.get $cols)))
            (local.set $p (i32.add (i32.add (local.get $c) (i32.mul (local.get $r) (local.get $rb))) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $q (i32.add (local.get $edge) (i32.shl (i32.add (i32.shl (local.get $r) (i32.const 3)) (local.get $j)) (i32.const 2))))
            (f32.store (local.get $p) (f32.add (f32.load (local.get $q))
              (select (f32.load (local.get $p)) (f32.const 0) (local.get $beta))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jl)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rl)))))
  )
)
