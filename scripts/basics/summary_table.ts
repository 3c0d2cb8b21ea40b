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
  lr: number;
  init: string;
  trainLoss: number;
  validationLoss: number | null;
  validationAccuracy: number | null;
  testAccuracy: number | null;
  w: number | null;
  b: number | null;
  seconds: number;
}

export interface StyleComparison {
  model: ModelName;
  metric: "validationAccuracy" | "validationLoss";
  high: number;
  low: number;
  /** low − high. */
  difference: number;
}

/** How the markdown names a compared metric. */
const METRIC_LABELS: Record<StyleComparison["metric"], string> = {
  validationAccuracy: "validation accuracy",
  validationLoss: "validation loss",
};

/** Schema of basics' summary.json. */
export const SUMMARY_SCHEMA = "tsdl-basics-summary/1";

export interface BasicsSummary {
  schema: typeof SUMMARY_SCHEMA;
  rows: SummaryTableRow[];
  comparison: StyleComparison[];
}

export function summarizeRuns(runs: VariantResult[]): BasicsSummary {
  const rows = runs.map(tableRow);
  const comparison = MODEL_NAMES.flatMap((model): StyleComparison[] => {
    const metric = isClassifier(model) ? "validationAccuracy" : "validationLoss";
    const high = rows.find((r) => r.model === model && r.style === "high")?.[metric];
    const low = rows.find((r) => r.model === model && r.style === "low")?.[metric];
    return high != null && low != null ? [{ model, metric, high, low, difference: low - high }] : [];
  });
  return { schema: SUMMARY_SCHEMA, rows, comparison };
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
    lr: c.lr,
    init: c.style === "high" ? "pytorch" : c.lowInit,
    trainLoss: f.trainLoss,
    validationLoss: f.validationLoss ?? null,
    validationAccuracy: f.validationAccuracy ?? null,
    testAccuracy: f.testAccuracy ?? null,
    w: f.w ?? null,
    b: f.b ?? null,
    seconds: run.seconds,
  };
}

export function summaryMarkdown(summary: BasicsSummary): string {
  const num = (v: number | null, digits = 4) => (v === null ? "–" : v.toFixed(digits));
  const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
  const runs = [
    "| model | style | params | train/val rows | epochs | batch | init | train loss | val loss | val acc | test acc | w | b | seconds |",
    "|---|---|--:|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|",
    ...summary.rows.map((r) =>
      `| ${r.model} | ${r.style} | ${
        r.parameters.toLocaleString("en-US")
      } | ${r.trainRows}/${r.validationRows} | ${r.epochs} | ` +
      `${r.batchSize} | ${r.init} | ${num(r.trainLoss)} | ${num(r.validationLoss)} | ${pct(r.validationAccuracy)} | ${
        pct(r.testAccuracy)
      } | ` +
      `${num(r.w)} | ${num(r.b)} | ${r.seconds.toFixed(1)} |`
    ),
  ];
  const sideBySide = [
    "| model | metric | high-level | low-level | low − high |",
    "|---|---|--:|--:|--:|",
    ...summary.comparison.map((c) => {
      const show = c.metric === "validationAccuracy" ? pct : (v: number) => num(v, 6);
      const diff = c.metric === "validationAccuracy"
        ? `${(100 * c.difference).toFixed(1)} points`
        : num(c.difference, 6);
      return `| ${c.model} | ${METRIC_LABELS[c.metric]} | ${show(c.high)} | ${show(c.low)} | ${diff} |`;
    }),
  ];
  return `# basics: high-level vs low-level style\n\n## Final validation metrics side by side\n\n${
    sideBySide.join("\n")
  }\n\n` +
    `## All runs\n\n${runs.join("\n")}\n`;
}
