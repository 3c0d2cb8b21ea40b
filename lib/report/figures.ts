/**
 * The project's figure kinds: each function takes plain data rows and options and
 * returns a standalone SVG document (see `svg_plot.ts` for the rendering).
 *
 * Conventions every kind keeps: whole-number x values (epochs, steps) get whole-number ticks;
 * percent axes get as many decimals as their tick spacing needs; printed values keep one decimal;
 * a log axis says so in its label; a value measured once (n = 1) is drawn without "±" or bars.
 *
 * Axis options name the physical axis: in the horizontal charts
 * (`pointsWithErrorBars`, `barChart`) the values run along x, so `xLabel` and
 * `xDomain` describe them and the labels sit on the y axis, where long ones fit.
 *
 * @example
 * const svg = lineChart(rows, { title: "Accuracy vs ε", xLabel: "ε", percent: true });
 * Deno.writeTextFileSync("results/eps.svg", svg);
 */
import * as Plot from "@observablehq/plot";
import { type LineKey, plotPanelsToSvg, plotToSvg, textWidth } from "./svg_plot.ts";
import { integerTicks, percentLabel, percentTickFormat } from "./ticks.ts";

/** Options every figure understands. */
export interface FigureOptions {
  title?: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  /** Figure width in px (default 720). */
  width?: number;
  /** Height of the plot area's panel in px (default 420, or sized to the data). */
  height?: number;
  xDomain?: [number, number];
  yDomain?: [number, number];
  /** Values are fractions in [0, 1]: show them as percentages. */
  percent?: boolean;
}

const DEFAULT_WIDTH = 720;
const DEFAULT_HEIGHT = 420;
const PANEL_GAP = 16;
/** Categorical colours; series keep their colour in every panel of a figure. */
const SERIES_SCHEME: Plot.ColorScheme = "observable10";
/** For more than 10 series: sampled evenly, so no two series share a colour. */
const MANY_SERIES_SCHEME: Plot.ColorScheme = "turbo";
const HEATMAP_SCHEME: Plot.ColorScheme = "viridis";
const BAND_OPACITY = 0.18;

// ---------------------------------------------------------------- learning curves

export interface CurveRow {
  epoch: number;
  value: number;
  series: string;
  /** Rows with different metrics go to separate panels, each with its own y axis. */
  metric?: string;
  /** Band around the curve, e.g. mean ± std over rounds. */
  lo?: number;
  hi?: number;
  /**
   * A second grouping drawn as the line's dash: the first variant solid, the others dashed on
   * top, so series that coincide (twins trained from the same weights) both stay visible.
   */
  variant?: string;
}

export interface LearningCurveOptions extends FigureOptions {
  /** Metrics shown as percentages (e.g. ["accuracy"]); `percent` applies to all. */
  percentMetrics?: string[];
  /** y domain per metric; `yDomain` applies to metrics not listed. */
  yDomainByMetric?: Record<string, [number, number]>;
  /** Panels per row (default: up to 2). */
  columns?: number;
}

/** Lines per series over epochs, optional lo/hi band, one panel per metric. */
export function learningCurves(rows: CurveRow[], opts: LearningCurveOptions = {}): string {
  const metrics = distinct(rows.map((row) => row.metric ?? ""));
  const columns = opts.columns ?? Math.min(metrics.length, 2);
  const width = opts.width ?? DEFAULT_WIDTH;
  const panelWidth = Math.floor((width - PANEL_GAP * (columns - 1)) / columns);
  const color = seriesColor(rows.map((row) => row.series));
  const variants = distinct(rows.map((row) => row.variant ?? ""));
  const panels = metrics.map((metric, i): Plot.PlotOptions => {
    const data = rows.filter((row) => (row.metric ?? "") === metric)
      .sort((a, b) => a.epoch - b.epoch);
    const percent = opts.percent || (opts.percentMetrics ?? []).includes(metric);
    const yDomain = opts.yDomainByMetric?.[metric] ?? opts.yDomain;
    return {
      width: panelWidth,
      height: opts.height ?? (metrics.length > columns ? 300 : DEFAULT_HEIGHT),
      x: { label: opts.xLabel ?? "epoch", domain: opts.xDomain, ...wholeNumberAxis(data.map((row) => row.epoch)) },
      y: valueAxis(metric || opts.yLabel, yDomain, percent),
      color: { ...color, legend: i === 0 && color.domain.length > 1 },
      marks: [
        ...bandMarks(data, { x: "epoch", y1: "lo", y2: "hi", fill: "series", clip: !!yDomain }),
        ...variants.map((variant, v) =>
          Plot.lineY(data.filter((row) => (row.variant ?? "") === variant), {
            x: "epoch",
            y: "value",
            stroke: "series",
            clip: !!yDomain,
            ...(variants.length > 1 ? lineLook(v) : {}),
          })
        ),
      ],
    };
  });
  const lineKey: LineKey[] | undefined = variants.length > 1
    ? variants.map((label, v) => ({ label, ...lineLook(v) }))
    : undefined;
  return plotPanelsToSvg(panels, { title: opts.title, subtitle: opts.subtitle, columns, lineKey });
}

/** The first variant wide and pale underneath, the others thin and dashed on top: coinciding lines both show. */
function lineLook(variant: number): { strokeWidth: number; strokeOpacity?: number; strokeDasharray?: string } {
  return variant === 0 ? { strokeWidth: 5, strokeOpacity: 0.4 } : { strokeWidth: 1.5, strokeDasharray: "5,3" };
}

/** The loss and accuracy keys of a training history (lib/train's HistoryRow; accuracies may be absent). */
export interface HistoryCurveRow {
  epoch?: number;
  step?: number;
  trainLoss: number;
  trainAccuracy?: number;
  validationLoss?: number;
  validationAccuracy?: number;
  testLoss?: number;
  testAccuracy?: number;
}

/** A history's losses and accuracies as `learningCurves` rows: series train/validation/test, metric loss/accuracy. */
export function historyCurves(history: readonly HistoryCurveRow[]): CurveRow[] {
  const keys = [
    ["train", "trainLoss", "trainAccuracy"],
    ["validation", "validationLoss", "validationAccuracy"],
    ["test", "testLoss", "testAccuracy"],
  ] as const;
  return history.flatMap((row, i) => {
    const epoch = row.epoch ?? row.step ?? i + 1;
    return keys.flatMap(([series, loss, accuracy]) =>
      [{ metric: "loss", value: row[loss] }, { metric: "accuracy", value: row[accuracy] }]
        .filter((c): c is { metric: string; value: number } => c.value !== undefined)
        .map((c) => ({ epoch, series, ...c }))
    );
  });
}

// ---------------------------------------------------------------- heatmap

export interface HeatmapRow {
  x: string | number;
  y: string | number;
  value: number;
  fx?: string | number;
  fy?: string | number;
}

export interface HeatmapOptions extends FigureOptions {
  /** Title of the colour legend. */
  colorLabel?: string;
  fxLabel?: string;
  fyLabel?: string;
  /** Colour domain (default: the data's extent). */
  colorDomain?: [number, number];
  /** Cell height in px, used when `height` is not given (default 26). */
  cellHeight?: number;
}

/** Cells coloured by value with the number printed inside, faceted by fx/fy. */
export function heatmap(rows: HeatmapRow[], opts: HeatmapOptions = {}): string {
  const ys = ordinalDomain(rows.map((row) => row.y));
  const facetRows = ordinalDomain(rows.map((row) => row.fy));
  const hasFy = facetRows.some((fy) => fy !== undefined);
  const color = {
    type: "linear" as const,
    scheme: HEATMAP_SCHEME,
    domain: opts.colorDomain ?? extent(rows.map((row) => row.value)),
    label: opts.colorLabel,
    tickFormat: opts.percent ? percentTickFormat : undefined,
    legend: true,
  };
  const colorOf = Plot.scale({ color }).apply;
  const format = opts.percent ? (v: number) => percentLabel(v) : compactNumber;
  const cellHeight = opts.cellHeight ?? 26;
  const yLabels = ys.map(String);
  const facetLabels = facetRows.map(String);
  const marginLeft = 30 + Math.max(...yLabels.map((label) => textWidth(label)));
  const marginRight = hasFy ? 30 + Math.max(...facetLabels.map((label) => textWidth(label))) : 10;
  // Wide enough that every cell holds its printed value (a full grid has many narrow facets).
  const columns = ordinalDomain(rows.map((row) => row.x)).length;
  const facetColumns = ordinalDomain(rows.map((row) => row.fx)).length;
  const cellWidth = 8 + Math.max(...rows.map((row) => textWidth(format(row.value))));
  const width = opts.width ??
    Math.max(DEFAULT_WIDTH, marginLeft + marginRight + facetColumns * (columns * cellWidth + 12));
  // Facet channels only when the rows have them: an all-undefined channel would still facet.
  const position = {
    x: "x",
    y: "y",
    ...(rows.some((row) => row.fx !== undefined) ? { fx: "fx" } : {}),
    ...(hasFy ? { fy: "fy" } : {}),
  };
  return plotToSvg({
    title: opts.title,
    subtitle: opts.subtitle,
    width,
    height: opts.height ?? 60 + facetRows.length * (ys.length * cellHeight + 10),
    marginLeft,
    marginRight,
    x: { label: opts.xLabel ?? null, domain: ordinalDomain(rows.map((row) => row.x)) },
    y: { label: opts.yLabel ?? null, domain: ys },
    fx: { label: opts.fxLabel ?? null, domain: ordinalDomain(rows.map((row) => row.fx)) },
    fy: { label: opts.fyLabel ?? null, domain: facetRows },
    color,
    marks: [
      Plot.cell(rows, { ...position, fill: "value", inset: 0.5 }),
      Plot.text(rows, {
        ...position,
        text: (row: HeatmapRow) => format(row.value),
        fill: (row: HeatmapRow) => contrastingText(String(colorOf(row.value))),
      }),
    ],
  });
}

// ---------------------------------------------------------------- confusion matrix

export interface ConfusionMatrixOptions extends HeatmapOptions {
  /** Class names, in class order (default 0, 1, …). */
  classes?: readonly string[];
}

/** A confusion matrix C[true][predicted] (lib/metrics): true classes down, predicted across, counts in the cells. */
export function confusionMatrixFigure(matrix: number[][], opts: ConfusionMatrixOptions = {}): string {
  const names = matrix.map((_, c) => opts.classes?.[c] ?? String(c));
  const rows = matrix.flatMap((row, t) => row.map((value, p) => ({ x: names[p], y: names[t], value })));
  const size = { width: 120 + 48 * matrix.length, cellHeight: 40 }; // near-square cells
  const labels = { title: "Confusion matrix", xLabel: "predicted", yLabel: "true class", colorLabel: "samples" };
  return heatmap(rows, { ...labels, ...size, ...opts });
}

// ---------------------------------------------------------------- points with error bars

export interface ErrorBarRow {
  label: string;
  mean: number;
  std: number;
  /** Values behind the mean; with n = 1 the row is a single point, drawn without "±" or bars. */
  n?: number;
  group?: string;
}

/** Mean ± std per label, horizontal, labels on the y axis in input order. */
export function pointsWithErrorBars(rows: ErrorBarRow[], opts: FigureOptions = {}): string {
  const labels = distinct(rows.map((row) => row.label));
  const groups = rows.map((row) => row.group ?? "");
  const color = seriesColor(groups);
  const stroke = groups.some(Boolean) ? "group" : SERIES_COLOR;
  const format = opts.percent ? (v: number) => percentLabel(v) : compactNumber;
  const [min, max] = opts.xDomain ?? (opts.percent ? [0, 1] : [-Infinity, Infinity]);
  // Accuracies cannot leave [0, 1]: mean ± std is clipped to the frame rather than drawn past it.
  const bars = rows.map((row) => ({
    ...row,
    lo: Math.max(min, row.mean - row.std),
    hi: Math.min(max, row.mean + row.std),
  }));
  const spread = bars.filter((row) => row.n !== 1);
  const text = (row: ErrorBarRow) => row.n === 1 ? format(row.mean) : `${format(row.mean)} ± ${format(row.std)}`;
  return plotToSvg({
    title: opts.title,
    subtitle: opts.subtitle,
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 70 + labels.length * 26,
    marginLeft: 20 + Math.max(...labels.map((label) => textWidth(label))),
    marginRight: 20 + Math.max(...rows.map((row) => textWidth(text(row)))),
    x: { ...valueAxis(opts.xLabel, opts.xDomain, opts.percent), grid: true },
    y: { label: opts.yLabel ?? null, domain: labels },
    color: { ...color, legend: stroke === "group" },
    marks: [
      Plot.ruleY(spread, { y: "label", x1: "lo", x2: "hi", stroke, strokeWidth: 1.5 }),
      Plot.tickX(spread, { y: "label", x: "lo", stroke, inset: 7 }),
      Plot.tickX(spread, { y: "label", x: "hi", stroke, inset: 7 }),
      Plot.dot(bars, { y: "label", x: "mean", fill: stroke, r: 4 }),
      Plot.text(bars, { y: "label", x: "hi", text, textAnchor: "start", dx: 6 }),
    ],
  });
}

// ---------------------------------------------------------------- line chart

export interface LineRow {
  x: number;
  y: number;
  series: string;
  lo?: number;
  hi?: number;
}

export interface LineChartOptions extends FigureOptions {
  /** How lo/hi are drawn (default "band"). */
  errors?: "band" | "bars";
  /** x scale type (default linear); "log" needs x > 0. */
  xType?: "linear" | "log" | "symlog" | "point";
}

/** Lines with dots per series, with an optional lo/hi band or error bars. */
export function lineChart(rows: LineRow[], opts: LineChartOptions = {}): string {
  const data = [...rows].sort((a, b) => a.x - b.x);
  const color = seriesColor(rows.map((row) => row.series));
  // A fixed domain may cut bands and lines; clipping keeps them inside the frame.
  const clip = !!(opts.xDomain || opts.yDomain);
  const xType = opts.xType ?? "linear";
  const [yMin, yMax] = opts.yDomain ?? (opts.percent ? [0, 1] : [-Infinity, Infinity]);
  // Accuracies cannot leave [0, 1]: mean ± std is clipped to the frame rather than drawn past it.
  const inFrame = (row: LineRow) => ({ ...row, lo: Math.max(yMin, row.lo!), hi: Math.min(yMax, row.hi!) });
  const bounds = { x: "x", y1: "lo", y2: "hi", clip };
  const errors = opts.errors === "bars"
    ? [Plot.ruleX(data.filter(hasBounds).map(inFrame), { ...bounds, stroke: "series", strokeWidth: 1.5 })]
    : bandMarks(data.map((row) => hasBounds(row) ? inFrame(row) : row), { ...bounds, fill: "series" });
  return plotToSvg({
    title: opts.title,
    subtitle: opts.subtitle,
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? DEFAULT_HEIGHT,
    x: {
      label: logLabel(opts.xLabel, xType) ?? null,
      domain: opts.xDomain,
      type: xType,
      inset: 12, // keeps the end dots and last tick label off the frame edge
      ...(xType === "point" ? {} : { ticks: xTicks(data), tickFormat: compactNumber }),
    },
    y: valueAxis(opts.yLabel, opts.yDomain, opts.percent),
    color: { ...color, legend: color.domain.length > 1 },
    marks: [
      ...errors,
      Plot.lineY(data, { x: "x", y: "y", stroke: "series", clip }),
      Plot.dot(data, { x: "x", y: "y", fill: "series", r: 3, clip }),
    ],
  });
}

// ---------------------------------------------------------------- bar chart

export interface BarRow {
  label: string;
  value: number;
  /** Bars of one label are grouped, one per group, coloured by group. */
  group?: string;
}

export interface BarChartOptions extends FigureOptions {
  /**
   * Value axis type (default linear). "log" suits counts spanning decades (parameters per
   * layer), where small bars would vanish on a linear axis; bars then start at the decade below
   * the smallest value.
   */
  xType?: "linear" | "log";
}

/** Horizontal (grouped) bars with the value printed at each bar's end. */
export function barChart(rows: BarRow[], opts: BarChartOptions = {}): string {
  const labels = distinct(rows.map((row) => row.label));
  const groups = distinct(rows.map((row) => row.group ?? ""));
  const grouped = groups.length > 1;
  const format = opts.percent ? (v: number) => percentLabel(v) : compactNumber;
  const log = opts.xType === "log";
  const base = log ? 10 ** Math.floor(Math.log10(Math.min(...rows.map((row) => row.value)))) : 0;
  const position = grouped ? { fy: "label", y: "group" } : { y: "label" };
  const fill = grouped ? "group" : SERIES_COLOR;
  return plotToSvg({
    title: opts.title,
    subtitle: opts.subtitle,
    width: opts.width ?? DEFAULT_WIDTH,
    height: opts.height ?? 60 + labels.length * (groups.length * 18 + 10),
    marginLeft: 20 + Math.max(...labels.map((label) => textWidth(label))),
    marginRight: 60,
    x: {
      ...valueAxis(logLabel(opts.xLabel, opts.xType), opts.xDomain, opts.percent),
      grid: true,
      ...(log ? { type: "log" as const, tickFormat: compactNumber } : {}),
    },
    // Grouped: labels are the facet (fy) axis on the left; the colour legend names groups.
    y: grouped ? { axis: null, domain: groups } : { label: opts.yLabel ?? null, domain: labels },
    fy: { axis: "left", label: opts.yLabel ?? null, domain: labels },
    color: { ...seriesColor(groups), legend: grouped },
    marks: [
      Plot.barX(rows, { ...position, x1: base, x2: "value", fill }),
      Plot.text(rows, {
        ...position,
        x: "value",
        text: (row: BarRow) => format(row.value),
        textAnchor: "start",
        dx: 4,
      }),
      Plot.ruleX([base]),
    ],
  });
}

// ---------------------------------------------------------------- shared pieces

/** Colour of the single series when a chart has no groups. */
const SERIES_COLOR = "#4269d0";

function seriesColor(series: string[]) {
  const domain = distinct(series);
  const scheme = domain.length > 10 ? MANY_SERIES_SCHEME : SERIES_SCHEME;
  return { type: "categorical" as const, scheme, domain };
}

function valueAxis(label: string | undefined, domain?: [number, number], percent?: boolean) {
  return {
    label: label ?? null,
    domain,
    // Round ends keep error bars and bands inside the frame, off its edge.
    nice: domain === undefined,
    grid: true,
    tickFormat: percent ? percentTickFormat : undefined,
  };
}

/** Whole-number ticks ("d") for whole-number data such as epochs or steps; Plot's own otherwise. */
function wholeNumberAxis(values: number[]): { ticks?: number[]; tickFormat?: string } {
  const ticks = integerTicks(values);
  return ticks ? { ticks, tickFormat: "d" } : {};
}

/** A log axis says so in its label. */
function logLabel(label: string | undefined, type: string | undefined): string | undefined {
  if (type !== "log") return label;
  return label ? `${label} (log scale)` : "log scale";
}

/** An area band for rows that carry lo/hi; none when no row does. */
function bandMarks<T extends { lo?: number; hi?: number }>(
  rows: T[],
  channels: Plot.AreaYOptions,
): Plot.Markish[] {
  const bounded = rows.filter(hasBounds);
  if (bounded.length === 0) return [];
  return [Plot.areaY(bounded, { ...channels, fillOpacity: BAND_OPACITY, z: "series" })];
}

function hasBounds(row: { lo?: number; hi?: number }): boolean {
  return Number.isFinite(row.lo) && Number.isFinite(row.hi);
}

/** Ticks at the data's x values when there are few of them (e.g. ε or α sweeps). */
function xTicks(rows: LineRow[]): number[] | undefined {
  const xs = distinct(rows.map((row) => row.x));
  return xs.length <= 12 ? xs : undefined;
}

/** At most 3 significant digits, no trailing zeros: 0.0123, 1.23, 12.3, 1234. */
function compactNumber(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toString();
  return String(+value.toPrecision(3));
}

/** Black or white, whichever reads better on a cell of the given colour. */
function contrastingText(background: string): string {
  const rgb = parseColor(background);
  if (!rgb) return "black";
  const [r, g, b] = rgb.map((c) => c / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? "black" : "white";
}

/** "#rrggbb" or "rgb(r, g, b)", the two forms d3's colour schemes produce. */
function parseColor(color: string): number[] | undefined {
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (hex) return hex.slice(1).map((h) => parseInt(h, 16));
  const rgb = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(color);
  return rgb?.slice(1).map(Number);
}

/**
 * Category order for a band axis: numbers ascending (Plot would sort "16" before "4"
 * once they are strings), anything else in order of first appearance.
 */
function ordinalDomain<T>(values: T[]): T[] {
  const domain = distinct(values);
  return domain.every((value) => typeof value === "number") ? domain.sort((a, b) => Number(a) - Number(b)) : domain;
}

function distinct<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function extent(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}
