/**
 * One worker thread of heap_threads.ts: the kernels instantiated on the shared heap. Each time the
 * calling thread posts a job, it takes chunks of it (claimChunks) as thread slot + 1, then polls
 * for the next job and sleeps in Atomics.wait when none comes, until the pool sets QUIT.
 */
import { workerData } from "node:worker_threads";
import { claimChunks, SLOT, THREAD_WORK, waitUntil } from "./heap_threads.ts";

const { memory, modules, table, control, jobs, claims, slot } = workerData as {
  memory: WebAssembly.Memory;
  modules: WebAssembly.Module[];
  table: [number, string][];
  control: SharedArrayBuffer;
  jobs: SharedArrayBuffer;
  claims: SharedArrayBuffer;
  slot: number;
};
const instances = modules.map((m) => new WebAssembly.Instance(m, { env: { memory } }).exports);
const fns = table.map(([m, name]) => instances[m][name] as (...args: number[]) => void);
const ctl = new Int32Array(control, 4 * SLOT.INTS * slot, SLOT.INTS);
const job = new Float64Array(jobs), claimed = new Int32Array(claims), t = slot + 1;
Atomics.store(ctl, SLOT.READY, 1);

/** Chunk c of the job (heap_threads.ts's #encode gives the layout). */
function run(c: number): void {
  const threads = job[1], work = job[2 + t], starts = 2 + threads;
  for (let at = job[starts + c], end = job[starts + c + 1]; at < end;) {
    const args = Array.from(job.subarray(at + 2, at + 2 + job[at + 1]), (a) => a === THREAD_WORK ? work : a);
    fns[job[at]](...args);
    at += 2 + job[at + 1];
  }
}

let seen = 0;
for (;;) {
  waitUntil(ctl, SLOT.SEQ, (s) => s !== seen);
  if (Atomics.load(ctl, SLOT.QUIT)) break;
  seen = Atomics.load(ctl, SLOT.SEQ);
  try {
    claimChunks(claimed, job[0], job[1], t, run);
  } catch {
    Atomics.store(ctl, SLOT.FAILED, 1);
  }
  Atomics.store(ctl, SLOT.DONE, seen);
  Atomics.notify(ctl, SLOT.DONE);
}
