;; Single-precision matrix products on the tfjs wasm heap, with 128-bit SIMD (4 floats a lane group).
;; Row-major throughout; pointers and strides are in bytes/elements as named. Used by
;; wasm_batch_matmul.ts for the batched and transposed products tfjs-wasm leaves to a scalar loop.
(module
  (import "env" "memory" (memory 1))

  ;; C[M×N] = A·B where B[K×N] is row-major and A(i,k) sits at a + 4·(i·sai + k·sak):
  ;; sai = K, sak = 1 for A[M×K]; sai = 1, sak = M for Aᵀ stored as [K×M].
  ;; Each row of C is built 16 columns at a time in four accumulators (one broadcast of A(i,k)
  ;; against four vectors of B's row k), then 4 at a time, then one by one.
  (func (export "gemm_nb") (param $a i32) (param $sai i32) (param $sak i32) (param $b i32) (param $c i32)
                          (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $k i32) (local $ai i32) (local $bp i32) (local $cp i32)
    (local $av v128) (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $s f32)
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $ai (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $sai)) (i32.const 2))))
      (local.set $cp (i32.add (local.get $c) (i32.shl (i32.mul (local.get $i) (local.get $N)) (i32.const 2))))
      (local.set $j (i32.const 0))
      ;; 16 columns at a time
      (block $j16_done (loop $j16
        (br_if $j16_done (i32.gt_s (i32.add (local.get $j) (i32.const 16)) (local.get $N)))
        (local.set $x0 (v128.const f32x4 0 0 0 0)) (local.set $x1 (v128.const f32x4 0 0 0 0))
        (local.set $x2 (v128.const f32x4 0 0 0 0)) (local.set $x3 (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $k_done (loop $kl
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $av (f32x4.splat (f32.load (i32.add (local.get $ai) (i32.shl (i32.mul (local.get $k) (local.get $sak)) (i32.const 2))))))
          (local.set $bp (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j)) (i32.const 2))))
          (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (local.get $av) (v128.load offset=0 (local.get $bp)))))
          (local.set $x1 (f32x4.add (local.get $x1) (f32x4.mul (local.get $av) (v128.load offset=16 (local.get $bp)))))
          (local.set $x2 (f32x4.add (local.get $x2) (f32x4.mul (local.get $av) (v128.load offset=32 (local.get $bp)))))
          (local.set $x3 (f32x4.add (local.get $x3) (f32x4.mul (local.get $av) (v128.load offset=48 (local.get $bp)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $kl)))
        (local.set $bp (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))))
        (v128.store offset=0 (local.get $bp) (local.get $x0))
        (v128.store offset=16 (local.get $bp) (local.get $x1))
        (v128.store offset=32 (local.get $bp) (local.get $x2))
        (v128.store offset=48 (local.get $bp) (local.get $x3))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $j16)))
      ;; 4 columns at a time
      (block $j4_done (loop $j4
        (br_if $j4_done (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $N)))
        (local.set $x0 (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $k4_done (loop $k4
          (br_if $k4_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $av (f32x4.splat (f32.load (i32.add (local.get $ai) (i32.shl (i32.mul (local.get $k) (local.get $sak)) (i32.const 2))))))
          (local.set $bp (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j)) (i32.const 2))))
          (local.set $x0 (f32x4.add (local.get $x0) (f32x4.mul (local.get $av) (v128.load (local.get $bp)))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k4)))
        (v128.store (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $x0))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $j4)))
      ;; the remaining columns
      (block $j1_done (loop $j1
        (br_if $j1_done (i32.ge_s (local.get $j) (local.get $N)))
        (local.set $s (f32.const 0))
        (local.set $k (i32.const 0))
        (block $k1_done (loop $k1
          (br_if $k1_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $s (f32.add (local.get $s) (f32.mul
            (f32.load (i32.add (local.get $ai) (i32.shl (i32.mul (local.get $k) (local.get $sak)) (i32.const 2))))
            (f32.load (i32.add (local.get $b) (i32.shl (i32.add (i32.mul (local.get $k) (local.get $N)) (local.get $j)) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $k1)))
        (f32.store (i32.add (local.get $cp) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $j1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )

  ;; C[M×N] = A[M×K]·Bᵀ with B stored [N×K]: each C(i,j) is a dot product of two contiguous rows,
  ;; summed 4 lanes at a time, lanes added at the end, the k remainder one by one.
  (func (export "gemm_nt") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32)
    (local $i i32) (local $j i32) (local $k i32) (local $ap i32) (local $bp i32) (local $acc v128) (local $s f32) (local $k4 i32)
    (local.set $k4 (i32.and (local.get $K) (i32.const -4)))
    (block $rows_done (loop $rows
      (br_if $rows_done (i32.ge_u (local.get $i) (local.get $M)))
      (local.set $ap (i32.add (local.get $a) (i32.shl (i32.mul (local.get $i) (local.get $K)) (i32.const 2))))
      (local.set $j (i32.const 0))
      (block $cols_done (loop $cols
        (br_if $cols_done (i32.ge_u (local.get $j) (local.get $N)))
        (local.set $bp (i32.add (local.get $b) (i32.shl (i32.mul (local.get $j) (local.get $K)) (i32.const 2))))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $k_done (loop $kl
          (br_if $k_done (i32.ge_u (local.get $k) (local.get $k4)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
            (v128.load (i32.add (local.get $ap) (i32.shl (local.get $k) (i32.const 2))))
            (v128.load (i32.add (local.get $bp) (i32.shl (local.get $k) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 4)))
          (br $kl)))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $t_done (loop $tl
          (br_if $t_done (i32.ge_u (local.get $k) (local.get $K)))
          (local.set $s (f32.add (local.get $s) (f32.mul
            (f32.load (i32.add (local.get $ap) (i32.shl (local.get $k) (i32.const 2))))
            (f32.load (i32.add (local.get $bp) (i32.shl (local.get $k) (i32.const 2)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $tl)))
        (f32.store (i32.add (local.get $c) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $N)) (local.get $j)) (i32.const 2))) (local.get $s))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
  )
)
