/**
 * Atomic file writes: write a temporary file beside the target, then rename over it. A rename
 * within one directory is atomic on POSIX, so a reader (or a rerun after a kill) sees either the
 * old complete file or the new complete one, never half of one.
 */
import { dirname } from "node:path";

export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
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
    throw new Error(`${path} is not valid JSON; delete it (or rerun with --fresh) and rerun`);
  }
}
