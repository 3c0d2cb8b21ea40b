/**
 * The uva-* figures, regenerated from the results JSON in an output folder alone (no training):
 *   result.json     → curves.svg        loss and accuracy over steps, train (period means) and test
 *   sweep.json      → sweep.svg         final test accuracy of each uva-mlp --sweep variant
 *                     sweep_curves.svg  test accuracy over steps, one line per variant
 *   layernorm.json  → layernorm.svg     agreement of each LayerNorm check, in correct digits
 */
import { barChart, type BarRow, type CurveRow, learningCurves } from "../../lib/report/figures.ts";
import { readJsonIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import type { RunResult } from "../../lib/report/results.ts";
import type { HistoryRow } from "../../lib/train/loop.ts";
import type { SweepFinal, SweepRow } from "./sweep.ts";
import type { LayerNormCheckFinal } from "./layernorm_check.ts";

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
    { epoch: r.step!, value: r.trainLoss, series: "train (period mean)", metric: "loss" },
    { epoch: r.step!, value: r.testLoss!, series: test, metric: "loss" },
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

export function sweepBarsSvg(result: RunResult<{ dataset: string }, SweepRow, SweepFinal>): string {
  const rows: BarRow[] = result.final.variants.map((v) => ({ label: v.name, value: v.testAccuracy }));
  return barChart(rows, {
    title: `uva-mlp sweep on ${result.config.dataset}: final test accuracy`,
    subtitle: result.final.variants.length ? `best: ${result.final.best}` : undefined,
    xLabel: "test accuracy",
    percent: true,
  });
}

export function sweepCurvesSvg(result: RunResult<{ dataset: string }, SweepRow, SweepFinal>): string {
  const rows: CurveRow[] = result.history.map((r) => ({
    epoch: r.step!,
    value: r.testAccuracy!,
    series: r.variant,
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
  const run = await readJsonIfExists<StepResult>(`${outDir}/result.json`);
  if (run && run.history.length) await write("curves.svg", stepCurvesSvg(run));
  const sweep = await readJsonIfExists<RunResult<{ dataset: string }, SweepRow, SweepFinal>>(`${outDir}/sweep.json`);
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
