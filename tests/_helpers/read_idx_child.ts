/** Reads one dataset file as loadMnist does (verified against its known size and checksum), inside the error boundary. */
import { cli, flag } from "../../lib/cli/args.ts";
import { MNIST_REMEDY, readIdx } from "../../lib/data/idx.ts";
import { KNOWN_DATA_FILES } from "../../lib/data/mnist.ts";

const f = cli(
  { path: flag.string("", "the file"), as: flag.string("", "which known file it should be") },
  "read_idx_child",
  "Reads an IDX file as a known MNIST file.",
);
const idx = await readIdx(f.path, undefined, { file: KNOWN_DATA_FILES[f.as], remedy: MNIST_REMEDY });
console.log(`ok ${idx.dims.join("×")}`);
