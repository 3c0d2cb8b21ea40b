/** The siamese-grid figures, regenerated from the run JSON files by `deno task report`. */
import { heatmap, learningCurves, lineChart, pointsWithErrorBars } from "../../lib/report/figures.ts";
import { readJsonIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import { mean, std } from "./grid.ts";
import { type ConfigSummary, loadResults, type RunIndex, type SiameseResult, summarize } from "./summary.ts";
import { type Configuration, variantLabel } from "./config.ts";
import { writeRunTables, writeSummaryTable } from "../../lib/report/tables.ts";

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** Schema of grid-summary.json and study-summary.json. */
export const SUMMARY_SCHEMA = "tsdl-siamese-summary/1";

/** A configuration in words, for legends and tables: "k 3, 16 channels, 128 hidden, sharing + aux α 0.5". */
export function configLabel(c: Configuration): string {
  if (c.model === "mlp") return `MLP baseline, ${c.hidden} hidden`;
  const loss = c.aux ? `aux α ${c.alpha}` : "no aux";
  return `k ${c.k}, ${c.channels} channels, ${c.hidden} hidden, ${c.weightSharing ? "sharing" : "no sharing"}, ${loss}`;
}

/** A summary row in words, with the settings that tell apart configurations of one key: "… [epochs=2]". */
export function summaryLabel(s: ConfigSummary): string {
  const apart = /\[[^\]]*\]$/.exec(s.key)?.[0];
  return apart ? `${configLabel(s.config)} ${apart}` : configLabel(s.config);
}

/** "mean ± std over 5 rounds", or "1 round" with no spread to speak of. */
function roundsText(rounds: number): string {
  return rounds === 1 ? "1 round" : `mean ± std over ${rounds} rounds`;
}

/** Final test accuracy over channels × hidden units, one panel per (k, α). */
export function gridHeatmap(summary: ConfigSummary[]): string {
  const rows = summary.flatMap(({ config: c, testAccuracy }) =>
    c.model === "siamese"
      ? [{
        x: c.channels,
        y: c.hidden,
        value: testAccuracy.mean,
        fx: c.aux ? `α=${c.alpha}` : "no aux",
        fy: `k=${c.k}`,
      }]
      : []
  );
  return heatmap(rows, {
    title: `Final test accuracy${(summary[0]?.rounds ?? 1) > 1 ? " (mean over rounds)" : ""}`,
    subtitle: `siamese CNN, architecture 5, ${summary[0]?.rounds ?? 0} round${
      summary[0]?.rounds === 1 ? "" : "s"
    } per cell`,
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
    const runs = results.filter((r) => s.runIds.includes(r.run));
    const epochs = Math.min(...runs.map((r) => r.history.length));
    const series = `${summaryLabel(s)} (${pct(s.testAccuracy.mean)})`;
    const metrics: [string, (h: SiameseResult["history"][number]) => number][] = [
      ["test accuracy", (h) => h.testAccuracy ?? NaN],
      ["train loss (nats)", (h) => h.trainLoss],
      ["test loss (nats)", (h) => h.testLoss ?? NaN],
    ];
    return metrics.flatMap(([metric, pick]) =>
      Array.from({ length: epochs }, (_, e) => {
        const values = runs.map((r) => pick(r.history[e]));
        const m = mean(values), sd = std(values);
        // One round has no spread: no band.
        return runs.length > 1
          ? { epoch: e + 1, value: m, lo: m - sd, hi: m + sd, series, metric }
          : { epoch: e + 1, value: m, series, metric };
      })
    );
  });
  const which = best.length === 1
    ? `${summaryLabel(best[0])} (${pct(best[0].testAccuracy.mean)})`
    : best.length === summary.length
    ? `all ${best.length} configurations`
    : `the ${best.length} best of ${summary.length} configurations`;
  return learningCurves(rows, {
    title: `Learning curves of ${which}`,
    subtitle: `${
      roundsText(best[0]?.rounds ?? 0)
    }; loss in nats: α·BCE + (1−α)/2·(CE₁ + CE₂) with aux, BCE alone without`,
    percentMetrics: ["test accuracy"],
    columns: 3,
  });
}

export function studyChart(summary: ConfigSummary[]): string {
  const rows = summary.map((s) => ({
    label: variantLabel(s.config),
    mean: s.testAccuracy.mean,
    std: s.testAccuracy.std,
    n: s.rounds,
  }));
  return pointsWithErrorBars(rows, {
    title: "Weight sharing × auxiliary loss",
    subtitle: `final test accuracy, ${roundsText(summary[0]?.rounds ?? 0)}`,
    xLabel: "test accuracy",
    percent: true,
  });
}

/** Mean final test accuracy against α, one line per kernel size, averaged over channels and hidden units. */
export function alphaEffect(summary: ConfigSummary[]): string {
  const byKAlpha = new Map<string, { k: number; alpha: number; accs: number[] }>();
  for (const { config: c, testAccuracy } of summary) {
    if (c.model !== "siamese" || c.alpha === null) continue;
    const key = `${c.k}/${c.alpha}`;
    const entry = byKAlpha.get(key) ?? { k: c.k, alpha: c.alpha, accs: [] };
    entry.accs.push(...testAccuracy.values);
    byKAlpha.set(key, entry);
  }
  const rows = [...byKAlpha.values()].map(({ k, alpha, accs }) => {
    const m = mean(accs), sd = std(accs);
    return accs.length > 1
      ? { x: alpha, y: m, lo: m - sd, hi: m + sd, series: `kernel ${k}×${k}` }
      : { x: alpha, y: m, series: `kernel ${k}×${k}` };
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
          schema: SUMMARY_SCHEMA,
          description: index.description,
          expectedRuns: index.runIds.length,
          completedRuns: results.length,
          configs: summary,
        },
        null,
        2,
      ) + "\n",
    );
    written.push(...await writeRunTables(outDir, results, `${kind}-`));
    written.push(
      await writeSummaryTable(
        outDir,
        summary.map((s) => ({
          configuration: summaryLabel(s),
          key: s.key,
          n: s.rounds,
          mean: s.testAccuracy.mean,
          std: s.rounds > 1 ? s.testAccuracy.std : null,
          trainAccuracy: s.trainAccuracy,
          testLoss: s.testLoss,
          secondsPerRun: s.secondsPerRun,
        })),
        `${kind}-`,
      ),
    );
    if (kind === "grid") {
      if (summary.some((s) => s.config.model === "siamese")) {
        await save("grid-accuracy-heatmap.svg", gridHeatmap(summary));
      }
      if (new Set(summary.map((s) => s.config.alpha).filter((a) => a !== null)).size > 1) {
        await save("grid-alpha-effect.svg", alphaEffect(summary));
      } else await Deno.remove(`${outDir}/grid-alpha-effect.svg`).catch(() => {}); // out of date now
      await save("grid-best-curves.svg", bestCurves(results, summary));
    } else {
      await save("study-2x2.svg", studyChart(summary));
      await save("study-curves.svg", bestCurves(results, summary, summary.length));
    }
  }
  return written;
}
