/**
 * Observable Plot → standalone SVG files, rendered headless on a linkedom document.
 *
 * Plot itself returns an HTML `<figure>` as soon as a title, subtitle or legend is
 * requested, and its continuous ("ramp") legend needs `<canvas>`, which linkedom lacks.
 * So Plot draws only the chart panels here; the title, subtitle and colour legend are
 * drawn as plain SVG around them, and several panels can share one figure (Plot facets
 * share their scales, so panels with independent y axes are separate Plot calls).
 *
 * Serialization is our own: linkedom has no `XMLSerializer`, and its `outerHTML`
 * leaves `&` and `<` unescaped inside attribute values, which is not valid XML.
 *
 * @example
 * const svg = plotToSvg({ title: "Loss", marks: [Plot.lineY([3, 2, 1])] });
 * Deno.writeTextFileSync("loss.svg", svg);
 */
import * as Plot from "@observablehq/plot";
import { parseHTML } from "linkedom";
import { niceTicks } from "./ticks.ts";

const SVG_NS = "http://www.w3.org/2000/svg";
const FONT_FAMILY = "system-ui, sans-serif";
/** Left/right inset of the title, subtitle and legend. */
const HEADER_PAD = 10;
const TITLE_SIZE = 16;
const SUBTITLE_SIZE = 12;
const LEGEND_SIZE = 11;
const RAMP_WIDTH = 260;
const RAMP_TICKS = 5;

/** Title and subtitle drawn above the chart. */
export interface FigureHeader {
  title?: string;
  subtitle?: string;
}

/** Plot options plus a header; `color.legend: true` draws the legend as SVG. */
export type SvgPlotOptions = Plot.PlotOptions & FigureHeader;

/** A legend entry for a line style (solid, dashed) rather than a colour. */
export interface LineKey {
  label: string;
  /** SVG stroke-dasharray; undefined for a solid line. */
  strokeDasharray?: string;
  strokeWidth?: number;
  strokeOpacity?: number;
}

/** How {@link plotPanelsToSvg} lays panels out: a grid, filled row by row. */
export interface PanelLayout extends FigureHeader {
  /** Line styles explained after the colour legend (e.g. "scratch" solid, "autodiff" dashed). */
  lineKey?: LineKey[];
  /** Panels per row (default: all in one row). */
  columns?: number;
  /** Space between panels, in px (default 16). */
  gap?: number;
}

/** Renders one Plot chart as a standalone SVG document (XML prolog included). */
export function plotToSvg(options: SvgPlotOptions): string {
  const { title, subtitle, ...panel } = options;
  return plotPanelsToSvg([panel], { title, subtitle });
}

/**
 * Renders several Plot charts into one standalone SVG, in a grid under a shared
 * header. The legend is taken from the first panel whose `color.legend` is true,
 * so panels meant to share it should share an explicit `color.domain`.
 */
export function plotPanelsToSvg(
  panels: Plot.PlotOptions[],
  layout: PanelLayout = {},
): string {
  const doc = svgDocument();
  const rendered = panels.map((options) => renderPanel(doc, options));
  const grid = gridPositions(rendered, layout.columns ?? rendered.length, layout.gap ?? 16);

  const root = svgElement(doc, "svg", { "font-family": FONT_FAMILY, "font-size": 10 });
  root.append(svgElement(doc, "rect", { width: "100%", height: "100%", fill: "white" }));
  let y = appendHeader(root, layout, 0, grid.width);
  const legend = rendered.find((panel) => panel.legend)?.legend;
  if (legend) y = appendLegend(root, legend, y, grid.width);
  if (layout.lineKey?.length) y = appendLineKey(root, layout.lineKey, y + 4, grid.width);
  if (y > 0) y += 8;

  rendered.forEach((panel, i) => {
    root.append(asGroup(doc, panel.svg, grid.positions[i][0], y + grid.positions[i][1]));
  });
  const height = y + grid.height;
  root.setAttribute("width", String(grid.width));
  root.setAttribute("height", String(height));
  root.setAttribute("viewBox", `0 0 ${grid.width} ${height}`);
  root.setAttribute("xmlns", SVG_NS);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toXml(root)}\n`;
}

let sharedDocument: Document | undefined;

/** One linkedom document for the whole process: creating it costs the import time only once. */
function svgDocument(): Document {
  sharedDocument ??= parseHTML("<!doctype html><html><body></body></html>")
    .document as unknown as Document;
  return sharedDocument;
}

interface RenderedPanel {
  svg: SVGSVGElement;
  width: number;
  height: number;
  /** Set when this panel asked for a legend. */
  legend?: Legend;
}

/** Plot's materialized scale lacks the legend-related options, so they travel alongside. */
interface Legend {
  scale: Plot.Scale;
  label?: string;
  tickFormat?: (value: number, index: number, ticks: number[]) => string;
}

function renderPanel(doc: Document, options: Plot.PlotOptions): RenderedPanel {
  const color = options.color ?? {};
  // Any legend inside Plot would turn its output into an HTML <figure>.
  const plot = Plot.plot({ ...options, document: doc, color: { ...color, legend: false } });
  if (plot.tagName.toLowerCase() !== "svg") {
    throw new Error(`Plot returned <${plot.tagName}>, expected <svg>`);
  }
  const svg = plot as SVGSVGElement & Plot.Plot;
  return {
    svg,
    width: Number(svg.getAttribute("width")),
    height: Number(svg.getAttribute("height")),
    legend: color.legend ? legendOf(svg.scale("color")!, color) : undefined,
  };
}

function legendOf(scale: Plot.Scale, options: Plot.ScaleOptions): Legend {
  const { label, tickFormat } = options;
  return {
    scale,
    label: label == null ? undefined : String(label),
    tickFormat: typeof tickFormat === "function"
      ? (value, index, ticks) =>
        String((tickFormat as (v: number, i: number, t: number[]) => unknown)(value, index, ticks))
      : undefined,
  };
}

function gridPositions(panels: RenderedPanel[], columns: number, gap: number) {
  const rows = Math.ceil(panels.length / columns);
  const columnWidths = Array.from(
    { length: columns },
    (_, c) => Math.max(0, ...panels.filter((_, i) => i % columns === c).map((p) => p.width)),
  );
  const rowHeights = Array.from(
    { length: rows },
    (_, r) => Math.max(0, ...panels.slice(r * columns, (r + 1) * columns).map((p) => p.height)),
  );
  const offset = (sizes: number[], index: number) => sizes.slice(0, index).reduce((sum, size) => sum + size + gap, 0);
  return {
    positions: panels.map((_, i) => [
      offset(columnWidths, i % columns),
      offset(rowHeights, Math.floor(i / columns)),
    ]),
    width: offset(columnWidths, columns) - gap,
    height: offset(rowHeights, rows) - gap,
  };
}

/**
 * Moves a Plot <svg>'s content into a translated <g>. A nested <svg> would also
 * work in rsvg, but Plot's stylesheet gives its <svg> `height: auto`, which
 * browsers apply to a nested <svg> as 100% of the outer one.
 */
function asGroup(doc: Document, svg: SVGSVGElement, x: number, y: number): SVGGElement {
  const group = svgElement(doc, "g", { transform: `translate(${x},${y})` }) as SVGGElement;
  const sizing = new Set(["width", "height", "viewBox", "xmlns"]);
  for (const { name, value } of Array.from(svg.attributes)) {
    if (!sizing.has(name)) group.setAttribute(name, value);
  }
  group.append(...Array.from(svg.childNodes));
  return group;
}

/** Title and subtitle, each wrapped at word boundaries to the figure's width. */
function appendHeader(root: SVGElement, header: FigureHeader, y: number, width: number): number {
  const doc = root.ownerDocument;
  const lines = [
    ...wrapText(header.title ?? "", width - 2 * HEADER_PAD, TITLE_SIZE * 1.05).map((text) => ({
      text,
      size: TITLE_SIZE,
      gap: 8,
      attrs: { "font-size": TITLE_SIZE, "font-weight": "bold" },
    })),
    ...wrapText(header.subtitle ?? "", width - 2 * HEADER_PAD, SUBTITLE_SIZE).map((text) => ({
      text,
      size: SUBTITLE_SIZE,
      gap: 6,
      attrs: { "font-size": SUBTITLE_SIZE, fill: "#555" },
    })),
  ];
  for (const line of lines) {
    y += line.size + line.gap;
    root.append(svgElement(doc, "text", { x: HEADER_PAD, y, ...line.attrs }, line.text));
  }
  return y;
}

/** Greedy word wrap by the estimated text width; a single over-long word keeps its own line. */
export function wrapText(text: string, width: number, fontSize: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (line && textWidth(candidate, fontSize) > width) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line) lines.push(line);
  return lines;
}

function appendLegend(root: SVGElement, legend: Legend, y: number, width: number): number {
  const { type } = legend.scale;
  const categorical = type === "ordinal" || type === "categorical";
  return categorical ? appendSwatches(root, legend.scale, y + 8, width) : appendRamp(root, legend, y + 8);
}

/** Colour swatches in rows, wrapped at the figure width. */
function appendSwatches(root: SVGElement, scale: Plot.Scale, top: number, width: number): number {
  const doc = root.ownerDocument;
  const group = svgElement(doc, "g", { "font-size": LEGEND_SIZE }) as SVGGElement;
  const rowHeight = LEGEND_SIZE + 7;
  let x = HEADER_PAD;
  let row = 0;
  for (const value of scale.domain ?? []) {
    const label = String(value);
    const itemWidth = 16 + textWidth(label, LEGEND_SIZE) + 16;
    if (x > HEADER_PAD && x + itemWidth > width - HEADER_PAD) [x, row] = [HEADER_PAD, row + 1];
    const y = top + row * rowHeight;
    const fill = String(scale.apply(value));
    group.append(svgElement(doc, "rect", { x, y, width: 12, height: 12, fill, rx: 2 }));
    group.append(svgElement(doc, "text", { x: x + 16, y: y + 10 }, label));
    x += itemWidth;
  }
  root.append(group);
  return top + (row + 1) * rowHeight;
}

/** Short line samples, one per line style, wrapped like the swatches. */
function appendLineKey(root: SVGElement, key: LineKey[], top: number, width: number): number {
  const doc = root.ownerDocument;
  const group = svgElement(doc, "g", { "font-size": LEGEND_SIZE }) as SVGGElement;
  const rowHeight = LEGEND_SIZE + 7;
  let x = HEADER_PAD;
  let row = 0;
  for (const { label, strokeDasharray, strokeWidth = 1.5, strokeOpacity = 1 } of key) {
    const itemWidth = 28 + textWidth(label, LEGEND_SIZE) + 16;
    if (x > HEADER_PAD && x + itemWidth > width - HEADER_PAD) [x, row] = [HEADER_PAD, row + 1];
    const y = top + row * rowHeight + 6;
    const line = { d: `M${x},${y}h24`, stroke: "#333", "stroke-width": strokeWidth, "stroke-opacity": strokeOpacity };
    group.append(svgElement(doc, "path", strokeDasharray ? { ...line, "stroke-dasharray": strokeDasharray } : line));
    group.append(svgElement(doc, "text", { x: x + 28, y: y + 4 }, label));
    x += itemWidth;
  }
  root.append(group);
  return top + (row + 1) * rowHeight;
}

let rampCount = 0;

/** A continuous colour legend: label, gradient bar, ticks (Plot's ramp needs <canvas>). */
function appendRamp(root: SVGElement, legend: Legend, top: number): number {
  const doc = root.ownerDocument;
  const [lo, hi] = extent((legend.scale.domain ?? [0, 1]) as number[]);
  const span = hi - lo || 1;
  const id = `color-ramp-${++rampCount}`;
  const gradient = svgElement(doc, "linearGradient", { id });
  for (let i = 0; i <= 20; i++) {
    const color = String(legend.scale.apply(lo + span * i / 20));
    gradient.append(svgElement(doc, "stop", { offset: `${i * 5}%`, "stop-color": color }));
  }
  const defs = svgElement(doc, "defs");
  defs.append(gradient);
  const group = svgElement(doc, "g", { "font-size": LEGEND_SIZE });
  group.append(defs);
  let y = top;
  if (legend.label) {
    y += LEGEND_SIZE;
    const attrs = { x: HEADER_PAD, y, "font-weight": "bold" };
    group.append(svgElement(doc, "text", attrs, legend.label));
    y += 4;
  }
  const bar = { x: HEADER_PAD, y, width: RAMP_WIDTH, height: 10 };
  group.append(svgElement(doc, "rect", { ...bar, fill: `url(#${id})` }));
  const format = legend.tickFormat ?? ((v: number) => String(+v.toPrecision(3)));
  const ticks = niceTicks(lo, hi, RAMP_TICKS);
  ticks.forEach((value, i) => {
    const x = HEADER_PAD + RAMP_WIDTH * (value - lo) / span;
    group.append(svgElement(doc, "path", { d: `M${x},${y}v14`, stroke: "#333" }));
    const tick = { x, y: y + 14 + LEGEND_SIZE, "text-anchor": "middle" };
    group.append(svgElement(doc, "text", tick, format(value, i, ticks)));
  });
  root.append(group);
  return y + 16 + LEGEND_SIZE;
}

function extent(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

/** Rough text width: no layout engine in linkedom, and sans-serif averages ≈ 0.6 em. */
export function textWidth(text: string, fontSize = 10): number {
  return Math.ceil(text.length * fontSize * 0.6);
}

function svgElement(
  doc: Document,
  name: string,
  attrs: Record<string, string | number> = {},
  text?: string,
): SVGElement {
  const element = doc.createElementNS(SVG_NS, name) as SVGElement;
  for (const [key, value] of Object.entries(attrs)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/** XML serialization of an element tree (elements and text; comments are dropped). */
function toXml(node: Node): string {
  if (node.nodeType === TEXT_NODE) return escapeXml(node.textContent ?? "");
  if (node.nodeType !== ELEMENT_NODE) return "";
  const element = node as Element;
  const name = element.localName; // linkedom keeps SVG case: clipPath, linearGradient
  const attrs = Array.from(element.attributes)
    .map(({ name, value }) => ` ${name}="${escapeXml(value)}"`)
    .join("");
  const children = Array.from(element.childNodes, toXml).join("");
  return children ? `<${name}${attrs}>${children}</${name}>` : `<${name}${attrs}/>`;
}

const XML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
};

/** Escapes markup characters and drops characters XML 1.0 forbids (control codes). */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/[&<>"]/g, (c) => XML_ESCAPES[c]);
}
