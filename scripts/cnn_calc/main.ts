/**
 * cnn-calc — output sizes and parameter counts of convolutional networks (seed 004, problems 3, 9
 * and 10): the seed's three single-convolution cases, then layer-by-layer tables of LeNet-5,
 * AlexNet and VGG-16, and the two networks `cnn-scratch` trains.
 *
 *   deno task cnn-calc
 *   deno task cnn-calc --conv 20,20,10,3,3,20,2,0   # one conv: H,W,C,kh,kw,filters,stride,padding
 */
import { describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag } from "../../lib/cli/args.ts";
import { SEED_CASES } from "./seed_cases.ts";
import { FAMOUS_NETWORKS } from "./famous_networks.ts";
import { shapeTable } from "./shape_table.ts";
import { formatCount, formatShape, formatShapeTable } from "./format_table.ts";
import type { NetworkSpec } from "./layer_spec.ts";
import { CALC_EXPERIMENT, CALC_RUN, type CalcResult, type SeedCaseResult } from "./results.ts";
import { writeFigures } from "./figures.ts";
import { ARCHITECTURES, shapeSpec } from "../cnn_scratch/architectures.ts";
import { environment, makeResult, writeResult } from "../../lib/report/results.ts";
import { join } from "node:path";

const FLAGS = {
  ...commonFlags(CALC_EXPERIMENT),
  conv: flag.ints([], "also tabulate one convolution: H,W,C,kh,kw,filters,stride,padding", {
    check: (v) => v.length === 0 || v.length === 8 || "give 8 integers: H,W,C,kh,kw,filters,stride,padding",
  }),
};
const flags = cli(
  FLAGS,
  "deno task cnn-calc",
  "Output shapes and parameter counts per layer (no training: --quick and --seed change nothing).",
);
const started = performance.now();
const backend = await initBackend(flags.backend as never);
console.log(describeBackend(backend));

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

await Deno.mkdir(flags.out, { recursive: true });
const result: CalcResult = makeResult({
  experiment: CALC_EXPERIMENT,
  run: CALC_RUN,
  seconds: (performance.now() - started) / 1000,
  config: { networks: networks.map((n) => n.name), conv: flags.conv, seed: flags.seed, quick: flags.quick },
  environment: environment(backend),
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
if (!seedCases.every((c) => c.matchesSeed)) Deno.exit(1);
