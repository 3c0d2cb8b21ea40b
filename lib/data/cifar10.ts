/**
 * CIFAR-10 from its official binary distribution (https://www.cs.toronto.edu/~kriz/cifar.html,
 * "CIFAR-10 binary version"): `data_batch_1.bin` … `data_batch_5.bin` (training) and
 * `test_batch.bin`, each 10,000 records of 3073 bytes: one label byte (0–9), then 3072 pixel bytes,
 * the 32×32 red plane, then green, then blue, each plane row-major. Records are converted to NHWC
 * (pixel (y, x) holds R, G, B consecutively), the layout lib/nn uses.
 *
 * The archive unpacks to `cifar-10-batches-bin/`; `deno task fetch-cifar10` puts it under `data/`.
 */
import { join } from "node:path";
import { DataFileError } from "./idx.ts";

export const CIFAR10_SIDE = 32;
export const CIFAR10_CHANNELS = 3;
export const CIFAR10_PIXELS = CIFAR10_SIDE * CIFAR10_SIDE * CIFAR10_CHANNELS; // 3072
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_PIXELS; // 3073
export const CIFAR10_IMAGES_PER_FILE = 10_000;
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILE = "test_batch.bin";
export const CIFAR10_DEFAULT_DIR = "data/cifar-10-batches-bin";
export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;

/** Colour images as uint8 pixels in NHWC order, with their labels. */
export interface ColorImageSet {
  pixelsNHWC: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: number;
}

const REMEDY = "Fetch it again with: deno task fetch-cifar10 --force (offline: download cifar-10-binary.tar.gz, " +
  "the binary version, elsewhere and run: deno task fetch-cifar10 --force --archive FILE)";

/**
 * Parses one batch file. `expectedImages` is 10,000 for the official files; tests pass smaller
 * numbers for their fixtures. The size check runs first, so a wrong file fails before any parsing.
 */
export function parseCifar10Batch(
  path: string,
  bytes: Uint8Array,
  expectedImages = CIFAR10_IMAGES_PER_FILE,
): ColorImageSet {
  checkBatchSize(path, bytes.length, expectedImages);
  const n = expectedImages, plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const labels = new Uint8Array(n), pixelsNHWC = new Uint8Array(n * CIFAR10_PIXELS);
  for (let i = 0; i < n; i++) {
    const record = i * CIFAR10_RECORD_BYTES;
    const label = bytes[record];
    if (label >= CIFAR10_CLASSES.length) {
      throw new DataFileError(path, `record ${i} has label ${label}, but CIFAR-10 labels are 0–9`, REMEDY);
    }
    labels[i] = label;
    const image = i * CIFAR10_PIXELS;
    for (let c = 0; c < CIFAR10_CHANNELS; c++) {
      const planeStart = record + 1 + c * plane;
      for (let p = 0; p < plane; p++) pixelsNHWC[image + p * CIFAR10_CHANNELS + c] = bytes[planeStart + p];
    }
  }
  return { pixelsNHWC, labels, n, height: CIFAR10_SIDE, width: CIFAR10_SIDE, channels: CIFAR10_CHANNELS };
}

function checkBatchSize(path: string, size: number, expectedImages: number): void {
  const expected = expectedImages * CIFAR10_RECORD_BYTES;
  if (size === expected) return;
  if (size % CIFAR10_RECORD_BYTES !== 0) {
    throw new DataFileError(
      path,
      `${size} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records (wrong record size: ` +
        `a truncated download, CIFAR-100's 3074-byte records, or the python pickle version?)`,
      REMEDY,
    );
  }
  const records = size / CIFAR10_RECORD_BYTES;
  throw new DataFileError(
    path,
    `${records < expectedImages ? "truncated" : "too long"}: ${records} records of ${CIFAR10_RECORD_BYTES} bytes, ` +
      `expected ${expectedImages} (${expected} bytes)`,
    REMEDY,
  );
}

async function readBatchFile(path: string, expectedImages: number): Promise<ColorImageSet> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new DataFileError(path, "file not found", REMEDY);
    throw e;
  }
  return parseCifar10Batch(path, bytes, expectedImages);
}

/** Concatenates image sets of the same geometry. */
export function concatImageSets(sets: ColorImageSet[]): ColorImageSet {
  const n = sets.reduce((sum, s) => sum + s.n, 0);
  const { height, width, channels } = sets[0];
  const pixelsNHWC = new Uint8Array(n * height * width * channels), labels = new Uint8Array(n);
  let at = 0;
  for (const s of sets) {
    pixelsNHWC.set(s.pixelsNHWC, at * height * width * channels);
    labels.set(s.labels, at);
    at += s.n;
  }
  return { pixelsNHWC, labels, n, height, width, channels };
}

/** CIFAR-10's 50k training and 10k test images (NHWC). */
export interface Cifar10 {
  name: "cifar10";
  train: ColorImageSet;
  test: ColorImageSet;
}

/** Reads the five training batches and the test batch from `dir`. */
export async function loadCifar10(
  dir = CIFAR10_DEFAULT_DIR,
  imagesPerFile = CIFAR10_IMAGES_PER_FILE,
): Promise<Cifar10> {
  const train = [];
  for (const file of CIFAR10_TRAIN_FILES) train.push(await readBatchFile(join(dir, file), imagesPerFile));
  const test = await readBatchFile(join(dir, CIFAR10_TEST_FILE), imagesPerFile);
  return { name: "cifar10", train: concatImageSets(train), test };
}

/**
 * The first of `candidates` that holds all six batch files, or null. Only presence is checked
 * here; sizes are validated when the files are read, so a damaged copy gives a clear error
 * instead of silently falling back to another dataset.
 */
export async function locateCifar10(candidates: string[] = [CIFAR10_DEFAULT_DIR]): Promise<string | null> {
  for (const dir of candidates) {
    const files = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].map((f) => join(dir, f));
    const present = await Promise.all(files.map((f) => Deno.stat(f).then((s) => s.isFile, () => false)));
    if (present.every(Boolean)) return dir;
  }
  return null;
}
