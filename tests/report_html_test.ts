/**
 * The report page (results/index.html) in a real headless browser: it loads from file:// without
 * console errors or failed loads, shows every SVG of the results folder with a non-zero size,
 * links the JSON and CSV, reaches for nothing on the network, and a screenshot is taken.
 */
import * as assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { heatmap, learningCurves } from "../lib/report/figures.ts";
import { makeResult } from "../lib/report/results.ts";
import { writeRunTables, writeSummaryTable } from "../lib/report/tables.ts";
import { writeReportPage } from "../lib/report/page.ts";
import { inlineSvg } from "../lib/report/html.ts";
import { markdownToHtml } from "../lib/report/markdown.ts";
import { inspectPage } from "./_helpers/headless_browser.ts";

const environment = {
  backend: "cpu" as const,
  requested: "auto" as const,
  adapter: null,
  adapterIsFallback: null,
  deno: "2.9.6",
  tfjs: "4.22.0",
  os: "linux-x86_64",
  cpus: 2,
  git: null,
};

function run(experiment: string, name: string, lr: number, acc: number) {
  return makeResult({
    experiment,
    run: name,
    seconds: 1.5,
    config: { lr, batchSize: 32, seed: 1, optimizer: { name: "Adam" } },
    environment,
    history: [1, 2, 3].map((epoch) => ({
      epoch,
      lr,
      trainLoss: 1 / epoch,
      trainAccuracy: acc - 0.1 / epoch,
      testLoss: 1.2 / epoch,
      testAccuracy: acc - 0.12 / epoch,
      seconds: 0.5,
    })),
    final: { testAccuracy: acc, testLoss: 0.4 },
    notes: [],
  });
}

/** A results root with two experiments: curves, two heatmaps (gradient ids), CSV, markdown, a runs/ folder. */
async function fixture(root: string): Promise<number> {
  const a = join(root, "toy-curves"), b = join(root, "toy-grid");
  await Deno.mkdir(join(b, "runs"), { recursive: true });
  await Deno.mkdir(a, { recursive: true });
  const runsA = [run("toy-curves", "adam-lr0.001", 1e-3, 0.9), run("toy-curves", "adam-lr0.01", 1e-2, 0.8)];
  for (const r of runsA) await Deno.writeTextFile(join(a, `${r.run}.json`), JSON.stringify(r));
  await writeRunTables(a, runsA);
  const rows = runsA.flatMap((r) => r.history.map((h) => ({ epoch: h.epoch, value: h.testAccuracy, series: r.run })));
  await Deno.writeTextFile(join(a, "curves.svg"), learningCurves(rows, { title: "Toy & <curves>", percent: true }));
  await Deno.writeTextFile(join(a, "table.md"), "## Toy table\n\n| run | acc |\n| --- | ---: |\n| a | 90.0 |\n");
  const runsB = [run("toy-grid", "k3-r0", 1e-3, 0.7), run("toy-grid", "k5-r0", 1e-3, 0.75)];
  for (const r of runsB) await Deno.writeTextFile(join(b, "runs", `${r.run}.json`), JSON.stringify(r));
  await writeRunTables(b, runsB, "grid-");
  await writeSummaryTable(b, [
    { configuration: "kernel 3", n: 1, mean: 0.7, std: 0 },
    { configuration: "kernel 5", n: 1, mean: 0.75, std: 0 },
  ], "grid-");
  const cells = [3, 5].flatMap((k) => [8, 16].map((c) => ({ x: c, y: k, value: 0.6 + k / 50 + c / 200 })));
  await Deno.writeTextFile(join(b, "heatmap-a.svg"), heatmap(cells, { title: "A", percent: true }));
  await Deno.writeTextFile(join(b, "heatmap-b.svg"), heatmap(cells, { title: "B", percent: true }));
  return 3;
}

Deno.test("report page: loads in headless Chromium without errors and shows every SVG; screenshot taken", async () => {
  const root = await Deno.makeTempDir({ prefix: "tsdl-report-" });
  try {
    const svgCount = await fixture(root);
    const page = await writeReportPage(root);
    assert.equal(page, join(root, "index.html"));
    const html = await Deno.readTextFile(page);
    // Self-contained: no script, no stylesheet link, no http(s) resource.
    assert.doesNotMatch(html, /<script|<link |src="http|href="http|@import/);
    for (
      const file of ["toy-curves/runs.csv", "toy-curves/history.csv", "toy-grid/grid-summary.csv", "toy-grid/runs/"]
    ) {
      assert.ok(html.includes(`href="${file}"`), `links ${file}`);
    }
    const { errors, value, screenshot } = await inspectPage<{ figures: number; visible: number; tables: number }>(
      pathToFileURL(page).href,
      `(() => {
        const figures = [...document.querySelectorAll("svg.figure")];
        return {
          figures: figures.length,
          visible: figures.filter((svg) => { const r = svg.getBoundingClientRect(); return r.width > 100 && r.height > 50; }).length,
          tables: document.querySelectorAll("table").length,
        };
      })()`,
    );
    assert.deepEqual(errors, []);
    assert.equal(value.figures, svgCount, "one inline SVG per file");
    assert.equal(value.visible, svgCount, "every SVG laid out with a size");
    assert.ok(value.tables >= 3, `headline tables and configurations: ${value.tables}`);
    assert.deepEqual([...screenshot.slice(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], "a PNG");
    assert.ok(screenshot.length > 20_000, `a screenshot of a drawn page (${screenshot.length} bytes)`);
    await Deno.writeFile(join(root, "screenshot.png"), screenshot);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("inlineSvg: ids and their references get the figure's prefix, the XML prolog goes", () => {
  const svg =
    '<?xml version="1.0"?>\n<svg a="1"><linearGradient id="g1"/><rect fill="url(#g1)"/><use href="#g1"/></svg>';
  const inlined = inlineSvg(svg, "f7");
  assert.equal(
    inlined,
    '<svg class="figure" a="1"><linearGradient id="f7-g1"/><rect fill="url(#f7-g1)"/><use href="#f7-g1"/></svg>',
  );
});

Deno.test("markdownToHtml: headings nest under the page's, pipe tables keep their alignment, text is escaped", () => {
  const html = markdownToHtml("# Title <x>\n\n| a | b |\n| --- | ---: |\n| `c&d` | 1.5 |\n\nplain & **bold**");
  assert.equal(
    html,
    '<h3>Title &lt;x&gt;</h3>\n<table><thead><tr><th style="text-align:left">a</th><th style="text-align:right">b</th>' +
      '</tr></thead><tbody><tr><td style="text-align:left"><code>c&amp;d</code></td><td style="text-align:right">1.5' +
      "</td></tr></tbody></table>\n<p>plain &amp; <strong>bold</strong></p>",
  );
});
