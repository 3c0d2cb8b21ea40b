/**
 * Dataset files checked against their known size and SHA-256 on first use. The size is checked
 * every time (free); the checksum once per file version: a stamp (path, size, mtime) in the user's
 * cache folder records files already verified, so a file changed afterwards — truncated, rewritten —
 * is hashed again.
 */
import { DataFileError } from "./data_file_error.ts";

export interface KnownFile {
  bytes: number;
  sha256: string;
}

function stampPath(): string | null {
  const base = Deno.env.get("XDG_CACHE_HOME") ?? (Deno.env.get("HOME") ? `${Deno.env.get("HOME")}/.cache` : null);
  return base ? `${base}/tsdl/verified-datasets.json` : null;
}

type Stamps = Record<string, string>;

function readStamps(): Stamps {
  const path = stampPath();
  try {
    return path ? JSON.parse(Deno.readTextFileSync(path)) : {};
  } catch {
    return {};
  }
}

function writeStamp(key: string, value: string): void {
  const path = stampPath();
  if (!path) return;
  try {
    const stamps = { ...readStamps(), [key]: value };
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    const tmp = `${path}.tmp-${Deno.pid}`;
    Deno.writeTextFileSync(tmp, JSON.stringify(stamps));
    Deno.renameSync(tmp, path);
  } catch {
    // an unwritable cache only means hashing again next time
  }
}

/** Throws a DataFileError naming the file and `remedy` unless `bytes` are the known file's. */
export async function verifyDataFile(path: string, bytes: Uint8Array, known: KnownFile, remedy: string) {
  if (bytes.length !== known.bytes) {
    throw new DataFileError(path, `${bytes.length} bytes, expected ${known.bytes} (damaged or incomplete)`, remedy);
  }
  let mtime = 0;
  try {
    mtime = Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch { /* checked below anyway */ }
  const version = `${bytes.length}/${mtime}/${known.sha256}`;
  if (readStamps()[path] === version) return;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== known.sha256) {
    throw new DataFileError(path, `SHA-256 ${hex.slice(0, 12)}…, expected ${known.sha256.slice(0, 12)}…`, remedy);
  }
  writeStamp(path, version);
}
