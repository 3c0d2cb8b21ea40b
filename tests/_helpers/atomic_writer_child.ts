/**
 * Child process for tests/atomic_write_test.ts: writes a large JSON document atomically to
 * Deno.args[0], over and over, printing "wrote <i>" after each complete write, until killed.
 * Usage: deno run -A tests/_helpers/atomic_writer_child.ts <target.json> <payload bytes>
 */
import { writeJsonAtomic } from "../../lib/report/atomic.ts";

const [target, bytes] = Deno.args;
const payload = "x".repeat(Number(bytes));
const encoder = new TextEncoder();
for (let i = 0;; i++) {
  await writeJsonAtomic(target, { i, length: payload.length, payload, end: "complete" });
  await Deno.stdout.write(encoder.encode(`wrote ${i}\n`));
}
