/** Flags the uva-* scripts share, on lib/cli/args.ts. */
import { flag } from "../../lib/cli/args.ts";
import { above, between } from "../../lib/cli/checks.ts";
import { DATASET_CHOICES } from "../../lib/data/image_dataset.ts";
import { CIFAR10_DEFAULT_DIR, CIFAR10_TRAIN_FILES } from "../../lib/data/cifar10.ts";

/** --dataset and --cifar-dir. */
export function datasetFlags() {
  return {
    dataset: flag({
      type: "string",
      default: "auto",
      choices: DATASET_CHOICES,
      help: "auto = CIFAR-10 if present, else Fashion-MNIST, else MNIST",
    }),
    "cifar-dir": flag({
      type: "string",
      default: CIFAR10_DEFAULT_DIR,
      help: "where the CIFAR-10 binary batches are",
      // The default may be absent (auto falls back); a folder named on purpose must hold CIFAR-10.
      check: (v) =>
        v === CIFAR10_DEFAULT_DIR || (isFolder(v) && isFolder(`${v}/${CIFAR10_TRAIN_FILES[0]}`, "file")) ||
        `no CIFAR-10 batches (${
          CIFAR10_TRAIN_FILES[0]
        }, …) in '${v}' (deno task fetch-cifar10 puts them in ${CIFAR10_DEFAULT_DIR})`,
    }),
  };
}

function isFolder(path: string, kind: "folder" | "file" = "folder"): boolean {
  try {
    const stat = Deno.statSync(path);
    return kind === "folder" ? stat.isDirectory : stat.isFile;
  } catch {
    return false;
  }
}

/**
 * The handout's --dnn_hidden_units: comma-separated widths, "" (or "none") for no hidden layer.
 * A string flag, because lib/cli's `ints` type rejects the empty list.
 */
export function parseHiddenUnits(text: string): number[] {
  const t = text.trim();
  if (t === "" || t === "none") return [];
  return t.split(",").map((s) => Number(s.trim()));
}

export function hiddenUnitsFlag(defaultUnits = "100") {
  return flag({
    type: "string",
    default: defaultUnits,
    help: "hidden layer widths, comma-separated ('' or none = no hidden layer)",
    check: (v) =>
      parseHiddenUnits(v).every((w) => Number.isInteger(w) && w > 0 && w <= 65536) ||
      `expected widths 1–65536 like 100 or 512,256, got '${v}'`,
  });
}

/** The handout's step-counted training flags with its defaults (train_mlp_numpy.py). */
export function stepFlags(defaults: { lr: number; maxSteps: number; batchSize: number; evalFreq: number }) {
  return {
    lr: flag({ type: "number", default: defaults.lr, help: "learning rate, in (0, 10]", check: above(0, 10) }),
    "max-steps": flag({
      type: "int",
      default: defaults.maxSteps,
      help: "optimisation steps, 1–10000000",
      check: between(1, 1e7),
    }),
    "batch-size": flag({
      type: "int",
      default: defaults.batchSize,
      help: "minibatch size (at most the training images)",
      check: between(1, 50000),
    }),
    "eval-freq": flag({
      type: "int",
      default: defaults.evalFreq,
      help: "evaluate on the test set every this many steps",
      check: between(1, 1e7),
    }),
  };
}
