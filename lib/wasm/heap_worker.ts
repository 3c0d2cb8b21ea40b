/**
 * One worker thread of heap_threads.ts: the kernels instantiated on the shared heap, run each time
 * the calling thread posts a job in this worker's slot, then blocked in Atomics.wait until the next,
 * until the pool sets QUIT.
 */
import { workerData } from "node:worker_threads";
import { JOB_DOUBLES, SLOT } from "./heap_threads.ts";

const { memory, modules, table, control, jobs, slot } = workerData as {
  memory: WebAssembly.Memory;
  modules: WebAssembly.Module[];
  table: [number, string][];
  control: SharedArrayBuffer;
  jobs: SharedArrayBuffer;
  slot: number;
};
const instances = modules.map((m) => new WebAssembly.Instance(m, { env: { memory } }).exports);
const fns = table.map(([m, name]) => instances[m][name] as (...args: number[]) => void);
const ctl = new Int32Array(control, 4 * SLOT.INTS * slot, SLOT.INTS);
const job = new Float64Array(jobs, 8 * JOB_DOUBLES * slot, JOB_DOUBLES);
Atomics.store(ctl, SLOT.READY, 1);

let seen = 0;
for (;;) {
  Atomics.wait(ctl, SLOT.SEQ, seen);
  if (Atomics.load(ctl, SLOT.QUIT)) break;
  seen = Atomics.load(ctl, SLOT.SEQ);
  try {
    for (let c = 0, at = 1; c < job[0]; c++) {
      const fn = fns[job[at]], n = job[at + 1];
      fn(...job.subarray(at + 2, at + 2 + n));
      at += 2 + n;
    }
  } catch {
    Atomics.store(ctl, SLOT.FAILED, 1);
  }
  Atomics.store(ctl, SLOT.DONE, seen);
  Atomics.notify(ctl, SLOT.DONE);
}
