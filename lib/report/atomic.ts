/**
 * Atomic file writes: write a temporary file beside the target, then rename over it. A rename
 * within one directory is atomic on POSIX, so a reader (or a rerun after a kill) sees either the
 * old complete file or the new complete one, never half of one.
 */
import { dirname } from "node:path";
import { UserError } from "../cli/errors.ts";
import { ownerAlive, ownerTag } from "./owner.ts";

/** Writes a file via a temporary file and a rename, so a reader never sees half of it. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${ownerTag()}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(tmp, data);
    else await Deno.writeFile(tmp, data);
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
}

/**
 * Removes `path` and any temporary siblings a killed writer left (`path.tmp-…`). Only for files
 * this process owns: another process's in-flight temporary file must not be touched.
 */
export async function removeWithTemporaries(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
  await removeTemporaries(path);
}

/** Removes the temporary siblings of `path` a killed writer left, keeping `path` itself. */
export async function removeTemporaries(path: string): Promise<void> {
  const dir = dirname(path), base = path.slice(dir.length + 1);
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.name.startsWith(`${base}.tmp-`)) await Deno.remove(`${dir}/${e.name}`).catch(() => {});
    }
  } catch {
    // no directory: nothing left behind
  }
}

/**
 * Removes, under `dir` (recursively), the temporary files of writers that are no longer running
 * (`<name>.tmp-<pid>@<host>-<random>` whose process is gone): what a kill mid-write left behind.
 */
export async function removeStaleTemporaries(dir: string): Promise<number> {
  let removed = 0;
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) removed += await removeStaleTemporaries(path);
    const m = /\.tmp-(\d+@[\w.]+)-[0-9a-f]{8}$/.exec(e.name);
    if (e.isFile && m && !ownerAlive(m[1])) {
      await Deno.remove(path).then(() => removed++, () => {});
    }
  }
  return removed;
}

/**
 * Moves a damaged file aside as `<path>.damaged` (keeping it for inspection, out of every reader's
 * way) and returns the line to print.
 */
export async function quarantine(path: string, problem: string): Promise<string> {
  // Another process reading the same folder may have moved it first.
  await Deno.rename(path, `${path}.damaged`).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return `note: ${path} is damaged (${problem}); moved it to ${path}.damaged and will redo that run only`;
}

/** Writes a value as pretty JSON, atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** The file's bytes, or null when it does not exist (a checkpoint not yet written). */
export async function readFileIfExists(path: string): Promise<Uint8Array | null> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Parsed JSON, or null when the file does not exist. A corrupt file is an error naming it. */
export async function readJsonIfExists<T>(path: string): Promise<T | null> {
  const bytes = await readFileIfExists(path);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch {
    throw new UserError(
      `${path} is not valid JSON (damaged, e.g. by a full disk): delete it or move it aside, then rerun the same command`,
    );
  }
}

/**
 * A results file that must parse and pass `problem` (which returns what is wrong, or null): the
 * value, null when absent, or — when damaged — null after moving it aside (`quarantine`) and
 * calling `report` with the line to print, so only that one result is redone.
 */
export async function readJsonOrQuarantine<T>(
  path: string,
  problem: (value: unknown) => string | null,
  report: (line: string) => void,
): Promise<T | null> {
  const bytes = await readFileIfExists(path);
  if (!bytes) return null;
  let value: unknown, why: string | null;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
    why = problem(value);
  } catch {
    why = bytes.length === 0 ? "empty" : "not valid JSON";
  }
  if (why === null) return value as T;
  report(await quarantine(path, why));
  return null;
}
