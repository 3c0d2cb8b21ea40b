/**
 * The uva-* figures, regenerated from the results JSON in an output folder alone (no training):
 *   <run>-<hash>.json → <run>-<hash>-curves.svg  loss and accuracy over steps, train (period means) and test
 *   sweep.json      → sweep.svg         final test accuracy of each uva-mlp --sweep variant
 *                     sweep_curves.svg  test accuracy over steps, one line per variant
 *   layernorm.json  → layernorm.svg     agreement of each LayerNorm check, in correct digits
 *   runs.csv, history.csv                 the tidy tables of every step-counted run (lib/report/tables.ts)
 */
import { barChart, type BarRow, type CurveRow, learningCurves } from "../../lib/report/figures.ts";
import { readJsonIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import type { RunResult } from "../../lib/report/results.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";
import type { SweepFinal, SweepRow, SweepVariantResult } from "./sweep.ts";
import type { MlpRunConfig } from "./mlp_run.ts";
import type { LayerNormCheckFinal } from "./layernorm_check.ts";
import { RESULT_SCHEMA } from "../../lib/report/results.ts";
import { writeRunTables } from "../../lib/report/tables.ts";

type StepResult = RunResult<
  { dataset: string; testSize: number; evalImages?: number },
  HistoryRow,
  { testAccuracy: number; steps: number }
>;

/** Train and test curves of one step-counted run, loss and accuracy panels. */
export function stepCurvesSvg(result: StepResult): string {
  const { evalImages, testSize } = result.config;
  const test = evalImages && evalImages < testSize ? `test (first ${evalImages} images)` : "test";
  // trainBySteps counts steps and scores the test set every period: every row has step and test metrics.
  const rows: CurveRow[] = result.history.flatMap((r) => [
    { epoch: r.step!, value: r.trainLoss, series: "train (period mean)", metric: "loss (cross-entropy, nats)" },
    { epoch: r.step!, value: r.testLoss!, series: test, metric: "loss (cross-entropy, nats)" },
    { epoch: r.step!, value: r.trainAccuracy, series: "train (period mean)", metric: "accuracy" },
    { epoch: r.step!, value: r.testAccuracy!, series: test, metric: "accuracy" },
  ]);
  const acc = result.final.testAccuracy;
  return learningCurves(rows, {
    title: `${result.experiment} on ${result.config.dataset}`,
    subtitle: `${result.run}: final test accuracy ${(100 * acc).toFixed(2)}% (all ${testSize} test images) ` +
      `after ${result.final.steps} steps ` +
      `(${result.environment.backend})`,
    xLabel: "step",
    percentMetrics: ["accuracy"],
  });
}

type SweepResult = RunResult<{ dataset: string; base?: MlpRunConfig }, SweepRow, SweepFinal>;

const NORM_WORDS: Record<string, string> = {
  batch: "BatchNorm",
  layer: "LayerNorm",
  "layer-custom": "LayerNorm (custom op)",
};

/** A variant in words, from its settings: "512×256 hidden, ELU, Adam, BatchNorm, dropout 0.2". */
export function variantWords(v: SweepVariantResult, base?: MlpRunConfig): string {
  if (!base) return v.name;
  const c = { ...base, ...v.changes };
  const optimizer = c.optimizer === "adam" ? "Adam" : c.momentum > 0 ? `SGD, momentum ${c.momentum}` : "SGD";
  return [
    `${c.hidden.join("×") || "no"} hidden`,
    c.activation === "elu" ? "ELU" : c.activation,
    optimizer,
    ...(c.norm !== "none" ? [NORM_WORDS[c.norm] ?? c.norm] : []),
    ...(c.dropout > 0 ? [`dropout ${c.dropout}`] : []),
    ...(c.weightDecay > 0 ? [`weight decay ${c.weightDecay}`] : []),
    ...(c.maxSteps !== base.maxSteps ? [`${c.maxSteps} steps`] : []),
  ].join(", ");
}

export function sweepBarsSvg(result: SweepResult): string {
  const rows: BarRow[] = result.final.variants.map((v) => ({
    label: variantWords(v, result.config.base),
    value: v.testAccuracy,
  }));
  // final.best reads "name (85.20%)".
  const best = result.final.variants.find((v) => result.final.best.startsWith(`${v.name} (`));
  return barChart(rows, {
    title: `uva-mlp sweep on ${result.config.dataset}: final test accuracy`,
    subtitle: best
      ? `best: ${variantWords(best, result.config.base)} (${(100 * best.testAccuracy).toFixed(1)}%); ` +
        "every variant from the same seed"
      : undefined,
    xLabel: "test accuracy",
    percent: true,
  });
}

export function sweepCurvesSvg(result: SweepResult): string {
  const words = new Map(result.final.variants.map((v) => [v.name, variantWords(v, result.config.base)]));
  const rows: CurveRow[] = result.history.map((r) => ({
    epoch: r.step!,
    value: r.testAccuracy!,
    series: words.get(r.variant) ?? r.variant,
    metric: "test accuracy",
  }));
  return learningCurves(rows, {
    title: `uva-mlp sweep on ${result.config.dataset}: test accuracy over steps`,
    xLabel: "step",
    percentMetrics: ["test accuracy"],
    columns: 1,
  });
}

/** −log₁₀ of each error and of its tolerance: bars past the tolerance's length pass. */
export function layerNormChecksSvg(result: RunResult<unknown, unknown, LayerNormCheckFinal>): string {
  const digits = (e: number) => e > 0 ? -Math.log10(e) : 17; // an exact match: float64 resolution
  const rows: BarRow[] = result.final.checks.flatMap((c) => [
    { label: c.name, value: digits(c.maxError), group: "measured: −log₁₀(max error)" },
    { label: c.name, value: digits(c.tolerance), group: "required: −log₁₀(tolerance)" },
  ]);
  return barChart(rows, {
    title: "LayerNorm gradient checks: correct digits",
    subtitle: `all passed: ${result.final.allPassed}; error = max |a − b| / max(1, |b|); 17 digits = exact match`,
    xLabel: "digits of agreement (higher is better)",
    width: 900,
  });
}

/** Regenerates every uva-* figure whose JSON is in `outDir`; returns the SVG paths written. */
export async function writeFigures(outDir: string): Promise<string[]> {
  const written: string[] = [];
  const write = async (name: string, svg: string) => {
    const path = `${outDir}/${name}`;
    await writeFileAtomic(path, svg);
    written.push(path);
  };
  const runs = await readStepResults(outDir);
  for (const { file, result } of runs) {
    if (result.history.length) await write(file.replace(/\.json$/, "-curves.svg"), stepCurvesSvg(result));
  }
  const variants = (await readStepResults(`${outDir}/sweep`)).map((r) => r.result);
  const tabled = [...runs.map((r) => r.result), ...variants];
  if (tabled.length) written.push(...await writeRunTables(outDir, tabled));
  const sweep = await readJsonIfExists<SweepResult>(`${outDir}/sweep.json`);
  if (sweep && sweep.final.variants.length) {
    await write("sweep.svg", sweepBarsSvg(sweep));
    await write("sweep_curves.svg", sweepCurvesSvg(sweep));
  }
  const layerNorm = await readJsonIfExists<RunResult<unknown, unknown, LayerNormCheckFinal>>(
    `${outDir}/layernorm.json`,
  );
  if (layerNorm) await write("layernorm.svg", layerNormChecksSvg(layerNorm));
  return written;
}

/** Every step-counted run result in `dir` (not the sweep or LayerNorm summaries), by file name. */
async function readStepResults(dir: string): Promise<{ file: string; result: StepResult }[]> {
  const found: { file: string; result: StepResult }[] = [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".json")).map((e) => e.name).sort();
  } catch {
    return [];
  }
  for (const file of names) {
    const result = await readJsonIfExists<StepResult>(`${dir}/${file}`);
    const final = result?.final as { steps?: number; variants?: unknown } | undefined;
    if (result?.schema === RESULT_SCHEMA && typeof final?.steps === "number" && !final.variants) {
      found.push({ file, result });
    }
  }
  return found;
}
