/**
 * One helper thread of gemm_threads.ts: gemm_packed.wat instantiated on the shared memory, run
 * each time the main thread posts a job in this worker's control slot, then blocked in
 * Atomics.wait until the next one. The protocol (Int32 slots of the control block):
 *   [SEQ] the main thread's job number   [DONE] the last job finished   [READY] 1 once started
 *   [FAILED] 1 if a job threw            [ARGS…] the 13 arguments of gemm (the first product)
 *   [COUNT] products in the job, [STRIDE_A/B/C] bytes from one product's operands to the next's
 */
import { workerData } from "node:worker_threads";
import type { PackedGemm } from "./instantiate_wat.ts";
import { SLOT } from "./gemm_slots.ts";

const { memory, binary, control, slot } = workerData as {
  memory: WebAssembly.Memory;
  binary: Uint8Array<ArrayBuffer>;
  control: SharedArrayBuffer;
  slot: number;
};
const { gemm } = new WebAssembly.Instance(new WebAssembly.Module(binary), { env: { memory } })
  .exports as unknown as PackedGemm;
const ctl = new Int32Array(control, slot * SLOT.BYTES, SLOT.INTS);
Atomics.store(ctl, SLOT.READY, 1);
Atomics.notify(ctl, SLOT.READY);

let seen = 0;
for (;;) {
  Atomics.wait(ctl, SLOT.SEQ, seen);
  seen = Atomics.load(ctl, SLOT.SEQ);
  const a = ctl.subarray(SLOT.ARGS, SLOT.ARGS + 13), count = Math.max(1, ctl[SLOT.COUNT]);
  const [sa, sb, sc] = [ctl[SLOT.STRIDE_A], ctl[SLOT.STRIDE_B], ctl[SLOT.STRIDE_C]];
  try {
    for (let i = 0; i < count; i++) {
      gemm(a[0] + i * sa, a[1], a[2], a[3] + i * sb, a[4], a[5], a[6] + i * sc, a[7], a[8], a[9], a[10], a[11], a[12]);
    }
  } catch {
    Atomics.store(ctl, SLOT.FAILED, 1);
  }
  Atomics.store(ctl, SLOT.DONE, seen);
  Atomics.notify(ctl, SLOT.DONE);
}
