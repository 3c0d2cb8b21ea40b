/** Runs a project script as a user would and checks how it fails: exit ≠ 0, one or two lines, no stack trace. */
import assert from "node:assert/strict";

export const ROOT = new URL("../..", import.meta.url).pathname;

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  args: string[];
}

export async function runScript(script: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr), args };
}

const TRACE = /^\s+at .+:\d+:\d+\)?$|Uncaught|^\s+at async /m;

/** Exit ≠ 0, the message (from its first "error" line on) is one or two lines and matches `pattern`, no trace. */
export function assertCleanFailure(r: Outcome, pattern: RegExp, label = r.args.join(" ")): void {
  const all = `${r.stderr}\n${r.stdout}`;
  assert.notEqual(r.code, 0, `${label}: exit 0\n${all}`);
  assert.doesNotMatch(all, TRACE, `${label}: stack trace\n${all}`);
  // Mesa's complaint about XDG_RUNTIME_DIR (printed when a WebGPU adapter is probed) is not ours.
  const lines = r.stderr.trim().split("\n").filter((l) => !l.includes("XDG_RUNTIME_DIR"));
  const first = lines.findIndex((l) => l.startsWith("error"));
  assert.ok(first >= 0, `${label}: no "error:" line\n${all}`);
  const message = lines.slice(first);
  assert.ok(message.length <= 2, `${label}: ${message.length} lines of message\n${r.stderr}`);
  assert.match(message.join("\n"), pattern, `${label}: message does not name the problem`);
}

/** Runs `jobs` a few at a time (each is a subprocess start-up of a second or two). */
export async function inBatches<T>(jobs: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < jobs.length; i += width) out.push(...await Promise.all(jobs.slice(i, i + width).map((j) => j())));
  return out;
}
