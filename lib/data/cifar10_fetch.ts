/**
 * Download, verify and unpack CIFAR-10's binary distribution for users with a network:
 *
 *   https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz  (md5 c32a1d4ab5d03f1284b67883e8d87530)
 *
 * The archive is streamed to `<dataDir>/cifar-10-binary.tar.gz` while its MD5 is computed (Web
 * Crypto has no MD5, node:crypto does), checked against the published sum, then unpacked by the
 * small ustar reader below into a temporary folder that is renamed to `cifar-10-batches-bin` only
 * when complete, so an interrupted run never leaves a half-written dataset that looks present.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CIFAR10_TEST_FILE, CIFAR10_TRAIN_FILES } from "./cifar10.ts";
import { UserError } from "../cli/errors.ts";

export const CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
export const CIFAR10_MD5 = "c32a1d4ab5d03f1284b67883e8d87530";
export const CIFAR10_ARCHIVE_NAME = "cifar-10-binary.tar.gz";
export const CIFAR10_FOLDER = "cifar-10-batches-bin";

export class DownloadError extends UserError {}

/** Streams `url` to `path` (via a temporary file) and returns the MD5 of what was written. */
export async function downloadWithMd5(
  url: string,
  path: string,
  onProgress?: (bytes: number, total: number | null) => void,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new DownloadError(
      `could not reach ${url} (${(e as Error).message}). This machine looks offline: download ` +
        `${CIFAR10_ARCHIVE_NAME} on a machine with a network and pass it with --archive <file>.`,
    );
  }
  if (!response.ok || !response.body) {
    throw new DownloadError(`${url} answered ${response.status} ${response.statusText}`);
  }
  const total = Number(response.headers.get("content-length")) || null;
  const hash = createHash("md5"), tmp = `${path}.tmp-${Deno.pid}`;
  const file = await Deno.open(tmp, { write: true, create: true, truncate: true });
  let bytes = 0;
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      await writeAll(file, chunk);
      bytes += chunk.length;
      onProgress?.(bytes, total);
    }
  } catch (e) {
    file.close();
    await Deno.remove(tmp).catch(() => {});
    throw new DownloadError(`download of ${url} failed after ${bytes} bytes: ${(e as Error).message}`);
  }
  file.close();
  await Deno.rename(tmp, path);
  return hash.digest("hex");
}

async function writeAll(file: Deno.FsFile, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length;) at += await file.write(chunk.subarray(at));
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash("md5");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

/**
 * Regular files of a (ustar or GNU) tar archive. Directory, pax-header and link entries are
 * skipped; a bad header checksum or a record running past the end is an error.
 */
export function readTar(bytes: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  const text = (from: number, len: number) =>
    new TextDecoder().decode(bytes.subarray(from, from + len)).replace(/\0.*$/s, "");
  for (let at = 0; at + 512 <= bytes.length;) {
    if (bytes.subarray(at, at + 512).every((b) => b === 0)) break; // end-of-archive marker
    const checksum = parseInt(text(at + 148, 8).trim(), 8);
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : bytes[at + i];
    if (sum !== checksum) throw new UserError(`tar header at byte ${at} has a bad checksum: the archive is damaged`);
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(bytes[at + 156]);
    const prefix = text(at + 257, 6) === "ustar" ? text(at + 345, 155) : "";
    const name = (prefix ? `${prefix}/` : "") + text(at, 100);
    const dataStart = at + 512;
    if (dataStart + size > bytes.length) {
      throw new UserError(`tar entry ${name} runs past the end: the archive is truncated`);
    }
    if (type === "0" || type === "\0") entries.push({ name, data: bytes.subarray(dataStart, dataStart + size) });
    at = dataStart + Math.ceil(size / 512) * 512;
  }
  return entries;
}

async function gunzip(bytes: Uint8Array, path: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new UserError(`${path} is not a valid gzip file (${(e as Error).message}); delete it and download it again`);
  }
}

/**
 * Verifies `archive` against `expectedMd5` and unpacks its `cifar-10-batches-bin/` files into
 * `<dataDir>/cifar-10-batches-bin`, replacing any previous copy only once the new one is complete.
 */
export async function installCifar10Archive(
  archive: string,
  dataDir: string,
  expectedMd5 = CIFAR10_MD5,
): Promise<string> {
  const md5 = await md5OfFile(archive);
  if (md5 !== expectedMd5) {
    throw new UserError(
      `${archive} has MD5 ${md5}, expected ${expectedMd5}: the download is damaged or is not ` +
        `${CIFAR10_ARCHIVE_NAME}; delete it and fetch again`,
    );
  }
  const entries = readTar(await gunzip(await Deno.readFile(archive), archive))
    .filter((e) => e.name.startsWith(`${CIFAR10_FOLDER}/`));
  const names = new Set(entries.map((e) => e.name.slice(CIFAR10_FOLDER.length + 1)));
  const missing = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].filter((f) => !names.has(f));
  if (missing.length) throw new UserError(`${archive} lacks ${missing.join(", ")} under ${CIFAR10_FOLDER}/`);
  const target = join(dataDir, CIFAR10_FOLDER), staging = `${target}.tmp-${Deno.pid}`;
  await Deno.mkdir(staging, { recursive: true });
  for (const e of entries) {
    const relative = e.name.slice(CIFAR10_FOLDER.length + 1);
    if (!relative || relative.includes("..") || relative.includes("/")) continue; // flat folder only
    await Deno.writeFile(join(staging, relative), e.data);
  }
  await Deno.remove(target, { recursive: true }).catch(() => {});
  await Deno.rename(staging, target);
  return target;
}
