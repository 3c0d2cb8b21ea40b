/**
 * What a kill, a full disk, a hand edit or a second process leaves in a siamese-grid folder, and
 * what the next start does with it: damaged run files and checkpoints are moved aside and only
 * their runs retrained (to the same numbers); a kill's leftovers are cleaned; processes sharing a
 * folder train each run once and never delete each other's claims or logs; a full disk and a
 * failing worker give one clear line; a rerun after either finishes the grid.
 */
import assert from "node:assert/strict";
import { assertCleanFailure, type Outcome, runScript } from "./_helpers/subprocess.ts";
import { HOST } from "../lib/report/owner.ts";
import type { SiameseResult } from "../scripts/siamese_grid/summary.ts";

const SCRIPT = "scripts/siamese_grid/main.ts";
// 4 runs of 3 epochs, a checkpoint after each epoch.
const TINY = [
  ...["--k", "3", "--channels", "2,4", "--hidden", "8", "--alpha", "0.5,1", "--rounds", "1"],
  ...["--epochs", "3", "--train-size", "60", "--test-size", "60", "--checkpoint-every", "1"],
];
const DEAD = "999999"; // no such process (pid_max aside, checked below)

const grid = (out: string, extra: string[] = ["--workers", "1"]) =>
  runScript(SCRIPT, [...TINY, "--out", out, ...extra]);

async function ok(r: Promise<Outcome>): Promise<Outcome> {
  const o = await r;
  assert.equal(o.code, 0, `exit ${o.code}\n${o.stderr}`);
  return o;
}

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir)).catch(() => [])).map((e) => e.name).sort();
}

async function runFiles(out: string): Promise<Map<string, SiameseResult>> {
  const m = new Map<string, SiameseResult>();
  for (const n of await names(`${out}/runs`)) {
    if (n.endsWith(".json")) m.set(n, JSON.parse(await Deno.readTextFile(`${out}/runs/${n}`)));
  }
  return m;
}

const curve = (r: SiameseResult) => r.history.map(({ seconds: _, ...h }) => h);

async function assertSameRuns(out: string, reference: Map<string, SiameseResult>) {
  const got = await runFiles(out);
  assert.deepEqual([...got.keys()], [...reference.keys()]);
  for (const [name, r] of reference) assert.deepEqual(curve(got.get(name)!), curve(r), name);
}

const trainedCount = (text: string) =>
  [...text.matchAll(/trained (\d+) runs/g)].reduce((sum, m) => sum + Number(m[1]), 0);

let clean: string, reference: Map<string, SiameseResult>;
async function cleanCopy(): Promise<string> {
  if (!clean) {
    clean = await Deno.makeTempDir({ prefix: "damaged-clean-" });
    await ok(grid(clean));
    reference = await runFiles(clean);
    assert.equal(reference.size, 4);
  }
  const copy = await Deno.makeTempDir({ prefix: "damaged-" });
  await new Deno.Command("cp", { args: ["-a", `${clean}/.`, copy] }).output();
  return copy;
}

Deno.test("a truncated run file and an incomplete one are moved aside; only their runs are retrained", async () => {
  const out = await cleanCopy();
  const [first, second, ...rest] = [...reference.keys()];
  const text = await Deno.readTextFile(`${out}/runs/${first}`);
  await Deno.writeTextFile(`${out}/runs/${first}`, text.slice(0, text.length >> 1));
  await Deno.writeTextFile(`${out}/runs/${second}`, JSON.stringify({ run: second.replace(/\.json$/, "") }));
  const untouched = await Promise.all(rest.map((n) => Deno.readTextFile(`${out}/runs/${n}`)));
  const r = await ok(grid(out));
  const notes = r.stderr.split("\n").filter((l) => l.includes("is damaged"));
  assert.equal(notes.length, 2, r.stderr);
  assert.match(notes.join("\n"), new RegExp(`${first} is damaged \\(not valid JSON\\); moved it to .*\\.damaged`));
  assert.match(notes.join("\n"), new RegExp(`${second} is damaged \\(schema is not tsdl-result/1\\)`));
  assert.doesNotMatch(r.stderr, /--fresh/);
  assert.equal(trainedCount(r.stderr), 2);
  assert.deepEqual(
    (await names(`${out}/runs`)).filter((n) => n.endsWith(".damaged")),
    [`${first}.damaged`, `${second}.damaged`].sort(),
  );
  assert.deepEqual(await Promise.all(rest.map((n) => Deno.readTextFile(`${out}/runs/${n}`))), untouched);
  await assertSameRuns(out, reference);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a damaged checkpoint is moved aside and its run restarts from scratch, to the same numbers", async () => {
  const out = await cleanCopy();
  const [first] = [...reference.keys()];
  await Deno.remove(`${out}/runs/${first}`);
  await Deno.mkdir(`${out}/checkpoints`, { recursive: true });
  const checkpoint = `${out}/checkpoints/${first.replace(/\.json$/, ".safetensors")}`;
  await Deno.writeTextFile(checkpoint, "\x10\x00\x00\x00\x00\x00\x00\x00{not a header");
  const r = await ok(grid(out));
  assert.match(r.stderr, /checkpoints\/.*\.safetensors is damaged \(.*\); moved it to .*\.damaged/);
  assert.equal(trainedCount(r.stderr), 1);
  await assertSameRuns(out, reference);
  assert.equal((await runFiles(out)).get(first)!.final.resumedEpochs, 0);
  assert.deepEqual(await names(`${out}/checkpoints`), [`${first.replace(/\.json$/, ".safetensors")}.damaged`]);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a kill's leftovers are cleaned on the next start: orphan checkpoint, dead writers' temporaries, dead claims", async () => {
  assert.equal(await Deno.stat(`/proc/${DEAD}`).then(() => true, () => false), false, `pid ${DEAD} exists here`);
  const out = await cleanCopy();
  const [done, , , redo] = [...reference.keys()];
  const id = (n: string) => n.replace(/\.json$/, "");
  await Deno.mkdir(`${out}/checkpoints`, { recursive: true });
  await Deno.writeTextFile(`${out}/checkpoints/${id(done)}.safetensors`, "a finished run's checkpoint");
  await Deno.writeTextFile(`${out}/runs/${done}.tmp-${DEAD}@${HOST}-deadbeef`, "{");
  await Deno.writeTextFile(`${out}/grid-best-curves.svg.tmp-${DEAD}@${HOST}-0badf00d`, "<svg");
  const live = `${out}/runs/${done}.tmp-${Deno.pid}@${HOST}-12345678`; // this process is alive: kept
  await Deno.writeTextFile(live, "{");
  await Deno.remove(`${out}/runs/${redo}`);
  await Deno.mkdir(`${out}/claims`);
  await Deno.writeTextFile(`${out}/claims/${id(redo)}`, `${DEAD}@${HOST}\n`);
  const r = await ok(grid(out));
  assert.equal(trainedCount(r.stderr), 1, "the dead process's claim was taken over");
  assert.deepEqual(await names(`${out}/checkpoints`), []);
  const everything = [...await names(out), ...await names(`${out}/runs`)];
  assert.deepEqual(everything.filter((n) => n.includes(`.tmp-${DEAD}`)), []);
  assert.ok(await Deno.stat(live).then(() => true, () => false), "a live writer's temporary file is kept");
  assert.ok(!everything.includes("claims"), "no claims folder once the grid is done");
  await Deno.remove(live);
  await assertSameRuns(out, reference);
  await Deno.remove(out, { recursive: true });
});

Deno.test("two processes on one folder, without --workers, train each run once", async () => {
  await cleanCopy();
  const out = await Deno.makeTempDir({ prefix: "two-" });
  const [a, b] = await Promise.all([ok(grid(out)), ok(grid(out))]);
  assert.equal(trainedCount(a.stderr) + trainedCount(b.stderr), 4, `${a.stderr}\n---\n${b.stderr}`);
  await assertSameRuns(out, reference);
  assert.ok(!(await names(out)).includes("claims"));
  await Deno.remove(out, { recursive: true });
});

Deno.test("a second --workers on a busy folder keeps the first's claims and logs; each run is trained once", async () => {
  await cleanCopy();
  const out = await Deno.makeTempDir({ prefix: "workers-" });
  const first = grid(out, ["--workers", "2"]);
  for (let i = 0; i < 600 && (await names(`${out}/claims`)).length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const second = grid(out, ["--workers", "2"]);
  await ok(first);
  await ok(second);
  const logs = await names(`${out}/logs`);
  assert.equal(logs.length, 4, `two logs per parent: ${logs}`);
  let trained = 0;
  for (const log of logs) trained += trainedCount(await Deno.readTextFile(`${out}/logs/${log}`));
  assert.equal(trained, 4);
  await assertSameRuns(out, reference);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a failing worker's error is printed by the parent, in one line per worker", async () => {
  const out = await Deno.makeTempDir({ prefix: "failing-" });
  await Deno.writeTextFile(`${out}/checkpoints`, "a file where the checkpoints folder should be");
  const r = await grid(out, ["--workers", "2"]);
  assertCleanFailure(r, /worker processes failed \(their error is above; full logs: .*\.log/);
  assert.match(r.stderr, /^worker \d failed \(exit 1\): error: Not a directory.*checkpoints/m);
  await Deno.remove(out, { recursive: true });
});

Deno.test("a second invocation into the same folder adds to its summary; report drops out-of-date figures", async () => {
  const out = await cleanCopy();
  const other = ["--k", "3", "--channels", "2", "--hidden", "8", "--alpha", "1", "--rounds", "1", "--epochs", "2"];
  await ok(runScript(SCRIPT, [...other, "--train-size", "60", "--test-size", "60", "--workers", "1", "--out", out]));
  const summary = JSON.parse(await Deno.readTextFile(`${out}/grid-summary.json`));
  assert.equal(summary.completedRuns, 5, "both invocations' runs");
  const keys = summary.configs.map((c: { key: string }) => c.key).sort();
  assert.ok(keys.includes("a5-k3-c2-n8-ws-aux1 [epochs=2]") && keys.includes("a5-k3-c2-n8-ws-aux1 [epochs=3]"), keys);
  assert.ok(keys.includes("a5-k3-c4-n8-ws-aux0.5"), keys);
  // Without the α = 0.5 runs, one α is left: the α figure is out of date and goes.
  for (const n of await names(`${out}/runs`)) if (n.includes("aux0.5")) await Deno.remove(`${out}/runs/${n}`);
  await ok(runScript("scripts/report.ts", ["--only", "siamese-grid", "--out", out]));
  assert.ok(!(await names(out)).includes("grid-alpha-effect.svg"));
  assert.equal(JSON.parse(await Deno.readTextFile(`${out}/grid-summary.json`)).completedRuns, 3);
  await Deno.remove(out, { recursive: true });
});

/** A tmpfs of `kb` KiB at a new folder, or null where this machine does not allow mounting. */
async function smallDisk(kb: number): Promise<{ dir: string; unmount: () => Promise<void> } | null> {
  const dir = await Deno.makeTempDir({ prefix: "full-" });
  const m = await new Deno.Command("mount", {
    args: ["-t", "tmpfs", "-o", `size=${kb}k`, "tmpfs", dir],
    stderr: "null",
  })
    .output().catch(() => null);
  if (!m?.success) return null;
  return {
    dir,
    unmount: async () => {
      await new Deno.Command("umount", { args: [dir] }).output();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("a full disk: one clear line, no temporary files left, and the rerun after freeing space finishes", async () => {
  await cleanCopy();
  const disk = await smallDisk(2048);
  if (!disk) {
    // No mount here: a write failure injected into every run-file write instead.
    const out = await Deno.makeTempDir({ prefix: "full-injected-" });
    const r = await runScript("--preload=tests/_helpers/full_disk_preload.ts", [
      SCRIPT,
      ...TINY,
      "--workers",
      "1",
      "--out",
      out,
    ]);
    assertCleanFailure(r, /no space left on the device/);
    await ok(grid(out));
    await assertSameRuns(out, reference);
    return;
  }
  try {
    const out = `${disk.dir}/out`;
    // Fill the disk but for a few KiB: the index fits, a run file or a figure does not.
    await Deno.writeFile(`${disk.dir}/filler`, new Uint8Array(2048 * 1024 - 24 * 1024));
    const r = await grid(out, ["--workers", "2"]);
    assertCleanFailure(r, /no space left on the device|worker processes failed/);
    assert.match(r.stderr, /no space left on the device/);
    const left = [...await names(out), ...await names(`${out}/runs`), ...await names(`${out}/checkpoints`)];
    assert.deepEqual(left.filter((n) => n.includes(".tmp-")), [], "no temporary files left");
    await Deno.remove(`${disk.dir}/filler`);
    await ok(grid(out));
    await assertSameRuns(out, reference);
  } finally {
    await disk.unmount();
  }
});

Deno.test({
  name: "damaged-files cleanup",
  fn: async () => {
    if (clean) await Deno.remove(clean, { recursive: true });
  },
});
