/** Flags the uva-* scripts share, on lib/cli/args.ts. */
import { flag, positive } from "../../lib/cli/args.ts";
import { DATASET_CHOICES } from "../../lib/data/image_dataset.ts";
import { CIFAR10_DEFAULT_DIR } from "../../lib/data/cifar10.ts";

/** --dataset and --cifar-dir. */
export function datasetFlags() {
  return {
    dataset: flag({
      type: "string",
      default: "auto",
      choices: DATASET_CHOICES,
      help: "auto = CIFAR-10 if present, else Fashion-MNIST, else MNIST",
    }),
    "cifar-dir": flag({ type: "string", default: CIFAR10_DEFAULT_DIR, help: "where the CIFAR-10 binary batches are" }),
  };
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
      parseHiddenUnits(v).every((w) => Number.isInteger(w) && w > 0) ||
      `expected widths like 100 or 512,256, got '${v}'`,
  });
}

/** The handout's step-counted training flags with its defaults (train_mlp_numpy.py). */
export function stepFlags(defaults: { lr: number; maxSteps: number; batchSize: number; evalFreq: number }) {
  return {
    lr: flag({ type: "number", default: defaults.lr, help: "learning rate", check: positive }),
    "max-steps": flag({ type: "int", default: defaults.maxSteps, help: "optimisation steps", check: positive }),
    "batch-size": flag({ type: "int", default: defaults.batchSize, help: "minibatch size", check: positive }),
    "eval-freq": flag({
      type: "int",
      default: defaults.evalFreq,
      help: "evaluate on the test set every this many steps",
      check: positive,
    }),
  };
}
