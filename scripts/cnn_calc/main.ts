/**
 * cnn-calc — output sizes and parameter counts of convolutional networks (seed 004, problems 3, 9
 * and 10): the seed's three single-convolution cases, then layer-by-layer tables of LeNet-5,
 * AlexNet and VGG-16, and the two networks `cnn-scratch` trains.
 *
 *   deno task cnn-calc
 *   deno task cnn-calc --conv 20,20,10,3,3,20,2,0   # one conv: H,W,C,kh,kw,filters,stride,padding
 */
import { cli, commonFlags, flag } from "../../lib/cli/args.ts";
import { SEED_CASES } from "./seed_cases.ts";
import { FAMOUS_NETWORKS } from "./famous_networks.ts";
import { shapeTable } from "./shape_table.ts";
import { formatCount, formatShape, formatShapeTable } from "./format_table.ts";
import type { NetworkSpec } from "./layer_spec.ts";
import { CALC_EXPERIMENT, CALC_RUN, type CalcResult, type SeedCaseResult } from "./results.ts";
import { writeFigures } from "./figures.ts";
import { ARCHITECTURES, shapeSpec } from "../cnn_scratch/architectures.ts";
import { hostEnvironment, makeResult, writeResult } from "../../lib/report/results.ts";
import { join } from "node:path";
import { printReportPage } from "../../lib/report/page.ts";

// Only --out of the common flags: no training, so nothing for --quick, --seed or --backend to change.
const FLAGS = {
  out: commonFlags(CALC_EXPERIMENT).out,
  conv: flag.ints([], "also tabulate one convolution: H,W,C,kh,kw,filters,stride,padding", { check: convProblem }),
};
const flags = cli(FLAGS, "deno task cnn-calc", "Output shapes and parameter counts per layer (no training).");
const started = performance.now();

/** --conv: eight integers, sizes ≥ 1, padding ≥ 0, a kernel that fits the padded input. */
function convProblem(v: number[]): true | string {
  if (v.length === 0) return true;
  if (v.length !== 8) return "give 8 integers: H,W,C,kh,kw,filters,stride,padding";
  const [h, w, c, kh, kw, filters, stride, padding] = v;
  const names = ["H", "W", "C", "kh", "kw", "filters", "stride"];
  const small = [h, w, c, kh, kw, filters, stride].findIndex((x) => x < 1);
  if (small >= 0) return `${names[small]} must be ≥ 1, got ${v[small]}`;
  if (padding < 0) return `padding must be ≥ 0, got ${padding}`;
  if (kh > h + 2 * padding || kw > w + 2 * padding) {
    return `a ${kh}×${kw} kernel does not fit a ${h}×${w} input with padding ${padding}`;
  }
  return true;
}

function customConv([h, w, c, kh, kw, filters, stride, padding]: number[]): NetworkSpec {
  return {
    name: `(${h},${w},${c}) conv ${kh}×${kw}×${filters} stride ${stride} pad ${padding}`,
    source: "--conv",
    input: [h, w, c],
    layers: [{ name: "conv", kind: "conv", filters, kernel: [kh, kw], stride, padding }],
  };
}

const seedCases: SeedCaseResult[] = SEED_CASES.map((c) => {
  const table = shapeTable(c.network);
  const { outputShape, params } = table.rows[0];
  const matchesSeed = outputShape.join() === c.seedOutputShape.join() && params === c.seedParams;
  return {
    label: c.label,
    network: c.network.name,
    outputShape,
    params,
    seedOutputShape: c.seedOutputShape,
    seedParams: c.seedParams,
    matchesSeed,
  };
});
console.log("\nSeed 004, problem 10 (stride 1 and no padding unless noted):");
for (const c of seedCases) {
  console.log(
    `  ${c.label}. ${c.network.padEnd(34)} → ${formatShape(c.outputShape).padEnd(14)} ${
      formatCount(c.params).padStart(6)
    } parameters` +
      `  ${c.matchesSeed ? "(as the seed)" : `(the seed: ${formatShape(c.seedOutputShape)}, ${c.seedParams})`}`,
  );
}

const networks = [
  ...FAMOUS_NETWORKS,
  ...Object.values(ARCHITECTURES).map(shapeSpec),
  ...(flags.conv.length ? [customConv(flags.conv)] : []),
];
const tables = networks.map(shapeTable);
for (const t of tables) console.log(`\n${formatShapeTable(t)}`);

const result: CalcResult = makeResult({
  experiment: CALC_EXPERIMENT,
  run: CALC_RUN,
  seconds: (performance.now() - started) / 1000,
  config: { networks: networks.map((n) => n.name), conv: flags.conv },
  environment: hostEnvironment(), // shapes and counts only: no tfjs backend is started
  history: [],
  final: { seedCases, networks: tables },
  notes: [
    "Output size ⌊(in + 2p − k)/s⌋ + 1 per axis; conv parameters kh·kw·C_in·C_out + C_out; pooling and flatten have none.",
    "LeNet-5 counted with full C3 connectivity and parameter-free subsampling (the paper's C3 is partially connected); " +
    "AlexNet as one device (no grouped convolutions) on a 227×227 input.",
  ],
});
await writeResult(join(flags.out, `${CALC_RUN}.json`), result);
const figures = await writeFigures(flags.out);
console.log(
  `\nresults and figures in ${flags.out}: ${CALC_RUN}.json, ${figures.map((f) => f.split("/").pop()).join(", ")}`,
);
await printReportPage(flags.out);
if (!seedCases.every((c) => c.matchesSeed)) Deno.exit(1);
