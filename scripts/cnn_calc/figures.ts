/**
 * Figures of `cnn-calc`, rebuilt from its results JSON alone: one bar chart per network of the
 * parameters in each layer that has any (params_<network>.svg), on a log axis where the counts
 * span more than two decades (VGG-16's first conv layer would vanish beside its dense layers);
 * table.md, the seed's cases and each network's total; and layers.csv, one row per layer (the tidy
 * table of a task with no runs to speak of).
 */
import { join } from "node:path";
import { barChart } from "../../lib/report/figures.ts";
import { formatCount, formatShape } from "./format_table.ts";
import type { CalcResult } from "./results.ts";
import { CALC_EXPERIMENT, CALC_RUN } from "./results.ts";
import { RESULT_SCHEMA } from "../../lib/report/results.ts";
import { type CsvRow, toCsv } from "../../lib/report/csv.ts";

export function figureFileName(network: string): string {
  return `params_${network.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")}.svg`;
}

export async function writeFigures(outDir: string): Promise<string[]> {
  let result: CalcResult;
  try {
    result = JSON.parse(await Deno.readTextFile(join(outDir, `${CALC_RUN}.json`)));
  } catch {
    return [];
  }
  if (result.schema !== RESULT_SCHEMA || result.experiment !== CALC_EXPERIMENT) return [];
  const written: string[] = [];
  for (const table of result.final.networks) {
    // Millions or thousands, so the printed values stay short enough to fit beside their bars.
    const [scale, unit] = table.totalParams >= 1e6 ? [1e6, "millions"] : [1e3, "thousands"];
    const rows = table.rows.filter((r) => r.params > 0).map((r) => ({
      label: `${r.name} · ${r.description}`,
      value: r.params / scale,
    }));
    const values = rows.map((r) => r.value);
    const log = Math.max(...values) / Math.min(...values) > 100;
    const path = join(outDir, figureFileName(table.network));
    await Deno.writeTextFile(
      path,
      barChart(rows, {
        title: `${table.network}: parameters per layer (total ${formatCount(table.totalParams)})`,
        subtitle: table.source,
        xLabel: `parameters, ${unit}`,
        xType: log ? "log" : "linear",
      }),
    );
    written.push(path);
  }
  const layersPath = join(outDir, "layers.csv");
  await Deno.writeTextFile(layersPath, toCsv(layerRows(result)));
  written.push(layersPath);
  const tablePath = join(outDir, "table.md");
  await Deno.writeTextFile(tablePath, calcTable(result));
  written.push(tablePath);
  return written;
}

/** The headline numbers as markdown: the seed's three cases, then each network's parameter total. */
export function calcTable(result: CalcResult): string {
  const { seedCases, networks } = result.final;
  return [
    "## Seed 004, problem 10: one convolution each",
    "",
    "| case | convolution | output | parameters | the seed's answer |",
    "| --- | --- | --- | ---: | --- |",
    ...seedCases.map((c) =>
      `| ${c.label} | ${c.network} | ${formatShape(c.outputShape)} | ${formatCount(c.params)} | ${
        c.matchesSeed ? "same" : `${formatShape(c.seedOutputShape)}, ${formatCount(c.seedParams)}`
      } |`
    ),
    "",
    "## Parameters per network",
    "",
    "| network | input | layers | parameters |",
    "| --- | --- | ---: | ---: |",
    ...networks.map((t) =>
      `| ${t.network} | ${formatShape(t.input)} | ${t.rows.length} | ${formatCount(t.totalParams)} |`
    ),
    "",
  ].join("\n");
}

/** One row per layer of every network: network, layer, description, input, output, parameters. */
export function layerRows(result: CalcResult): CsvRow[] {
  return result.final.networks.flatMap((t) =>
    t.rows.map((r) => ({
      network: t.network,
      layer: r.name,
      description: r.description,
      input: r.inputShape.join("x"),
      output: r.outputShape.join("x"),
      params: r.params,
    }))
  );
}
