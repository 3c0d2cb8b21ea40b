/**
 * The experiment's figures and its markdown table (table.md), regenerated from the results JSON in
 * a folder alone:
 *   accuracy_vs_epsilon.svg  accuracy against ε, one panel per perturbation, one line per method
 *   training_curves.svg      per-epoch training loss, training accuracy (on each method's own
 *                            training inputs) and clean test accuracy
 *   per_class_pgd.svg        per-class PGD accuracy at the training ε (long-tailed runs only)
 */
import * as Plot from "@observablehq/plot";
import { plotPanelsToSvg } from "../../lib/report/svg_plot.ts";
import { barChart, type BarRow, type CurveRow, learningCurves } from "../../lib/report/figures.ts";
import { writeFileAtomic } from "../../lib/report/atomic.ts";
import { type AttackName, ATTACKS } from "./evaluate.ts";
import { METHOD_LABELS, METHODS } from "./methods.ts";
import { type MethodResult, readMethodResults } from "./results.ts";
import { markdownTables } from "./table.ts";
import { percentTickFormat } from "../../lib/report/ticks.ts";
import { writeRunTables } from "../../lib/report/tables.ts";

const PANEL_WIDTH = 330;
const DATASET_TITLES: Record<string, string> = {
  mnist: "MNIST",
  "fashion-mnist": "Fashion-MNIST",
  cifar10: "CIFAR-10",
};
const PANEL_HEIGHT = 300;

function panelTitle(attack: AttackName, results: MethodResult[]): string {
  const c = results[0].config;
  switch (attack) {
    case "gaussian":
      return "Gaussian noise σ = ε (not an attack)";
    case "fgsm":
      return "FGSM";
    case "pgd":
      return `PGD-${c.evalSteps}${c.evalRestarts > 1 ? ` × ${c.evalRestarts} restarts` : ""}`;
  }
}

/** One line per method per perturbation panel; all panels share the method colours. */
export function accuracyVsEpsilonSvg(results: MethodResult[]): string {
  const labels = METHODS.filter((m) => results.some((r) => r.config.method === m)).map((m) => METHOD_LABELS[m]);
  const rows = results.flatMap((r) =>
    r.final.evaluation.map((e) => ({
      attack: e.attack,
      epsilon: e.epsilon,
      accuracy: e.accuracy,
      method: METHOD_LABELS[r.config.method],
    }))
  );
  const epsilons = [...new Set(rows.map((r) => r.epsilon))].sort((a, b) => a - b);
  const c = results[0].config;
  const panels = ATTACKS.map((attack, i): Plot.PlotOptions => {
    const data = rows.filter((r) => r.attack === attack).sort((a, b) => a.epsilon - b.epsilon);
    return {
      width: PANEL_WIDTH,
      height: PANEL_HEIGHT,
      marginTop: 34,
      x: { label: "ε (pixel units)", ticks: epsilons, tickFormat: (v: number) => String(+v.toFixed(3)), inset: 10 },
      y: {
        label: null,
        domain: [0, 1],
        grid: true,
        tickFormat: percentTickFormat,
      },
      color: { type: "categorical", scheme: "observable10", domain: labels, legend: i === 0 },
      marks: [
        Plot.ruleX([c.trainEpsilon], { stroke: "#999", strokeDasharray: "3,3" }),
        Plot.lineY(data, { x: "epsilon", y: "accuracy", stroke: "method" }),
        Plot.dot(data, { x: "epsilon", y: "accuracy", fill: "method", r: 2.5 }),
        Plot.text([panelTitle(attack, results)], { frameAnchor: "top", dy: -22, fontSize: 12, fontWeight: "bold" }),
      ],
    };
  });
  return plotPanelsToSvg(panels, {
    title: `Test accuracy vs ε — LeNet on ${DATASET_TITLES[c.dataset]}, ${
      results[0].final.evaluation[0].n
    } test images`,
    subtitle: `ε in [0, 1] pixel units; dashed line: training ε = ${c.trainEpsilon}; ` +
      `${c.trainSize} training images${
        c.imbalance > 1 ? ` (long-tailed, ρ = ${c.imbalance})` : ""
      }, ${c.epochs} epochs`,
    columns: 3,
  });
}

export function trainingCurvesSvg(results: MethodResult[]): string {
  const rows: CurveRow[] = results.flatMap((r) =>
    r.history.flatMap((h, i) => {
      const series = METHOD_LABELS[r.config.method];
      const epoch = h.epoch ?? i + 1;
      const out: CurveRow[] = [
        { epoch, value: h.trainLoss, series, metric: "training loss (each method's objective, nats)" },
        { epoch, value: h.trainAccuracy, series, metric: "training accuracy (on its training inputs)" },
      ];
      if (h.testAccuracy !== undefined) {
        out.push({ epoch, value: h.testAccuracy, series, metric: "clean test accuracy" });
      }
      if (h.guardPgdAccuracy !== undefined) {
        out.push({ epoch, value: h.guardPgdAccuracy, series, metric: "PGD accuracy, guard's training batch" });
      }
      return out;
    })
  );
  return learningCurves(rows, {
    title: "Training curves",
    subtitle: "the loss and training accuracy are each method's own (adversarial or clean) objective",
    percentMetrics: [
      "training accuracy (on its training inputs)",
      "clean test accuracy",
      "PGD accuracy, guard's training batch",
    ],
    columns: 2,
  });
}

/** Per-class PGD accuracy at the largest grid ε not above the training ε. */
export function perClassSvg(results: MethodResult[]): string {
  const c = results[0].config;
  const rows: BarRow[] = [];
  let epsilon = 0;
  for (const r of results) {
    const pgdRows = r.final.evaluation.filter((e) => e.attack === "pgd" && e.epsilon <= c.trainEpsilon + 1e-9);
    const row = pgdRows.reduce((a, b) => (b.epsilon > a.epsilon ? b : a));
    epsilon = row.epsilon;
    row.correctPerClass.forEach((correct, k) =>
      rows.push({
        label: `${r.final.classNames[k]} (${r.final.trainClassCounts[k]} train)`,
        group: METHOD_LABELS[r.config.method],
        value: correct / Math.max(row.countPerClass[k], 1),
      })
    );
  }
  return barChart(rows, {
    title: `Per-class PGD-${c.evalSteps} accuracy at ε = ${epsilon}`,
    subtitle: `long-tailed training subset, imbalance ρ = ${c.imbalance}; balanced test images`,
    xLabel: "accuracy",
    percent: true,
    xDomain: [0, 1],
  });
}

/** Regenerates table.md and every figure from `<outDir>/<method>.json`; returns the paths written. */
export async function writeFigures(outDir: string): Promise<string[]> {
  const results = await readMethodResults(outDir);
  if (results.length === 0) return [];
  const figures: [string, string][] = [
    ["table.md", markdownTables(results)],
    ["accuracy_vs_epsilon.svg", accuracyVsEpsilonSvg(results)],
    ["training_curves.svg", trainingCurvesSvg(results)],
  ];
  if (results[0].config.imbalance > 1) figures.push(["per_class_pgd.svg", perClassSvg(results)]);
  const paths: string[] = await writeRunTables(outDir, results);
  for (const [name, svg] of figures) {
    const path = `${outDir}/${name}`;
    await writeFileAtomic(path, svg);
    paths.push(path);
  }
  return paths;
}
