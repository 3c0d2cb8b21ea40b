/**
 * Figures of `cnn-scratch`, rebuilt from the results JSON alone:
 *   learning_curves.svg  train loss, validation loss and validation accuracy per epoch, every run;
 *   test_accuracy.svg    final test accuracy per model and implementation, with the seed's number
 *                        when the runs used the seed's setup (a like-for-like comparison only);
 *   runs.csv, history.csv  the tidy tables (lib/report/tables.ts).
 */
import { join } from "node:path";
import { barChart, type BarRow, type CurveRow, learningCurves } from "../../lib/report/figures.ts";
import { type CnnScratchConfig, type CnnScratchResult, loadResults, SEED_SMALL_NET_TEST_ACCURACY } from "./results.ts";
import { writeRunTables } from "../../lib/report/tables.ts";

const MODEL_LABELS: Record<string, string> = { small: "small net", lenet5: "LeNet-5" };

function modelLabel(r: CnnScratchResult): string {
  return MODEL_LABELS[r.config.model] ?? r.config.model;
}

export function curveRows(results: CnnScratchResult[]): CurveRow[] {
  // Hand-written first: the wide pale line underneath; autodiff dashed on top.
  const ordered = [...results].sort((a, b) =>
    Number(a.config.implementation !== "scratch") - Number(b.config.implementation !== "scratch")
  );
  return ordered.flatMap((r) => {
    // Colour: the model; dash: the implementation (the twins coincide, so both must stay visible).
    const series = modelLabel(r), variant = IMPLEMENTATION_LABELS[r.config.implementation];
    return r.history.flatMap((h, i) => {
      const epoch = h.epoch ?? i + 1;
      return [
        { epoch, value: h.trainLoss, series, variant, metric: "train loss (nats)" },
        ...(h.validationLoss !== undefined
          ? [{ epoch, value: h.validationLoss, series, variant, metric: "validation loss (nats)" }]
          : []),
        ...(h.validationAccuracy !== undefined
          ? [{ epoch, value: h.validationAccuracy, series, variant, metric: "validation accuracy" }]
          : []),
      ];
    });
  });
}

/** Solid: the hand-written layers; dashed on top: autodiff. */
const IMPLEMENTATION_LABELS: Record<string, string> = {
  scratch: "hand-written backward passes",
  autodiff: "tfjs autodiff",
};

/**
 * The seed's notebook trained its small net on 10,000 images (80/20 split) for 5 epochs, AdaGrad
 * lr 0.01, batch 50; its 86.6 % is comparable with runs of that setup only.
 */
export function isSeedSetup(c: CnnScratchConfig): boolean {
  return !c.quick && c.model === "small" && c.trainSize === 10000 && c.validationSplit === 0.2 &&
    c.epochs === 5 && c.batchSize === 50 && c.lr === 0.01;
}

export function accuracyRows(results: CnnScratchResult[]): BarRow[] {
  const rows: BarRow[] = results.map((r) => ({
    label: modelLabel(r),
    group: IMPLEMENTATION_LABELS[r.config.implementation] ?? r.config.implementation,
    value: r.final.testAccuracy,
  }));
  if (results.some((r) => isSeedSetup(r.config))) {
    rows.push({ label: MODEL_LABELS.small, group: "seed notebook (reported)", value: SEED_SMALL_NET_TEST_ACCURACY });
  }
  return rows;
}

/**
 * Largest |scratch − autodiff| over every model's per-epoch losses and accuracies, or null without
 * a pair: the twins start equal and see the same batches, so their curves should coincide.
 */
export function largestTwinGap(results: CnnScratchResult[]): number | null {
  let gap: number | null = null;
  for (const scratch of results.filter((r) => r.config.implementation === "scratch")) {
    const twin = results.find((r) => r.config.implementation === "autodiff" && r.config.model === scratch.config.model);
    if (!twin) continue;
    scratch.history.forEach((row, i) => {
      const other = twin.history[i];
      if (!other) return;
      for (const key of ["trainLoss", "validationLoss", "validationAccuracy"] as const) {
        const a = row[key], b = other[key];
        if (a !== undefined && b !== undefined) gap = Math.max(gap ?? 0, Math.abs(a - b));
      }
    });
  }
  return gap;
}

function subtitle(results: CnnScratchResult[]): string {
  const c = results[0].config;
  return `MNIST ${c.data.train} train / ${c.data.validation} validation / ${c.data.test} test images, ` +
    `AdaGrad lr ${c.lr}, batch ${c.batchSize}, seed ${c.seed}` + (c.quick ? " (--quick)" : "");
}

function curvesTitle(results: CnnScratchResult[]): string {
  const gap = largestTwinGap(results);
  const title = "Hand-written backward passes vs tfjs autodiff";
  return gap === null ? title : `${title} (largest gap between twins ${gap.toExponential(1)})`;
}

export async function writeFigures(outDir: string): Promise<string[]> {
  const results = await loadResults(outDir);
  if (results.length === 0) return [];
  const written: string[] = await writeRunTables(outDir, results);
  const write = async (name: string, svg: string) => {
    const path = join(outDir, name);
    await Deno.writeTextFile(path, svg);
    written.push(path);
  };
  await write(
    "learning_curves.svg",
    learningCurves(curveRows(results), {
      title: curvesTitle(results),
      subtitle: subtitle(results),
      percentMetrics: ["validation accuracy"],
      columns: 3,
      width: 960,
    }),
  );
  await write(
    "test_accuracy.svg",
    barChart(accuracyRows(results), {
      title: "Test accuracy after training",
      subtitle: subtitle(results) + (results.some((r) => isSeedSetup(r.config)) ? "" : (
        `; the seed's reported ${(100 * SEED_SMALL_NET_TEST_ACCURACY).toFixed(1)}% ` +
        "(10,000 images, 5 epochs) is shown beside runs of that setup only"
      )),
      xLabel: "test accuracy",
      percent: true,
      xDomain: [0, 1],
    }),
  );
  return written;
}
