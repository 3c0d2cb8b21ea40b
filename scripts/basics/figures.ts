/**
 * The basics figures and summary, regenerated from the run JSONs in an output folder alone:
 * `<model>-curves.svg` (loss and accuracy per epoch, both styles overlaid, train and validation),
 * `summary.json` + `summary.md` (every run, and the styles side by side) and `summary.svg`
 * (final validation accuracy per classifier and style).
 */
import { join } from "node:path";
import { barChart } from "../../lib/report/figures.ts";
import { type StyleCurvePoint, styleCurvesSvg, styleKey } from "./style_curves.ts";
import { writeFileAtomic, writeJsonAtomic } from "../../lib/report/atomic.ts";
import { MODEL_LABELS, MODEL_NAMES, type ModelName, STYLE_LABELS } from "./models.ts";
import type { FitRow } from "../../lib/keras/history.ts";
import type { VariantResult } from "./run_variant.ts";
import { readRuns } from "./run_files.ts";
import { type BasicsSummary, summarizeRuns, summaryMarkdown } from "./summary_table.ts";
import { writeRunTables } from "../../lib/report/tables.ts";
import { UserError } from "../../lib/cli/errors.ts";

/** Writes every figure and the summary for the runs in `outDir`; returns the paths written. */
export async function writeFigures(outDir: string): Promise<string[]> {
  const runs = await readRuns(outDir);
  if (runs.length === 0) {
    throw new UserError(`no basics runs (<model>-<style>.json) in ${outDir}: run 'deno task basics' first`);
  }
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    const path = join(outDir, name);
    await writeFileAtomic(path, text);
    written.push(path);
  };
  for (const model of MODEL_NAMES) {
    const modelRuns = runs.filter((r) => r.config.model === model);
    if (modelRuns.length > 0) await write(`${model}-curves.svg`, learningCurvesSvg(model, modelRuns));
  }
  const summary = summarizeRuns(runs);
  const summaryJson = join(outDir, "summary.json");
  await writeJsonAtomic(summaryJson, summary);
  written.push(summaryJson);
  await write("summary.md", summaryMarkdown(summary));
  written.push(...await writeRunTables(outDir, runs));
  if (
    summary.comparison.some((c) => c.metric === "validationAccuracy") ||
    summary.rows.some((r) => r.validationAccuracy !== null)
  ) {
    await write("summary.svg", validationAccuracySvg(summary));
  }
  return written;
}

/** The history keys drawn, as a metric and the split it was measured on. */
const CURVES = [
  { key: "trainLoss", metric: "loss", split: "train" },
  { key: "trainAccuracy", metric: "accuracy", split: "train" },
  { key: "validationLoss", metric: "loss", split: "validation" },
  { key: "validationAccuracy", metric: "accuracy", split: "validation" },
] as const satisfies readonly ({ key: keyof FitRow } & Pick<StyleCurvePoint, "metric" | "split">)[];

/** Loss (and accuracy) over epochs: both styles overlaid, train and validation. */
export function learningCurvesSvg(model: ModelName, runs: VariantResult[]): string {
  const points: StyleCurvePoint[] = [];
  for (const run of runs) {
    for (const row of run.history) {
      for (const { key, metric, split } of CURVES) {
        const value = row[key];
        if (value === undefined) continue;
        points.push({ epoch: row.epoch!, value, metric, split, style: run.config.style });
      }
    }
  }
  const c = runs[0].config, f = runs[0].final;
  const lowRun = runs.find((r) => r.config.style === "low");
  return styleCurvesSvg(points, {
    title: `${MODEL_LABELS[model]} · ${f.trainRows}/${f.validationRows} rows, batch ${c.batchSize}, SGD lr ${c.lr}`,
    subtitle: styleKey(lowRun?.config.lowInit ?? "pytorch"),
    lossLabel: model === "linreg" ? "loss (mean squared error)" : "loss (cross-entropy, nats)",
  });
}

/** Final validation accuracy of each classifier, grouped by style. */
export function validationAccuracySvg(summary: BasicsSummary): string {
  const bars = summary.rows.filter((r) => r.validationAccuracy !== null).map((r) => ({
    label: MODEL_LABELS[r.model],
    group: STYLE_LABELS[r.style],
    value: r.validationAccuracy!,
  }));
  return barChart(bars, {
    title: "Final validation accuracy by style",
    xLabel: "validation accuracy",
    percent: true,
    xDomain: [0, 1],
  });
}
