/**
 * report — regenerate every experiment's summaries, tidy CSV tables and SVG figures from its
 * results JSON alone (no retraining), then the one page that shows them all, results/index.html.
 * Also how shards of a grid are combined: point --out at the directory the shard processes wrote into.
 *
 *   deno task report                          # every experiment under results/
 *   deno task report --only siamese-grid      # one experiment
 */
import { cli, commonFlags, flag, wasGiven } from "../lib/cli/args.ts";
import { UsageError, UserError } from "../lib/cli/errors.ts";
import { writeFigures as siameseFigures } from "./siamese_grid/figures.ts";
import { writeFigures as cnnScratchFigures } from "./cnn_scratch/figures.ts";
import { writeFigures as cnnCalcFigures } from "./cnn_calc/figures.ts";
import { writeFigures as basicsFigures } from "./basics/figures.ts";
import { writeFigures as adversarialFigures } from "./adversarial/figures.ts";
import { writeFigures as uvaFigures } from "./uva/figures.ts";
import { writeFigures as benchFigures } from "./bench/figures.ts";
import { printReportPage } from "../lib/report/page.ts";

const EXPERIMENTS: Record<string, (outDir: string) => Promise<string[]>> = {
  "siamese-grid": siameseFigures,
  "basics": basicsFigures,
  "adversarial": adversarialFigures,
  "cnn-scratch": cnnScratchFigures,
  "uva-mlp-scratch": uvaFigures,
  "uva-mlp": uvaFigures,
  "uva-layernorm": uvaFigures,
  "uva-convnet": uvaFigures,
  "cnn-calc": cnnCalcFigures,
  "bench": benchFigures,
};

const { out: _out, quick: _q, seed: _s, backend: _b, ...common } = commonFlags("report");
const flags = cli(
  {
    ...common,
    only: flag.strings([], "experiments to regenerate (default: all)", { choices: Object.keys(EXPERIMENTS) }),
    out: flag.string("", "results directory of a single --only experiment", { shown: "results/<experiment>" }),
  },
  "deno task report",
  "Regenerate summaries and SVG figures from results JSON.",
);
const names = flags.only.length ? flags.only : Object.keys(EXPERIMENTS);
if (wasGiven("out") && !flags.out) throw new UsageError("--out is empty: give the folder a task wrote");
if (flags.out && names.length !== 1) throw new UsageError("--out needs exactly one --only experiment");
if (flags.out && !(await Deno.stat(flags.out).then((s) => s.isDirectory, () => false))) {
  throw new UsageError(`--out ${flags.out} is not a folder: give the one \`deno task ${names[0]} --out …\` wrote`);
}
let total = 0;
for (const name of names) {
  const dir = flags.out || `results/${name}`;
  const exists = await Deno.stat(dir).then(() => true, () => false);
  if (!exists) {
    console.log(`${name}: no results in ${dir} (run: deno task ${name})`);
    continue;
  }
  const files = await EXPERIMENTS[name](dir);
  total += files.length;
  if (flags.out && files.length === 0) {
    throw new UserError(`no ${name} results in ${dir}: is it the folder \`deno task ${name} --out …\` wrote?`);
  }
  console.log(`${name}: ${files.length ? files.join(", ") : `nothing to draw yet in ${dir}`}`);
}
console.log(`${total} files written`);
// The page covers the default results folder; a single --out elsewhere gets its files only.
await printReportPage(flags.out || `results/${names[0]}`);
