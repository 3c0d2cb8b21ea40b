/**
 * `--workers N`: run N worker processes of a script on this machine (one per core: each trains on
 * one thread) and show one progress bar for all of them, counted from the run files they write.
 * Workers share the run list dynamically: each claims the next unclaimed run (`claimRun`), so
 * no core idles at the end while another still has a queue (with static shards, one core was
 * still working after the others had finished). Each worker's own output goes to
 * `<out>/logs/worker-i-of-N.log`.
 */
import { Progress } from "../../lib/report/progress.ts";

export async function runWorkers(
  script: string,
  args: string[],
  workers: number,
  outDir: string,
  runsToDo: number,
): Promise<void> {
  await Deno.mkdir(`${outDir}/logs`, { recursive: true });
  await Deno.remove(claimsDir(outDir), { recursive: true }).catch(() => {}); // no worker runs now
  await Deno.mkdir(claimsDir(outDir), { recursive: true });
  const before = await countRuns(outDir);
  const children = Array.from({ length: workers }, (_, i) => {
    const log = Deno.openSync(`${outDir}/logs/worker-${i}-of-${workers}.log`, {
      write: true,
      create: true,
      truncate: true,
    });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args, "--claim"],
      stdout: log.writable ? "piped" : "null",
      stderr: "piped",
    }).spawn();
    pipeTo(child.stdout, log);
    pipeTo(child.stderr, log);
    return child;
  });
  console.error(`started ${workers} worker processes; logs in ${outDir}/logs/`);
  const bar = new Progress("runs completed", runsToDo, { unit: "run", logEverySeconds: 60 });
  const update = async () => {
    const n = (await countRuns(outDir)) - before;
    if (n > bar.done) bar.tick(n - bar.done);
  };
  const timer = setInterval(update, 2000);
  const statuses = await Promise.all(children.map((c) => c.status));
  clearInterval(timer);
  await update();
  bar.finish();
  const failed = statuses.map((s, i) => [s, i] as const).filter(([s]) => !s.success);
  if (failed.length) {
    throw new Error(
      `worker process(es) ${failed.map(([, i]) => i).join(", ")} failed; see ${outDir}/logs/. ` +
        "Rerun the same command to finish the remaining runs.",
    );
  }
}

function claimsDir(outDir: string): string {
  return `${outDir}/claims`;
}

/**
 * True for exactly one of the workers that ask for `runId` (creating the claim file is atomic),
 * so each run is trained once.
 */
export async function claimRun(outDir: string, runId: string): Promise<boolean> {
  try {
    (await Deno.open(`${claimsDir(outDir)}/${runId}`, { createNew: true, write: true })).close();
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
}

async function pipeTo(stream: ReadableStream<Uint8Array> | null, file: Deno.FsFile) {
  if (!stream) return;
  for await (const chunk of stream) await file.write(chunk);
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
