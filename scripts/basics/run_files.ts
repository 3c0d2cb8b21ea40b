/** Where the basics runs live in an output folder (one `<model>-<style>.json` each) and how to read them back. */
import { join } from "node:path";
import { readJsonIfExists } from "../../lib/report/atomic.ts";
import { MODEL_NAMES, type ModelName, STYLE_NAMES, type StyleName } from "./models.ts";
import { EXPERIMENT, type VariantResult } from "./run_variant.ts";

export function runPath(outDir: string, model: ModelName, style: StyleName): string {
  return join(outDir, `${model}-${style}.json`);
}

/** Every basics run found in `outDir`, in model then style order. */
export async function readRuns(outDir: string): Promise<VariantResult[]> {
  const runs: VariantResult[] = [];
  for (const model of MODEL_NAMES) {
    for (const style of STYLE_NAMES) {
      const path = runPath(outDir, model, style);
      const run = await readJsonIfExists<VariantResult>(path);
      if (run === null) continue;
      if (run.experiment !== EXPERIMENT || run.config?.model !== model || run.config?.style !== style) {
        throw new Error(`${path} is not a ${EXPERIMENT} run of ${model}-${style}; move it away and rerun`);
      }
      // Runs written before the shared vocabulary (loss, val_loss, samples, …) would draw as empty figures.
      if (typeof run.final?.trainLoss !== "number" || run.history.some((row) => row.trainLoss === undefined)) {
        throw new Error(`${path} uses the old result keys (loss, val_loss, …): rerun 'deno task basics'`);
      }
      runs.push(run);
    }
  }
  return runs;
}
