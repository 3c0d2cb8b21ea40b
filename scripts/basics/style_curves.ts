/**
 * Learning curves with the two styles overlaid so that both stay visible when they coincide (as
 * they must with the shared initialisation): the high-level style as a wide pale line, the
 * low-level style as a thin dashed line on top; colour tells train from validation. One panel per
 * metric (loss, accuracy), each with its own y axis.
 */
import * as Plot from "@observablehq/plot";
import { plotPanelsToSvg } from "../../lib/report/svg_plot.ts";
import type { StyleName } from "./models.ts";
import type { InitScheme } from "./initial_values.ts";
import { integerTicks, percentTickFormat } from "../../lib/report/ticks.ts";

export interface StyleCurvePoint {
  epoch: number;
  value: number;
  metric: "loss" | "accuracy";
  split: "train" | "validation";
  style: StyleName;
}

const SPLIT_COLORS = { domain: ["train", "validation"], range: ["#4269d0", "#ff725c"] };
/** Figure width; two panels share it. */
const FIGURE_WIDTH = 720;
const PANEL_GAP = 16;
const PANEL_HEIGHT = 340;

/** Line look per style: wide and pale underneath (high) vs thin and dashed on top (low). */
const STYLE_LOOK: Record<StyleName, Plot.LineYOptions> = {
  high: { strokeWidth: 6, strokeOpacity: 0.35 },
  low: { strokeWidth: 1.5, strokeDasharray: "5,3" },
};

/** The line-style legend, as a subtitle. */
export function styleKey(lowInit: InitScheme): string {
  const init = lowInit === "seed" ? ", seed's TF initialisers" : "";
  return `wide pale line: high-level (Keras-style) · thin dashed line: low-level (variables + tape${init})`;
}

/**
 * `lossLabel` names the loss and its unit, e.g. "loss (cross-entropy, nats)"; a log axis adds
 * "(log scale)" to it.
 */
export function styleCurvesSvg(
  points: StyleCurvePoint[],
  header: { title: string; subtitle: string; lossLabel?: string },
): string {
  const metrics = (["loss", "accuracy"] as const).filter((m) => points.some((p) => p.metric === m));
  const epochs = [...new Set(points.map((p) => p.epoch))].sort((a, b) => a - b);
  const panels = metrics.map((metric, i): Plot.PlotOptions => {
    const data = points.filter((p) => p.metric === metric);
    return {
      width: metrics.length === 1 ? FIGURE_WIDTH : (FIGURE_WIDTH - PANEL_GAP) / 2,
      height: PANEL_HEIGHT,
      marginLeft: 50,
      x: { label: "epoch", ticks: integerTicks(epochs), tickFormat: "d" },
      y: { grid: true, ...valueScale(metric, data.map((p) => p.value), header.lossLabel ?? "loss") },
      color: { ...SPLIT_COLORS, type: "categorical", legend: i === 0 },
      marks: (["high", "low"] as const).map((style) =>
        Plot.lineY(data.filter((p) => p.style === style).sort((a, b) => a.epoch - b.epoch), {
          x: "epoch",
          y: "value",
          stroke: "split",
          ...STYLE_LOOK[style],
        })
      ),
    };
  });
  return plotPanelsToSvg(panels, { title: header.title, subtitle: header.subtitle, columns: 2, gap: PANEL_GAP });
}

/** Accuracy as percentages; a loss spanning two or more decades on a log axis (linear regression's does). */
function valueScale(metric: StyleCurvePoint["metric"], values: number[], lossLabel: string): Plot.ScaleOptions {
  if (metric === "accuracy") return { label: "accuracy", tickFormat: percentTickFormat, nice: true };
  const lo = Math.min(...values), hi = Math.max(...values);
  return lo > 0 && hi / lo >= 100
    ? { label: `${lossLabel} (log scale)`, type: "log", tickFormat: "~g" }
    : { label: lossLabel, nice: true };
}
