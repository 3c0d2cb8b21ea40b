/**
 * Figures of `cnn-calc`, rebuilt from its results JSON alone: one bar chart per network of the
 * parameters in each layer that has any (params_<network>.svg).
 */
import { join } from "node:path";
import { barChart } from "../../lib/report/figures.ts";
import { formatCount } from "./format_table.ts";
import type { CalcResult } from "./results.ts";
import { CALC_EXPERIMENT, CALC_RUN } from "./results.ts";
import { RESULT_SCHEMA } from "../../lib/report/results.ts";

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
    const path = join(outDir, figureFileName(table.network));
    await Deno.writeTextFile(
      path,
      barChart(rows, {
        title: `${table.network}: parameters per layer (total ${formatCount(table.totalParams)})`,
        subtitle: table.source,
        xLabel: `parameters (${unit})`,
      }),
    );
    written.push(path);
  }
  return written;
}
