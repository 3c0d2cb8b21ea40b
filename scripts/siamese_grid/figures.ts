/** The siamese-grid figures, regenerated from the run JSON files by `deno task report`. */
import { heatmap, learningCurves, lineChart, pointsWithErrorBars } from "../../lib/report/figures.ts";
import { readJsonIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import { mean, std } from "./grid.ts";
import { type ConfigSummary, loadResults, type RunIndex, type SiameseResult, summarize } from "./summary.ts";
import { configKey, variantLabel } from "./config.ts";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Final test accuracy over channels × hidden units, one panel per (k, α). */
export function gridHeatmap(summary: ConfigSummary[]): string {
  const rows = summary.filter((s) => s.config.model === "siamese").map((s) => ({
    x: s.config.channels,
    y: s.config.hidden,
    value: s.testAccuracy.mean,
    fx: `α=${s.config.alpha}`,
    fy: `k=${s.config.k}`,
  }));
  return heatmap(rows, {
    title: "Final test accuracy (mean over rounds)",
    subtitle: `siamese CNN, architecture 5, ${summary[0]?.rounds ?? 0} rounds per cell`,
    xLabel: "channels c",
    yLabel: "hidden units n",
    colorLabel: "test accuracy",
    percent: true,
  });
}

/** Train/test loss and test accuracy per epoch, mean ± std over rounds, for the best configurations. */
export function bestCurves(results: SiameseResult[], summary: ConfigSummary[], top = 3): string {
  const best = [...summary].sort((a, b) => b.testAccuracy.mean - a.testAccuracy.mean).slice(0, top);
  const rows = best.flatMap((s) => {
    const runs = results.filter((r) => configKey(r.config) === s.key);
    const epochs = Math.min(...runs.map((r) => r.history.length));
    const series = `${s.key} (${pct(s.testAccuracy.mean)})`;
    const metrics: [string, (h: SiameseResult["history"][number]) => number, string][] = [
      ["test accuracy", (h) => h.testAccuracy ?? NaN, ""],
      ["train loss", (h) => h.trainLoss, ""],
      ["test loss", (h) => h.testLoss ?? NaN, ""],
    ];
    return metrics.flatMap(([metric, pick]) =>
      Array.from({ length: epochs }, (_, e) => {
        const values = runs.map((r) => pick(r.history[e]));
        const m = mean(values), sd = std(values);
        return { epoch: e + 1, value: m, lo: m - sd, hi: m + sd, series, metric };
      })
    );
  });
  const which = best.length === 1
    ? `${best[0].key} (${pct(best[0].testAccuracy.mean)})`
    : `the ${best.length} best configurations`;
  return learningCurves(rows, {
    title: `Learning curves of ${which}`,
    subtitle: `mean ± std over ${best[0]?.rounds ?? 0} rounds`,
    percentMetrics: ["test accuracy"],
    columns: 3,
  });
}

export function studyChart(summary: ConfigSummary[]): string {
  const rows = summary.map((s) => ({
    label: variantLabel({ ...s.config, round: 0 }),
    mean: s.testAccuracy.mean,
    std: s.testAccuracy.std,
  }));
  return pointsWithErrorBars(rows, {
    title: "Weight sharing × auxiliary loss",
    subtitle: `final test accuracy, mean ± std over ${summary[0]?.rounds ?? 0} rounds`,
    xLabel: "test accuracy",
    percent: true,
  });
}

/** Mean final test accuracy against α, one line per kernel size, averaged over channels and hidden units. */
export function alphaEffect(summary: ConfigSummary[]): string {
  const byKAlpha = new Map<string, { k: number; alpha: number; accs: number[] }>();
  for (const s of summary.filter((s) => s.config.model === "siamese" && s.config.aux)) {
    const key = `${s.config.k}/${s.config.alpha}`;
    const entry = byKAlpha.get(key) ?? { k: s.config.k, alpha: s.config.alpha, accs: [] };
    entry.accs.push(...s.testAccuracy.values);
    byKAlpha.set(key, entry);
  }
  const rows = [...byKAlpha.values()].map(({ k, alpha, accs }) => {
    const m = mean(accs), sd = std(accs);
    return { x: alpha, y: m, lo: m - sd, hi: m + sd, series: `k=${k}` };
  });
  return lineChart(rows, {
    title: "Effect of the auxiliary-loss weight α",
    subtitle: "α weighs the comparison BCE, (1−α)/2 each digit CE; mean ± std over channels, hidden units, rounds",
    xLabel: "α",
    yLabel: "final test accuracy",
    percent: true,
    errors: "bars",
  });
}

/** Rewrites summary JSON and SVGs for whichever of grid/study indexes exist in `outDir`. */
export async function writeFigures(outDir: string): Promise<string[]> {
  const written: string[] = [];
  for (const kind of ["grid", "study"] as const) {
    const index = await readJsonIfExists<RunIndex>(`${outDir}/${kind}-index.json`);
    if (!index) continue;
    const results = await loadResults(outDir, index.runIds);
    if (results.length === 0) continue;
    const summary = summarize(results);
    const save = async (name: string, content: string) => {
      await writeFileAtomic(`${outDir}/${name}`, content);
      written.push(`${outDir}/${name}`);
    };
    await save(
      `${kind}-summary.json`,
      JSON.stringify(
        {
          description: index.description,
          expectedRuns: index.runIds.length,
          completedRuns: results.length,
          configs: summary,
        },
        null,
        2,
      ) + "\n",
    );
    if (kind === "grid") {
      if (summary.some((s) => s.config.model === "siamese")) {
        await save("grid-accuracy-heatmap.svg", gridHeatmap(summary));
      }
      if (new Set(summary.map((s) => s.config.alpha)).size > 1) {
        await save("grid-alpha-effect.svg", alphaEffect(summary));
      }
      await save("grid-best-curves.svg", bestCurves(results, summary));
    } else {
      await save("study-2x2.svg", studyChart(summary));
      await save("study-curves.svg", bestCurves(results, summary, summary.length));
    }
  }
  return written;
}
