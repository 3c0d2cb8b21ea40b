/**
 * tfjs-wasm's heap made shared (lib/wasm/shared_memory.ts) and the threads that run our kernels on
 * it (lib/wasm/heap_threads.ts): the rewritten module is the same module with a shared memory, the
 * tfjs heap is shared once the backend starts, the threads share a call's chunks out so that each
 * runs once, a kernel that traps on a worker is reported there and leaves the pool usable, and
 * ranges cover their extent exactly.
 */
import { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert/strict";
import { MAX_MEMORY_PAGES, withSharedMemory } from "../lib/wasm/shared_memory.ts";
import { isShared, watBinary } from "../lib/wasm/instantiate_wat.ts";
import { type Call, claimChunks, HeapThreads, rangeBounds, THREAD_WORK } from "../lib/wasm/heap_threads.ts";
import { initBackend, tf } from "../lib/tf.ts";
import { wasmHeap } from "../lib/tf/wasm_backend.ts";

const module = (memory: string) =>
  watBinary(
    "t",
    `(module (memory (export "memory") ${memory})
       (func (export "put") (param $at i32) (param $v f32) (f32.store (local.get $at) (local.get $v))))`,
  );

Deno.test("withSharedMemory gives a module's own memory the shared flag and a maximum, and changes nothing else", async () => {
  for (const [declared, max] of [["2", MAX_MEMORY_PAGES], ["2 9", 9]] as const) {
    const binary = await module(declared), shared = withSharedMemory(binary)!;
    const plain = new WebAssembly.Instance(new WebAssembly.Module(binary)).exports;
    const patched = new WebAssembly.Instance(new WebAssembly.Module(shared)).exports;
    const memory = patched.memory as WebAssembly.Memory;
    assert(!isShared(plain.memory as WebAssembly.Memory) && isShared(memory), declared);
    assertEquals(memory.buffer.byteLength, 2 * 65536);
    (patched.put as (at: number, v: number) => void)(8, 1.5);
    assertEquals(new Float32Array(memory.buffer)[2], 1.5);
    memory.grow(max - 2);
    assertThrows(() => memory.grow(1), RangeError, `the maximum is ${max} pages`);
  }
  assertEquals(withSharedMemory(await module("1 1 shared")), null, "already shared");
  const imports = await watBinary("i", `(module (import "env" "memory" (memory 1)))`);
  assertEquals(withSharedMemory(imports), null, "an imported memory is the importer's to share");
});

Deno.test("the wasm backend's heap is shared", async () => {
  await initBackend("wasm");
  const heap = wasmHeap(tf.backend());
  assert(heap !== null && isShared(heap));
});

const SIGN = "layer_passes.wat:sign";
/** y = sign(x) for [from, to) of n floats at 0, y after them. */
const sign = (n: number) => (from: number, to: number): Call[] => [[SIGN, 4 * from, 4 * (n + from), to - from]];

Deno.test("HeapThreads shares the chunks of a call out among its threads; a trap on a worker is reported and the pool goes on", async () => {
  const heap = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const pool = await HeapThreads.start(heap, 3, ["layer_passes.wat", "no_such_kernels.wat"]);
  try {
    assertEquals(pool.threads, 3);
    assert(pool.kernels("layer_passes.wat") !== null && pool.kernels("no_such_kernels.wat") === null);
    const f = new Float32Array(heap.buffer), n = 1000;
    for (let i = 0; i < n; i++) f[i] = i - 500;
    // 1000 floats in chunks shared by three threads
    pool.forRanges(n, sign(n), { align: 4 });
    assertEquals(Array.from(f.subarray(n, 2 * n)), Array.from(f.subarray(0, n), Math.sign));
    assertEquals(pool.shared, 1);
    // the workers' calls read past the heap's end (THREAD_WORK stands for each thread's own pointer);
    // the first chunk, here, is long enough for both workers to take chunks of their own meanwhile
    const bad = 4 * 65536 * 4, slow: Call[] = Array.from({ length: 4000 }, () => sign(8000)(0, 8000)[0]);
    assertThrows(
      () => pool.forRanges(n, (from) => from === 0 ? slow : [[SIGN, 0, THREAD_WORK, 8]], { work: [4 * n, bad, bad] }),
      /a kernel failed on worker thread [12]/,
    );
    f.fill(0, n, 2 * n);
    pool.forRanges(n, sign(n), { align: 4 });
    assertEquals(f[2 * n - 1], 1, "the pool still works");
    assertThrows(() => pool.forRanges(1, () => [["no.wat:such", 1]]), /no kernel no.wat:such/);
  } finally {
    pool.close();
  }
});

Deno.test("forRanges: a range may hold several calls, and `cut` moves the inner bounds", async () => {
  const heap = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
  const pool = await HeapThreads.start(heap, 3, ["layer_passes.wat"]);
  try {
    const f = new Float32Array(heap.buffer), n = 1200, seen: [number, number][] = [];
    for (let i = 0; i < n; i++) f[i] = (i % 7) - 3;
    // chunk bounds (every 50) moved down to multiples of 300; each chunk done in calls of at most 100
    pool.forRanges(n, (from, to) => {
      seen.push([from, to]);
      const calls: Call[] = [];
      for (let a = from; a < to; a += 100) calls.push(...sign(n)(a, Math.min(to, a + 100)));
      return calls;
    }, { cut: (b) => 300 * Math.floor(b / 300) });
    assertEquals(seen, [[0, 300], [300, 600], [600, 900], [900, 1200]]);
    assertEquals(Array.from(f.subarray(n, 2 * n)), Array.from(f.subarray(0, n), Math.sign));
    // a cut onto the previous bound leaves fewer chunks
    seen.length = 0;
    pool.forRanges(n, (from, to) => (seen.push([from, to]), sign(n)(from, to)), { cut: () => 0 });
    assertEquals(seen, [[0, 1200]]);
  } finally {
    pool.close();
  }
});

Deno.test("claimChunks: each chunk runs once, a thread's own first, then the others' from their backs", () => {
  const n = 10, claimed = new Int32Array(n), ran: [thread: number, chunk: number][] = [];
  // Thread 0 (chunks 0–4) is held up in its second chunk while thread 1 (5–9) does its own and
  // takes thread 0's from the back, until it meets chunk 1; thread 0 then stops at chunk 2.
  claimChunks(claimed, n, 2, 0, (c) => {
    ran.push([0, c]);
    if (c === 1) claimChunks(claimed, n, 2, 1, (d) => void ran.push([1, d]));
  });
  assertEquals(ran, [[0, 0], [0, 1], [1, 5], [1, 6], [1, 7], [1, 8], [1, 9], [1, 4], [1, 3], [1, 2]]);
  // three threads, one after another: the first does everything, the others find nothing left
  claimed.fill(0), ran.length = 0;
  for (let t = 0; t < 3; t++) claimChunks(claimed, n, 3, t, (c) => void ran.push([t, c]));
  assertEquals(ran.map(([, c]) => c), [0, 1, 2, 5, 4, 3, 9, 8, 7, 6]);
  assert(ran.every(([t]) => t === 0));
});

Deno.test("an unshared heap gets one thread", async () => {
  const pool = await HeapThreads.start(new WebAssembly.Memory({ initial: 1 }), 2, ["layer_passes.wat"]);
  assertEquals(pool.threads, 1);
  pool.close();
});

Deno.test("rangeBounds: at most as many ranges as asked, aligned, none shorter than asked, covering the extent", () => {
  assertEquals(rangeBounds(10, 3), [0, 3, 7, 10]);
  assertEquals(rangeBounds(100, 2, 8), [0, 48, 100]);
  assertEquals(rangeBounds(100, 4, 1, 40), [0, 50, 100]);
  assertEquals(rangeBounds(5, 4, 1, 40), [0, 5]);
  for (const [total, most, align, least] of [[1000, 3, 4, 1], [37, 5, 8, 2], [1, 2, 1, 1]]) {
    const b = rangeBounds(total, most, align, least);
    assert(b[0] === 0 && b.at(-1) === total && b.length - 1 <= most);
    assert(b.slice(1, -1).every((x) => x % align === 0));
    assert(b.slice(1).every((x, i) => x > b[i]));
  }
});
