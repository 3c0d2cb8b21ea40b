import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { instantiateWat, PACKED_GEMM_WORK_FLOATS, type PackedGemm } from "../lib/wasm/instantiate_wat.ts";
import { type Args, gemmBatch, MIN_FLOPS, ThreadedGemm } from "../lib/wasm/gemm_threads.ts";
import { HeapThreads } from "../lib/wasm/heap_threads.ts";
import { initBackend, tf } from "../lib/tf.ts";
import { heapThreads, setWasmThreads, wasmThreads } from "../lib/tf/wasm_heap.ts";
import { Rng } from "../lib/random/rng.ts";
import { BatchNorm, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "../lib/nn/mod.ts";
import { Adam } from "../lib/train/adam.ts";
import { crossEntropy } from "../lib/train/losses.ts";

/** One product through a gemm on a fresh shared heap: C is `ldc` wide, its product band starts at column `c0`. */
interface Case {
  M: number;
  K: number;
  N: number;
  transposeA?: boolean;
  transposeB?: boolean;
  accumulate?: boolean;
  ldc?: number;
}

/** A shared heap of `floats` floats (after 64 bytes) with room for two workers' work buffers after them. */
function sharedHeap(floats: number): { heap: WebAssembly.Memory; workers: number[] } {
  const heap = new WebAssembly.Memory({ initial: 1, maximum: 16384, shared: true });
  const end = 64 + 4 * floats;
  heap.grow(Math.ceil((end + 3 * 4 * PACKED_GEMM_WORK_FLOATS + 256) / 65536));
  return { heap, workers: [0, 1, 2].map((w) => end + 64 + w * 4 * PACKED_GEMM_WORK_FLOATS) };
}

/** `gemm` on `threads` threads of `heap` (1: the packed kernel itself). */
async function threadedGemm(heap: WebAssembly.Memory, threads: number, workers: number[]) {
  const local = await instantiateWat<PackedGemm>("gemm_packed.wat", heap);
  if (threads === 1) return { gemm: local, pool: null };
  const pool = await HeapThreads.start(heap, threads, ["gemm_packed.wat"]);
  assertEquals(pool.threads, threads, "every worker started");
  return { gemm: new ThreadedGemm(pool, local, workers.slice(1, threads)), pool };
}

async function products(c: Case, threads: number[]): Promise<Float32Array[]> {
  const { M, K, N } = c, ldc = c.ldc ?? N;
  const { heap, workers } = sharedHeap(M * K + K * N + M * ldc + PACKED_GEMM_WORK_FLOATS);
  const a = 64, b = a + 4 * M * K, cPtr = b + 4 * K * N, work = cPtr + 4 * M * ldc;
  const f = new Float32Array(heap.buffer), rng = new Rng("gemm-threads");
  for (let i = a / 4; i < work / 4; i++) f[i] = rng.uniform(-0.5, 0.5);
  const initialC = f.slice(cPtr / 4, cPtr / 4 + M * ldc);
  const [sai, sak] = c.transposeA ? [1, M] : [K, 1], [sbk, sbj] = c.transposeB ? [1, K] : [N, 1];
  const out: Float32Array[] = [];
  for (const t of threads) {
    f.set(initialC, cPtr / 4);
    const { gemm, pool } = await threadedGemm(heap, t, workers);
    try {
      gemm.gemm(a, sai, sak, b, sbk, sbj, cPtr, ldc, M, K, N, work, c.accumulate ? 1 : 0);
      if (pool) assertEquals(pool.shared, 1, "the product was split across the threads");
    } finally {
      pool?.close();
    }
    out.push(f.slice(cPtr / 4, cPtr / 4 + M * ldc));
  }
  return out;
}

Deno.test("threaded gemm equals one thread bit for bit: row and column splits, transposes, accumulation, a band of C", async () => {
  const cases: Case[] = [
    { M: 300, K: 130, N: 300 }, // rows
    { M: 40, K: 400, N: 700 }, // columns
    { M: 257, K: 300, N: 160, transposeA: true },
    { M: 36, K: 513, N: 600, transposeB: true },
    { M: 200, K: 256, N: 200, accumulate: true },
    { M: 40, K: 600, N: 500, ldc: 531, accumulate: true },
  ];
  for (const c of cases) {
    assert(2 * c.M * c.K * c.N >= MIN_FLOPS, "large enough to be split");
    const [one, two, three] = await products(c, [1, 2, 3]);
    const label = JSON.stringify(c);
    assert(one.some((v) => v !== 0), label);
    assertEquals(Array.from(two), Array.from(one), `2 threads, ${label}`);
    assertEquals(Array.from(three), Array.from(one), `3 threads, ${label}`);
  }
});

Deno.test("a product below MIN_FLOPS stays on the calling thread", async () => {
  const M = 64, K = 64, N = 64;
  assert(2 * M * K * N < MIN_FLOPS);
  const { heap, workers } = sharedHeap(M * K + K * N + M * N + PACKED_GEMM_WORK_FLOATS);
  const a = 64, b = a + 4 * M * K, c = b + 4 * K * N, work = c + 4 * M * N;
  const { gemm, pool } = await threadedGemm(heap, 2, workers);
  try {
    gemm.gemm(a, K, 1, b, N, 1, c, N, M, K, N, work, 0);
    assertEquals(pool!.shared, 0);
  } finally {
    pool!.close();
  }
});

Deno.test("gemmBatch: independent products shared out whole among threads equal them one by one, bit for bit", async () => {
  const M = 128, K = 80, N = 72, count = 16;
  const { heap, workers } = sharedHeap(count * (M * K + K * N + M * N) + PACKED_GEMM_WORK_FLOATS);
  const a = 64, b = a + 4 * count * M * K, c = b + 4 * count * K * N, work = c + 4 * count * M * N;
  const f = new Float32Array(heap.buffer), rng = new Rng("gemm-batch");
  for (let i = a / 4; i < work / 4; i++) f[i] = rng.uniform(-0.5, 0.5);
  const initialC = f.slice(c / 4, work / 4);
  for (const [transposeA, accumulate] of [[false, 0], [true, 1]] as const) {
    const [sai, sak] = transposeA ? [1, M] : [K, 1];
    const products = Array.from({ length: count }, (_, i): Args => [
      a + 4 * i * M * K,
      sai,
      sak,
      b + 4 * i * K * N,
      N,
      1,
      c + 4 * i * M * N,
      N,
      M,
      K,
      N,
      work,
      accumulate,
    ]);
    const results: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      f.set(initialC, c / 4);
      const { gemm, pool } = await threadedGemm(heap, threads, workers);
      try {
        gemmBatch(gemm, products);
        if (pool) assertEquals(pool.shared, 1, "the batch was shared out");
      } finally {
        pool?.close();
      }
      results.push(f.slice(c / 4, work / 4));
    }
    assert(results[0].some((v) => v !== 0));
    // the first differing entry (a diff of whole arrays this long would take minutes to print)
    const firstDifference = (x: Float32Array) => x.findIndex((v, i) => !Object.is(v, results[0][i]));
    assertEquals(firstDifference(results[1]), -1, `2 threads, transposeA ${transposeA}`);
    assertEquals(firstDifference(results[2]), -1, `3 threads, transposeA ${transposeA}`);
  }
});

/**
 * The parameters after two training steps of `build`'s model on random images of `shape` (NHWC),
 * with `threads` threads; asserts that some kernels ran on both where threads > 1.
 */
async function paramsAfterSteps(threads: number, build: (rng: Rng) => Sequential, shape: number[]) {
  await setWasmThreads(threads);
  assertEquals(wasmThreads(), threads);
  const model = build(new Rng("threads-step"));
  model.train(true);
  const params = model.parameters(), opt = new Adam(params, 1e-3), shared = heapThreads()!.shared;
  const x = tf.randomUniform(shape, 0, 1, "float32", 7),
    labels = tf.tensor1d([...Array(shape[0]).keys()].map((i) => i % 10), "int32");
  for (let s = 0; s < 2; s++) {
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => crossEntropy(model.forward(x), labels) as tf.Scalar, params);
      opt.step(params.map((p) => grads[p.name]));
    });
  }
  if (threads > 1) assert(heapThreads()!.shared > shared, "some kernels ran on both threads");
  const values = params.map((p) => Array.from(p.dataSync()));
  opt.dispose(), model.dispose(), tf.dispose([x, labels]);
  return values;
}

/** The same parameters, bit for bit, after two steps on 1 and on 2 threads. */
async function sameOnOneAndTwoThreads(build: (rng: Rng) => Sequential, shape: number[]) {
  await initBackend("wasm");
  try {
    const one = await paramsAfterSteps(1, build, shape), two = await paramsAfterSteps(2, build, shape);
    // the first parameter and entry that differ (a diff of arrays this long would not fit in memory)
    const differences = two.map((p, i) => [i, p.findIndex((v, j) => !Object.is(v, one[i][j]))]);
    assertEquals(differences.filter(([, j]) => j >= 0), []);
  } finally {
    await setWasmThreads(1);
  }
}

Deno.test("a UvA-style training step (convs, BatchNorm, pools, ReLU, dense, Adam) gives the same parameters on 1 and 2 threads", async () => {
  await sameOnOneAndTwoThreads((rng) =>
    new Sequential(
      new Conv2d(3, 32, 5, rng, { padding: 2 }), // im2col: one product large enough to split
      new BatchNorm(32),
      new ReLU(),
      new MaxPool2d(3, 2, 1),
      new Conv2d(32, 64, 3, rng, { padding: 1 }),
      new BatchNorm(64),
      new ReLU(),
      new Flatten(),
      new Linear(8 * 8 * 64, 10, rng),
    ), [64, 16, 16, 3]);
});

Deno.test("a basics-style training step (a one-channel 5×5 layer first, bias adds) gives the same parameters on 1 and 2 threads", async () => {
  // 32 images of 28×28: the first layer's tap-major patches and its bias add are large enough to be
  // split (each share at least LEAST_SHARE_FLOATS)
  await sameOnOneAndTwoThreads((rng) =>
    new Sequential(
      new Conv2d(1, 32, 5, rng, { padding: "same" }),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(32, 16, 3, rng, { padding: 1 }),
      new ReLU(),
      new Flatten(),
      new Linear(14 * 14 * 16, 10, rng),
    ), [32, 28, 28, 1]);
});
