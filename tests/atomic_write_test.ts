/**
 * Atomic writes and JSON reads (lib/report/atomic.ts), including a writer killed with SIGKILL in
 * the middle of writing, and the progress bar's non-TTY rendering (lib/report/progress.ts).
 */
import assert from "node:assert/strict";
import { readJsonIfExists, writeFileAtomic, writeJsonAtomic } from "../lib/report/atomic.ts";
import { formatDuration, Progress } from "../lib/report/progress.ts";

async function withTempDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "atomic_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  return names.sort();
}

Deno.test("writeJsonAtomic creates missing directories, writes pretty JSON with a newline, replaces, leaves no temp files", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/a/b/c/result.json`;
    const value = { schema: "x/1", history: [{ epoch: 1, loss: 0.5 }], text: "ünïcødé ✓" };
    await writeJsonAtomic(path, value);
    const text = await Deno.readTextFile(path);
    assert.equal(text, JSON.stringify(value, null, 2) + "\n");
    assert.deepEqual(await readJsonIfExists(path), value);
    await writeJsonAtomic(path, { replaced: true });
    assert.deepEqual(await readJsonIfExists(path), { replaced: true });
    assert.deepEqual(await listDir(`${dir}/a/b/c`), ["result.json"]);
    await writeFileAtomic(`${dir}/raw.bin`, Uint8Array.from([1, 2, 3]));
    assert.deepEqual(Array.from(await Deno.readFile(`${dir}/raw.bin`)), [1, 2, 3]);
  });
});

Deno.test("writeFileAtomic: a failed write leaves the old file and no temp file", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/keep.json`;
    await writeJsonAtomic(path, { old: true });
    // The rename onto a directory fails after the temp file was written.
    await Deno.mkdir(`${dir}/taken.json`);
    await assert.rejects(writeJsonAtomic(`${dir}/taken.json`, { new: true }));
    assert.deepEqual(await listDir(dir), ["keep.json", "taken.json"]);
    assert.deepEqual(await readJsonIfExists(path), { old: true });
  });
});

Deno.test("a writer killed with SIGKILL mid-write leaves the target absent or complete, never partial", async () => {
  await withTempDir(async (dir) => {
    const child = new URL("./_helpers/atomic_writer_child.ts", import.meta.url).pathname;
    const outDir = `${dir}/out`, target = `${outDir}/big.json`;
    const payloadBytes = 24 * 1024 * 1024;
    let interrupted = 0;
    for (let trial = 0; trial < 4; trial++) {
      await Deno.remove(outDir, { recursive: true }).catch(() => {});
      const proc = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", child, target, String(payloadBytes)],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
      // Trial 0 kills during the first write (no target yet); later trials after `trial` complete writes.
      let seen = "";
      while (trial > 0 && !seen.includes(`wrote ${trial - 1}\n`)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`writer exited early: ${seen}`);
        seen += value;
      }
      // Kill while a temporary file exists, i.e. while the next document is being written.
      const deadline = Date.now() + 20_000;
      while (!(await listDir(outDir).catch(() => [] as string[])).some((n) => n.includes(".tmp-"))) {
        if (Date.now() > deadline) throw new Error("the writer never started a write");
        await new Promise((r) => setTimeout(r, 1));
      }
      proc.kill("SIGKILL");
      const status = await proc.status;
      await reader.cancel().catch(() => {});
      assert.equal(status.signal, "SIGKILL", "the writer must have been killed, not have exited");

      let text: string | null = null;
      try {
        text = await Deno.readTextFile(target);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
      if (trial > 0) assert.ok(text !== null, `trial ${trial}: a completed write vanished`);
      if (text !== null) {
        let doc: { i: number; length: number; payload: string; end: string };
        try {
          doc = JSON.parse(text);
        } catch {
          assert.fail(`trial ${trial}: target holds ${text.length} bytes of invalid (partial) JSON`);
        }
        assert.equal(doc.payload.length, payloadBytes);
        assert.equal(doc.length, payloadBytes);
        assert.equal(doc.end, "complete");
        assert.ok(doc.i >= trial - 1, `trial ${trial}: document ${doc.i} is older than the last completed write`);
      }
      // A leftover temp file shows the kill interrupted a write: what this test is about.
      const tmp = (await listDir(outDir)).filter((n) => n.includes(".tmp-"));
      if (tmp.length > 0) {
        interrupted++;
        const size = (await Deno.stat(`${outDir}/${tmp[0]}`)).size;
        assert.ok(size <= payloadBytes + 100, `temp file of ${size} bytes`);
      }
    }
    assert.ok(interrupted > 0, "no trial killed the writer in the middle of a write: the test proved nothing");
  });
});

Deno.test("readJsonIfExists: null when absent, an error naming the file when corrupt", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await readJsonIfExists(`${dir}/absent.json`), null);
    const bad = `${dir}/bad.json`;
    await Deno.writeTextFile(bad, '{"history": [1, 2');
    await assert.rejects(readJsonIfExists(bad), (e: unknown) => {
      const msg = (e as Error).message;
      assert.ok(msg.includes(bad), `message does not name the file: ${msg}`);
      assert.match(msg, /not valid JSON/);
      assert.match(msg, /delete it/);
      return true;
    });
    await Deno.writeTextFile(`${dir}/empty.json`, "");
    await assert.rejects(readJsonIfExists(`${dir}/empty.json`), /empty\.json is not valid JSON/);
    await writeJsonAtomic(`${dir}/ok.json`, [1, "two", null]);
    assert.deepEqual(await readJsonIfExists(`${dir}/ok.json`), [1, "two", null]);
  });
});

Deno.test("Progress renders percentage, counts, rate and ETA without a TTY (silent), and never throws", () => {
  const bar = new Progress("epoch 1/3", 10, { unit: "step", tty: false, silent: true });
  const t0 = performance.now();
  assert.match(bar.render(t0), /^epoch 1\/3 ░{24}\s+0% 0\/10 \[0:00<\?\]$/, "no ETA or rate before the first step");
  for (let i = 0; i < 5; i++) bar.tick();
  assert.equal(bar.done, 5);
  // 5 steps in 10 s: 50%, 2.0 s/step, 10 s to go.
  const half = bar.render(t0 + 10_000);
  assert.match(half, /^epoch 1\/3 █{12}░{12} {2}50% 5\/10 \[0:10<0:10, 2\.0 s\/step\]$/, half);
  bar.tick(5, "loss 0.31");
  const done = bar.render(t0 + 2_000);
  assert.match(done, /100% 10\/10 \[0:02<0:00, 5\.0 step\/s\] loss 0\.31$/, done);
  bar.info = "acc 0.9";
  assert.match(bar.render(t0 + 2_000), / acc 0\.9$/);
  bar.log("a line above the bar");
  bar.finish("finished");
  // Overshoot and an empty total stay well-formed.
  bar.tick(3);
  assert.match(bar.render(t0 + 2_000), /100% 13\/10/);
  const empty = new Progress("nothing", 0, { tty: false, silent: true });
  assert.match(empty.render(), /100% 0\/0/);
  empty.finish();
  // A plain log line every logEverySeconds in non-TTY mode (silent: counted, not printed).
  const chatty = new Progress("log", 3, { tty: false, silent: true, logEverySeconds: 0 });
  chatty.tick();
  chatty.tick();
  chatty.finish();
});

Deno.test("formatDuration: m:ss under an hour, h:mm:ss above, ? when unknown", () => {
  assert.equal(formatDuration(0), "0:00");
  assert.equal(formatDuration(65), "1:05");
  assert.equal(formatDuration(59.6), "1:00");
  assert.equal(formatDuration(3725), "1:02:05");
  assert.equal(formatDuration(NaN), "?");
  assert.equal(formatDuration(Infinity), "?");
});
