/**
 * Run claims and `--workers N`.
 *
 * Every process that trains runs of a grid — a worker of `--workers`, a shard, a second invocation
 * on the same `--out` — claims each run before training it (`claimRun`: creating `claims/<id>` is
 * atomic), so no run is trained twice and no process deletes another's state. A claim names its
 * owner (`pid@host`); a claim whose process is gone (this host) or whose heartbeat stopped (another
 * host, e.g. a Slurm node) is reclaimed. A finished run's claim is removed, and the folder with the
 * last one.
 *
 * `runWorkers` runs N worker processes of the script on this machine (one per core: each trains on
 * one thread), shows one progress bar counted from the run files, writes each worker's output to
 * `<out>/logs/<pid>-worker-i-of-N.log`, and on a failure prints the first lines of the worker's error.
 */
import { Progress } from "../../lib/report/progress.ts";
import { ownerAlive, ownerTag } from "../../lib/report/owner.ts";
import { UserError } from "../../lib/cli/errors.ts";

/** A claim from another host whose owner has not touched it for this long is taken to be dead. */
const STALE_AFTER_MS = 10 * 60_000;
const HEARTBEAT_MS = 60_000;

const held = new Set<string>();
let heartbeat: ReturnType<typeof setInterval> | null = null;

function claimsDir(outDir: string): string {
  return `${outDir}/claims`;
}

/**
 * True for exactly one of the processes that ask for `runId` (creating the claim file is atomic;
 * taking over a dead owner's claim goes through a marker only one process can create).
 */
export async function claimRun(outDir: string, runId: string): Promise<boolean> {
  const path = `${claimsDir(outDir)}/${runId}`;
  try {
    await createClaimFile(outDir, path);
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    const owner = await staleOwner(path);
    if (owner === null) return false;
    try {
      await Deno.writeTextFile(`${path}.reclaim-${owner}`, `${ownerTag()}\n`, { createNew: true });
    } catch (e) {
      if (e instanceof Deno.errors.AlreadyExists) return false; // another process took it over
      throw e;
    }
    await Deno.writeTextFile(path, `${ownerTag()}\n`);
  }
  held.add(path);
  keepAlive();
  return true;
}

/**
 * Creates the claim file (AlreadyExists if another process holds it). The folder is created first,
 * and again if another process removed it as empty in between (removeClaimsDirIfEmpty).
 */
async function createClaimFile(outDir: string, path: string): Promise<void> {
  for (let attempt = 0;; attempt++) {
    await Deno.mkdir(claimsDir(outDir), { recursive: true });
    try {
      return await Deno.writeTextFile(path, `${ownerTag()}\n`, { createNew: true });
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound) || attempt >= 10) throw e;
    }
  }
}

/** The run is saved (or given up): its claim and takeover markers go. */
export async function releaseClaim(outDir: string, runId: string): Promise<void> {
  const path = `${claimsDir(outDir)}/${runId}`;
  held.delete(path);
  await Deno.remove(path).catch(() => {});
  for (const name of await listNames(claimsDir(outDir))) {
    if (name.startsWith(`${runId}.reclaim-`)) await Deno.remove(`${claimsDir(outDir)}/${name}`).catch(() => {});
  }
}

/** Removes claims of processes that are gone (a kill), and the claims folder once it is empty. */
export async function removeStaleClaims(outDir: string): Promise<number> {
  let removed = 0;
  for (const name of await listNames(claimsDir(outDir))) {
    if (name.includes(".reclaim-")) continue;
    if ((await staleOwner(`${claimsDir(outDir)}/${name}`)) !== null) {
      await releaseClaim(outDir, name);
      removed++;
    }
  }
  await removeClaimsDirIfEmpty(outDir);
  return removed;
}

export async function removeClaimsDirIfEmpty(outDir: string): Promise<void> {
  const names = await listNames(claimsDir(outDir));
  for (const name of names) {
    const run = name.split(".reclaim-")[0];
    if (name.includes(".reclaim-") && !names.includes(run)) await Deno.remove(`${claimsDir(outDir)}/${name}`);
  }
  await Deno.remove(claimsDir(outDir)).catch(() => {}); // fails while a claim is in it, as it should
}

/** The owner tag of a claim that can be taken over, or null while its owner may still be running. */
async function staleOwner(path: string): Promise<string | null> {
  let owner: string, mtime: Date | null;
  try {
    owner = (await Deno.readTextFile(path)).trim();
    mtime = (await Deno.stat(path)).mtime;
  } catch {
    return null; // released meanwhile: the next look will create it
  }
  const silent = mtime ? Date.now() - mtime.getTime() : 0;
  // Empty: being written this instant, or a kill between creating and writing it.
  if (!/^\d+@[\w.]+$/.test(owner)) return silent > 60_000 ? "unreadable" : null;
  if (!ownerAlive(owner)) return owner;
  return owner !== ownerTag() && silent > STALE_AFTER_MS ? owner : null;
}

/** Touches the claims this process holds, so other hosts see it is alive. */
function keepAlive(): void {
  if (heartbeat !== null) return;
  const timer = setInterval(() => {
    const now = new Date();
    for (const path of held) Deno.utime(path, now, now).catch(() => {});
  }, HEARTBEAT_MS);
  Deno.unrefTimer(timer);
  heartbeat = timer;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch {
    return [];
  }
}

export async function runWorkers(
  script: string,
  args: string[],
  workers: number,
  outDir: string,
  runsToDo: number,
): Promise<void> {
  await Deno.mkdir(`${outDir}/logs`, { recursive: true });
  const before = await countRuns(outDir);
  const logPath = (i: number) => `${outDir}/logs/${Deno.pid}-worker-${i}-of-${workers}.log`;
  const children = Array.from({ length: workers }, (_, i) => {
    const log = Deno.openSync(logPath(i), { write: true, create: true, truncate: true });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args, "--claim"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const errors: string[] = [];
    const done = Promise.all([pipeTo(child.stdout, log), pipeTo(child.stderr, log, errors)]).finally(() => log.close());
    return { child, errors, done };
  });
  console.error(`started ${workers} worker processes; logs in ${outDir}/logs/`);
  const bar = new Progress("runs completed", runsToDo, { unit: "run", logEverySeconds: 60 });
  const update = async () => {
    const n = (await countRuns(outDir)) - before;
    if (n > bar.done) bar.tick(n - bar.done);
  };
  const timer = setInterval(update, 2000);
  const statuses = await Promise.all(children.map((c) => c.child.status));
  await Promise.all(children.map((c) => c.done));
  clearInterval(timer);
  await update();
  bar.finish();
  const failed = statuses.map((s, i) => [s, i] as const).filter(([s]) => !s.success);
  for (const [status, i] of failed) {
    const lines = children[i].errors.filter((l) => l.startsWith("error")).slice(0, 2);
    const shown = lines.length ? lines : children[i].errors.slice(-2);
    console.error(`worker ${i} failed (exit ${status.code}): ${shown.join(" / ") || "no output"}`);
  }
  if (failed.length) {
    throw new UserError(
      `${failed.length} of ${workers} worker processes failed (their error is above; full logs: ${
        failed.map(([, i]) => logPath(i)).join(", ")
      }); finished runs are kept: fix the cause and rerun the same command`,
    );
  }
}

/** Copies a child's output to its log, keeping its lines in `lines` too (for the error report). */
async function pipeTo(stream: ReadableStream<Uint8Array> | null, file: Deno.FsFile, lines?: string[]) {
  if (!stream) return;
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    await file.write(chunk);
    if (!lines) continue;
    const text = partial + decoder.decode(chunk, { stream: true });
    const parts = text.split("\n");
    partial = parts.pop()!;
    lines.push(...parts.map((l) => l.trim()).filter((l) => l.length > 0));
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  }
  if (lines && partial.trim()) lines.push(partial.trim());
}

async function countRuns(outDir: string): Promise<number> {
  let n = 0;
  try {
    for await (const e of Deno.readDir(`${outDir}/runs`)) if (e.name.endsWith(".json")) n++;
  } catch {
    // no runs yet
  }
  return n;
}
