/**
 * The basics summary: one row per run, and the two styles side by side per model (validation
 * accuracy for the classifiers, validation loss for the linear regression), as JSON and markdown.
 */
import { isClassifier, MODEL_NAMES, type ModelName, type StyleName } from "./models.ts";
import type { VariantResult } from "./run_variant.ts";

export interface SummaryTableRow {
  model: ModelName;
  style: StyleName;
  parameters: number;
  trainRows: number;
  validationRows: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  init: string;
  loss: number;
  val_loss: number | null;
  val_accuracy: number | null;
  test_accuracy: number | null;
  w: number | null;
  b: number | null;
  seconds: number;
}

export interface StyleComparison {
  model: ModelName;
  metric: "val_accuracy" | "val_loss";
  high: number;
  low: number;
  /** low − high. */
  difference: number;
}

export interface BasicsSummary {
  rows: SummaryTableRow[];
  comparison: StyleComparison[];
}

export function summarizeRuns(runs: VariantResult[]): BasicsSummary {
  const rows = runs.map(tableRow);
  const comparison = MODEL_NAMES.flatMap((model): StyleComparison[] => {
    const metric = isClassifier(model) ? "val_accuracy" : "val_loss";
    const high = rows.find((r) => r.model === model && r.style === "high")?.[metric];
    const low = rows.find((r) => r.model === model && r.style === "low")?.[metric];
    return high != null && low != null ? [{ model, metric, high, low, difference: low - high }] : [];
  });
  return { rows, comparison };
}

function tableRow(run: VariantResult): SummaryTableRow {
  const { config: c, final: f } = run;
  return {
    model: c.model,
    style: c.style,
    parameters: f.parameters,
    trainRows: f.trainRows,
    validationRows: f.validationRows,
    epochs: run.history.length,
    batchSize: c.batchSize,
    learningRate: c.learningRate,
    init: c.style === "high" ? "pytorch" : c.lowInit,
    loss: f.loss,
    val_loss: f.val_loss ?? null,
    val_accuracy: f.val_accuracy ?? null,
    test_accuracy: f.test_accuracy ?? null,
    w: f.w ?? null,
    b: f.b ?? null,
    seconds: run.seconds,
  };
}

export function summaryMarkdown(summary: BasicsSummary): string {
  const num = (v: number | null, digits = 4) => (v === null ? "–" : v.toFixed(digits));
  const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
  const runs = [
    "| model | style | params | train/val rows | epochs | batch | init | loss | val loss | val acc | test acc | w | b | seconds |",
    "|---|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ...summary.rows.map((r) =>
      `| ${r.model} | ${r.style} | ${
        r.parameters.toLocaleString("en-US")
      } | ${r.trainRows}/${r.validationRows} | ${r.epochs} | ` +
      `${r.batchSize} | ${r.init} | ${num(r.loss)} | ${num(r.val_loss)} | ${pct(r.val_accuracy)} | ${
        pct(r.test_accuracy)
      } | ` +
      `${num(r.w)} | ${num(r.b)} | ${r.seconds.toFixed(1)} |`
    ),
  ];
  const sideBySide = [
    "| model | metric | high-level | low-level | low − high |",
    "|---|---|--:|--:|--:|",
    ...summary.comparison.map((c) => {
      const show = c.metric === "val_accuracy" ? pct : (v: number) => num(v, 6);
      const diff = c.metric === "val_accuracy" ? `${(100 * c.difference).toFixed(1)} points` : num(c.difference, 6);
      return `| ${c.model} | ${c.metric} | ${show(c.high)} | ${show(c.low)} | ${diff} |`;
    }),
  ];
  return `# basics: high-level vs low-level style\n\n## Final validation metrics side by side\n\n${
    sideBySide.join("\n")
  }\n\n` +
    `## All runs\n\n${runs.join("\n")}\n`;
}
