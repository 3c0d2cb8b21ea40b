/**
 * Tests for the SVG figure library (lib/report): every figure kind must come out as a
 * standalone, well-formed SVG document with its marks, title and legend drawn in SVG.
 *
 * Well-formedness is checked by a strict little XML checker below (linkedom's own XML
 * parser is lenient and accepts broken markup), and by `xmllint` when it is installed.
 */
import assert from "node:assert/strict";
import * as Plot from "@observablehq/plot";
import { DOMParser } from "linkedom";
import {
  barChart,
  type CurveRow,
  heatmap,
  type HeatmapRow,
  learningCurves,
  lineChart,
  type LineRow,
  pointsWithErrorBars,
} from "../lib/report/figures.ts";
import { plotToSvg } from "../lib/report/svg_plot.ts";

const NASTY = `R&D <b> "quoted"`;
const NASTY_ESCAPED = "R&amp;D &lt;b&gt; &quot;quoted&quot;";

// ---------------------------------------------------------------- strict XML check

const NAME = /[A-Za-z_:][\w.:-]*/y;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/y;

/** Throws unless `xml` is a well-formed XML document with one root element. */
function assertWellFormedXml(xml: string): void {
  let pos = 0;
  const open: string[] = [];
  let roots = 0;
  const fail = (why: string): never => {
    throw new Error(`not well-formed XML at ${pos}: ${why} near ${JSON.stringify(xml.slice(pos, pos + 40))}`);
  };
  const name = (): string => {
    NAME.lastIndex = pos;
    const match = NAME.exec(xml) ?? fail("expected a name");
    pos += match[0].length;
    return match[0];
  };
  const skipSpace = () => {
    while (/\s/.test(xml[pos] ?? "")) pos++;
  };
  const characters = (end: string) => {
    for (; pos < xml.length && !end.includes(xml[pos]); pos++) {
      if (xml[pos] === "<") fail("raw '<'");
      if (xml[pos] !== "&") continue;
      ENTITY.lastIndex = pos;
      const entity = ENTITY.exec(xml) ?? fail("raw '&'");
      pos += entity[0].length - 1;
    }
  };
  const skipPast = (end: string) => {
    const at = xml.indexOf(end, pos);
    if (at < 0) fail(`missing ${end}`);
    pos = at + end.length;
  };
  const startTag = () => {
    const tag = name();
    const seen = new Set<string>();
    for (;;) {
      const before = pos;
      skipSpace();
      if (xml.startsWith("/>", pos)) return void (pos += 2, open.length === 0 && roots++);
      if (xml[pos] === ">") return void (pos++, open.push(tag));
      if (pos === before) fail("expected space before attribute");
      const attr = name();
      if (seen.has(attr)) fail(`duplicate attribute ${attr}`);
      seen.add(attr);
      if (xml[pos++] !== "=") fail("expected '='");
      const quote = xml[pos++];
      if (quote !== '"' && quote !== "'") fail("unquoted attribute");
      characters(quote);
      if (xml[pos++] !== quote) fail("unterminated attribute");
    }
  };
  const endTag = () => {
    const tag = name();
    skipSpace();
    if (xml[pos++] !== ">") fail("expected '>'");
    if (open.pop() !== tag) fail(`mismatched </${tag}>`);
    if (open.length === 0) roots++;
  };

  if (xml.startsWith("<?xml")) skipPast("?>");
  while (pos < xml.length) {
    if (xml.startsWith("<!--", pos)) skipPast("-->");
    else if (xml.startsWith("</", pos)) (pos += 2, endTag());
    else if (xml[pos] === "<") {
      if (open.length === 0 && roots > 0) fail("second root element");
      pos++;
      startTag();
    } else {
      const start = pos;
      characters("<");
      if (open.length === 0 && xml.slice(start, pos).trim()) fail("text outside the root");
    }
  }
  if (open.length) fail(`unclosed <${open.at(-1)}>`);
  if (roots !== 1) fail("expected exactly one root element");
}

Deno.test("XML checker accepts good XML and rejects broken XML", () => {
  assertWellFormedXml(`<?xml version="1.0"?>\n<svg a="1 &amp; 2"><g/><text>x &lt; y</text></svg>\n`);
  const broken = [
    "<svg><g></svg>",
    "<svg><g></svg></g>",
    `<svg a="1 & 2"/>`,
    `<svg a="x<y"/>`,
    "<svg>1 < 2</svg>",
    "<svg>R&D</svg>",
    "<svg a=1/>",
    `<svg a="1" a="2"/>`,
    "<svg/><svg/>",
    "<svg>",
  ];
  for (const xml of broken) assert.throws(() => assertWellFormedXml(xml), Error, xml);
});

// ---------------------------------------------------------------- shared assertions

/** The checks every figure must pass; returns the parsed document for mark counts. */
async function assertStandaloneSvg(svg: string, title: string): Promise<Document> {
  assert(svg.startsWith("<?xml"), "starts with an XML declaration");
  assert.match(svg, /^<\?xml[^>]*\?>\s*<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  for (const html of ["<figure", "<div", "<h2", "<h3", "<span"]) {
    assert(!svg.includes(html), `no HTML ${html}`);
  }
  assertIncludes(svg, `>${title}</text>`);
  assertWellFormedXml(svg);
  await assertXmllintAccepts(svg);
  return new DOMParser().parseFromString(svg, "image/svg+xml") as unknown as Document;
}

/** A second opinion from libxml2 where it is installed; skipped silently elsewhere. */
async function assertXmllintAccepts(svg: string): Promise<void> {
  let child;
  try {
    child = new Deno.Command("xmllint", { args: ["--noout", "-"], stdin: "piped", stderr: "piped" })
      .spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(svg));
  await writer.close();
  const { code, stderr } = await child.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
}

/** node:assert has no substring check; this one shows the missing part on failure. */
function assertIncludes(text: string, part: string, message = `missing ${part}`): void {
  assert.ok(text.includes(part), message);
}

/** Number of `tag` elements inside Plot's mark groups labelled `mark` (e.g. "cell"). */
function countMarks(doc: Document, mark: string, tag: string): number {
  return doc.querySelectorAll(`g[aria-label="${mark}"] ${tag}`).length;
}

function texts(doc: Document): string[] {
  return Array.from(doc.querySelectorAll("text"), (text) => text.textContent ?? "");
}

// ---------------------------------------------------------------- figures

Deno.test("plotToSvg escapes text and attribute values", async () => {
  const svg = plotToSvg({
    title: NASTY,
    subtitle: "bell \u0007 removed",
    marks: [Plot.lineY([1, 3, 2], { ariaDescription: NASTY })],
  });
  const doc = await assertStandaloneSvg(svg, NASTY_ESCAPED);
  assertIncludes(svg, `aria-description="${NASTY_ESCAPED}"`);
  assert(texts(doc).includes(NASTY), "title round-trips");
  assert(!svg.includes("\u0007"), "control characters are dropped");
});

function curveRows(): CurveRow[] {
  const rows: CurveRow[] = [];
  for (const series of ["mlp", NASTY]) {
    for (let epoch = 1; epoch <= 5; epoch++) {
      const loss = 2 / epoch;
      rows.push({ epoch, value: loss, series, metric: "loss", lo: loss - 0.1, hi: loss + 0.1 });
      rows.push({ epoch, value: 1 - loss / 4, series, metric: "accuracy" });
    }
  }
  return rows;
}

Deno.test("learningCurves: one panel per metric, lines, bands, legend", async () => {
  const svg = learningCurves(curveRows(), {
    title: "Curves",
    percentMetrics: ["accuracy"],
    yDomainByMetric: { loss: [0, 1.5] },
  });
  const doc = await assertStandaloneSvg(svg, "Curves");
  assert.equal(doc.querySelectorAll('g[aria-label="line"]').length, 2, "two panels");
  assert.equal(countMarks(doc, "line", "path"), 4, "2 series × 2 metrics");
  assert.equal(countMarks(doc, "area", "path"), 2, "bands only where lo/hi given");
  assertIncludes(svg, "<clipPath", "fixed y domain clips");
  assertIncludes(svg, "</clipPath>");
  assert(!/<clippath/.test(svg), "camelCase kept");
  assertIncludes(svg, `>${NASTY_ESCAPED}</text>`, "legend swatch label");
  assert(texts(doc).some((text) => text.endsWith("%")), "accuracy ticks as percent");
});

Deno.test("learningCurves without metrics: a single panel", async () => {
  const rows = curveRows().filter((row) => row.metric === "loss").map(({ metric: _, ...row }) => row);
  const doc = await assertStandaloneSvg(learningCurves(rows, { title: "Loss" }), "Loss");
  assert.equal(doc.querySelectorAll('g[aria-label="line"]').length, 1);
});

function heatmapRows(): HeatmapRow[] {
  const rows: HeatmapRow[] = [];
  for (const fx of [0.5, 1]) {
    for (const fy of [3, 5]) {
      for (const x of [4, 16, 8]) {
        for (const y of [64, 16]) rows.push({ x, y, fx, fy, value: 0.9 + x * y * fx / 1e4 - fy / 100 });
      }
    }
  }
  return rows;
}

Deno.test("heatmap: a cell and a number per row, facets, gradient legend", async () => {
  const rows = heatmapRows();
  const svg = heatmap(rows, {
    title: "Grid",
    xLabel: "channels c",
    yLabel: "hidden n",
    fxLabel: "α",
    fyLabel: "kernel k",
    colorLabel: NASTY,
    percent: true,
  });
  const doc = await assertStandaloneSvg(svg, "Grid");
  assert.equal(countMarks(doc, "cell", "rect"), rows.length);
  assert.equal(countMarks(doc, "text", "text"), rows.length);
  assert(svg.split("<rect").length - 1 >= rows.length);
  assertIncludes(svg, "<linearGradient");
  assertIncludes(svg, "</linearGradient>");
  const id = /<linearGradient[^>]* id="([^"]+)"/.exec(svg)?.[1];
  assertIncludes(svg, `fill="url(#${id})"`, "legend bar uses the gradient");
  assertIncludes(svg, `>${NASTY_ESCAPED}</text>`, "legend label");
  for (const label of ["α", "kernel k", "channels c", "hidden n"]) assert(texts(doc).includes(label), label);
  const first = `${(rows[0].value * 100).toFixed(1)}%`;
  assert(texts(doc).includes(first), `cell value ${first} as percent, with the sign the legend has`);
});

Deno.test("heatmap orders numeric categories numerically", async () => {
  const doc = await assertStandaloneSvg(heatmap(heatmapRows(), { title: "Order" }), "Order");
  const xTicks = Array.from(
    doc.querySelectorAll('g[aria-label="x-axis tick label"] text'),
    (text) => text.textContent,
  );
  assert.deepEqual(xTicks.slice(0, 3), ["4", "8", "16"]);
});

Deno.test("pointsWithErrorBars: a dot and a rule per label, long labels fit", async () => {
  const label = "a long configuration label (adam, lr=1e-3)";
  const rows = [
    { label, mean: 0.97, std: 0.01, group: "adam" },
    { label: NASTY, mean: 0.95, std: 0.02, group: "sgd" },
    { label: "cnn", mean: 0.99, std: 0.005, group: "adam" },
  ];
  const svg = pointsWithErrorBars(rows, { title: "Points", xLabel: "accuracy", percent: true });
  const doc = await assertStandaloneSvg(svg, "Points");
  assert.equal(countMarks(doc, "dot", "circle"), rows.length);
  assert.equal(countMarks(doc, "rule", "line"), rows.length);
  assert(texts(doc).includes(label));
  assertIncludes(svg, `>${NASTY_ESCAPED}</text>`);
  assert(texts(doc).includes("97.0% ± 1.0%"), "value labels, one decimal each");
  const marginLeft = Number(
    /translate\(([\d.]+),[\d.]+\)" y="0\.32em">a long/.exec(svg)?.[1],
  );
  assert(marginLeft >= label.length * 5, `left margin ${marginLeft} fits the label`);
});

function lineRows(): LineRow[] {
  return ["clean", "robust"].flatMap((series) =>
    [0, 0.1, 0.2, 0.3].map((x) => {
      const y = series === "clean" ? 1 - 3 * x : 1 - x;
      return { x, y, series, lo: y - 0.05, hi: y + 0.05 };
    })
  );
}

Deno.test("lineChart: lines, dots and an error band", async () => {
  const svg = lineChart(lineRows(), { title: "Accuracy vs ε", xLabel: "ε", yDomain: [0, 1] });
  const doc = await assertStandaloneSvg(svg, "Accuracy vs ε");
  assert.equal(countMarks(doc, "line", "path"), 2);
  assert.equal(countMarks(doc, "dot", "circle"), 8);
  assert.equal(countMarks(doc, "area", "path"), 2);
  assertIncludes(svg, "<clipPath");
});

Deno.test("lineChart: error bars instead of a band", async () => {
  const svg = lineChart(lineRows(), { title: "Bars", errors: "bars" });
  const doc = await assertStandaloneSvg(svg, "Bars");
  assert.equal(countMarks(doc, "rule", "line"), 8);
  assert.equal(countMarks(doc, "area", "path"), 0);
});

Deno.test("barChart: grouped and plain bars with value labels", async () => {
  const rows = ["cpu", "wasm", NASTY].flatMap((label, i) =>
    ["matmul", "conv"].map((group, j) => ({ label, group, value: 10 * (i + 1) + j }))
  );
  const grouped = await assertStandaloneSvg(barChart(rows, { title: "Grouped" }), "Grouped");
  assert.equal(countMarks(grouped, "bar", "rect"), rows.length);
  assert(texts(grouped).includes("matmul"), "group legend");
  assert(texts(grouped).includes(NASTY), "label on the facet axis");

  const plain = rows.filter((row) => row.group === "conv").map(({ group: _, ...row }) => row);
  const doc = await assertStandaloneSvg(barChart(plain, { title: "Plain", percent: true }), "Plain");
  assert.equal(countMarks(doc, "bar", "rect"), plain.length);
});

// ---------------------------------------------------------------- the defects a researcher would see

function axisTicks(doc: Document, axis: "x" | "y"): string[] {
  return Array.from(doc.querySelectorAll(`g[aria-label="${axis}-axis tick label"] text`), (t) => t.textContent ?? "");
}

Deno.test("learningCurves: whole-number epoch ticks for 2 and 3 epochs (never 1.5)", async () => {
  for (const epochs of [2, 3, 40]) {
    const rows = Array.from({ length: epochs }, (_, i) => ({ epoch: i + 1, value: 1 / (i + 1), series: "train" }));
    const doc = await assertStandaloneSvg(learningCurves(rows, { title: "Epochs" }), "Epochs");
    const ticks = axisTicks(doc, "x");
    assert(ticks.length >= 2, `${epochs} epochs: ticks ${ticks}`);
    for (const tick of ticks) assert.match(tick, /^\d+$/, `${epochs} epochs: tick ${tick}`);
  }
});

Deno.test("percent axes: decimals adapt to the tick spacing, no label printed twice", async () => {
  // An accuracy that moves by a tenth of a percent (the basics MLP axis once read 10%, 10%, 10%, 9%).
  const rows = [0.0995, 0.0998, 0.1002, 0.1005].map((value, i) => ({ epoch: i + 1, value, series: "validation" }));
  const doc = await assertStandaloneSvg(learningCurves(rows, { title: "Flat", percent: true }), "Flat");
  const ticks = axisTicks(doc, "y");
  assert.equal(new Set(ticks).size, ticks.length, `distinct: ${ticks}`);
  assert(ticks.every((t) => /^\d+\.\d+%$/.test(t)), `one decimal where the spacing needs it: ${ticks}`);
  const wide = await assertStandaloneSvg(
    learningCurves(rows.map((r, i) => ({ ...r, value: 0.2 * i })), { title: "Wide", percent: true }),
    "Wide",
  );
  assert(axisTicks(wide, "y").every((t) => /^\d+%$/.test(t)), `no decimals on a wide axis: ${axisTicks(wide, "y")}`);
});

Deno.test("pointsWithErrorBars: n = 1 has no ± and no bars; bars of accuracies stay inside [0, 1]", async () => {
  const rows = [
    { label: "one round", mean: 0.8, std: 0, n: 1 },
    { label: "five rounds", mean: 0.98, std: 0.05, n: 5 },
  ];
  const svg = pointsWithErrorBars(rows, { title: "Rounds", percent: true });
  const doc = await assertStandaloneSvg(svg, "Rounds");
  assert(texts(doc).includes("80.0%"), "the single value alone");
  assert(!texts(doc).some((t) => t.startsWith("80.0% ±")), "no ± for n = 1");
  assert.equal(countMarks(doc, "rule", "line"), 1, "a bar for the repeated one only");
  assert(axisTicks(doc, "x").every((t) => parseFloat(t) <= 100), `the axis stops at 100%: ${axisTicks(doc, "x")}`);
});

Deno.test("lineChart and barChart: a log axis says so in its label", async () => {
  const rows = [1, 10, 100].map((x) => ({ x, y: Math.log10(x), series: "s" }));
  const line = await assertStandaloneSvg(lineChart(rows, { title: "Log", xLabel: "n", xType: "log" }), "Log");
  assert(texts(line).some((t) => t.includes("n (log scale)")), "line chart label");
  const bars = [{ label: "conv", value: 1.7 }, { label: "dense", value: 102760 }];
  const svg = barChart(bars, { title: "Params", xLabel: "parameters", xType: "log" });
  const doc = await assertStandaloneSvg(svg, "Params");
  assert(texts(doc).some((t) => t.includes("parameters (log scale)")), "bar chart label");
  assert.equal(countMarks(doc, "bar", "rect"), 2);
});

Deno.test("a long subtitle wraps onto more lines instead of running past the figure", async () => {
  const subtitle = Array.from({ length: 40 }, (_, i) => `word${i}`).join(" ");
  const doc = await assertStandaloneSvg(
    learningCurves(curveRows(), { title: "Wrapped", subtitle, width: 400 }),
    "Wrapped",
  );
  const lines = texts(doc).filter((t) => t.startsWith("word") && t.includes(" "));
  assert(lines.length >= 2, `${lines.length} subtitle lines`);
  assert.equal(lines.join(" "), subtitle, "every word kept, in order");
  for (const line of lines) assert(line.length * 12 * 0.6 <= 400, `fits: ${line}`);
});

Deno.test("learningCurves: variants of a series are drawn solid underneath and dashed on top, with a line key", () => {
  const rows: CurveRow[] = ["scratch", "autodiff"].flatMap((variant) =>
    [1, 2, 3].map((epoch) => ({ epoch, value: 1 / epoch, series: "small net", variant }))
  );
  const svg = learningCurves(rows, { title: "Twins" });
  assertIncludes(svg, 'stroke-dasharray="5,3"', "the second variant dashed");
  assertIncludes(svg, 'stroke-opacity="0.4"', "the first wide and pale, so both show where they coincide");
  assertIncludes(svg, ">scratch</text>", "line key names the first variant");
  assertIncludes(svg, ">autodiff</text>", "and the second");
});
