/**
 * Figures of `cnn-scratch`, rebuilt from the results JSON alone:
 *   learning_curves.svg  train loss, validation loss and validation accuracy per epoch, every run;
 *   test_accuracy.svg    final test accuracy per model and implementation, with the seed's number.
 */
import { join } from "node:path";
import { barChart, type BarRow, type CurveRow, learningCurves } from "../../lib/report/figures.ts";
import { type CnnScratchResult, loadResults, SEED_SMALL_NET_TEST_ACCURACY } from "./results.ts";

const MODEL_LABELS: Record<string, string> = { small: "small net", lenet5: "LeNet-5" };

function modelLabel(r: CnnScratchResult): string {
  return MODEL_LABELS[r.config.model] ?? r.config.model;
}

export function curveRows(results: CnnScratchResult[]): CurveRow[] {
  return results.flatMap((r) => {
    const series = `${modelLabel(r)} · ${r.config.implementation}`;
    return r.history.flatMap((h, i) => {
      const epoch = h.epoch ?? i + 1;
      return [
        { epoch, value: h.trainLoss, series, metric: "train loss" },
        ...(h.validationLoss !== undefined
          ? [{ epoch, value: h.validationLoss, series, metric: "validation loss" }]
          : []),
        ...(h.validationAccuracy !== undefined
          ? [{ epoch, value: h.validationAccuracy, series, metric: "validation accuracy" }]
          : []),
      ];
    });
  });
}

export function accuracyRows(results: CnnScratchResult[]): BarRow[] {
  const rows: BarRow[] = results.map((r) => ({
    label: modelLabel(r),
    group: r.config.implementation,
    value: r.final.testAccuracy,
  }));
  if (results.some((r) => r.config.model === "small")) {
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
  const written: string[] = [];
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
      subtitle: subtitle(results),
      xLabel: "test accuracy",
      percent: true,
      xDomain: [0, 1],
    }),
  );
  return written;
}
