/**
 * The report page, results/index.html: one self-contained HTML file (inline CSS and SVG, no
 * script, no network) with a section per experiment: headline tables, every figure, the run
 * configurations and environments, and links to the JSON and CSV beside it.
 *
 * Figures are inlined, so the ids inside each SVG (clip paths, gradients) get a per-figure prefix:
 * two figures drawn by separate processes may both contain `color-ramp-1`, and in one document
 * the second would paint with the first one's gradient.
 */
import type { ExperimentSection, Table } from "./collect.ts";
import { escapeHtml, markdownToHtml } from "./markdown.ts";
import type { Environment } from "./results.ts";
import { flatten } from "./tables.ts";

export interface PageOptions {
  title?: string;
  generatedAt?: string;
}

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 0 24px 48px; color: #222; }
h1 { margin-top: 28px; } h2 { margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
nav a { margin-right: 14px; }
table { border-collapse: collapse; margin: 10px 0 16px; font-size: 13px; display: block; overflow-x: auto; max-width: 100%; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 10px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td:first-child { white-space: nowrap; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
figure { margin: 18px 0; } figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 12px; color: #666; }
details { margin: 8px 0; } summary { cursor: pointer; font-weight: 600; }
code { background: #f3f3f3; padding: 0 3px; border-radius: 3px; }
.muted { color: #777; }
`;

export function reportPage(sections: ExperimentSection[], opts: PageOptions = {}): string {
  const title = opts.title ?? "tsdl results";
  const nav = sections.map((s) => `<a href="#${anchor(s.name)}">${escapeHtml(s.name)}</a>`).join("");
  let figureCount = 0;
  const body = sections.map((s) => sectionHtml(s, () => ++figureCount)).join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="muted">Generated ${escapeHtml(opts.generatedAt ?? new Date().toISOString())} by <code>deno task report</code>
from the JSON in this folder; ${sections.length} experiments, ${figureCount} figures.</p>
<nav>${nav}</nav>
${body}
</body>
</html>
`;
}

function anchor(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}

function sectionHtml(s: ExperimentSection, nextFigure: () => number): string {
  const parts = [`<section id="${anchor(s.name)}">`, `<h2>${escapeHtml(s.name)}</h2>`];
  if (s.runs.length) parts.push(`<p class="muted">${s.runs.length} run${s.runs.length === 1 ? "" : "s"}.</p>`);
  for (const md of s.markdown) {
    parts.push(`<div class="markdown">${markdownToHtml(md.text)}</div>`);
  }
  for (const table of s.tables) parts.push(tableHtml(table));
  for (const figure of s.figures) {
    const id = `f${nextFigure()}`;
    parts.push(
      `<figure id="${id}">${inlineSvg(figure.svg, id)}<figcaption><a href="${href(s, figure.file)}">` +
        `${escapeHtml(figure.file)}</a></figcaption></figure>`,
    );
  }
  if (s.runs.length) parts.push(configurationsHtml(s), environmentsHtml(s));
  parts.push(filesHtml(s), "</section>");
  return parts.join("\n");
}

function href(s: ExperimentSection, file: string): string {
  return `${s.href}/${file}`.split("/").map(encodeURIComponent).join("/");
}

/** The SVG without its XML prolog, ids prefixed so that figures cannot collide. */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, "")
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`)
    .replace(/^<svg /, '<svg class="figure" ');
}

function tableHtml(t: Table): string {
  const head = `<tr>${t.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr>`;
  const rows = t.rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join("")}</tr>`).join("");
  const more = t.omitted ? `<p class="muted">${t.omitted} more rows in the CSV.</p>` : "";
  return `<table><caption>${
    escapeHtml(t.caption)
  }</caption><thead>${head}</thead><tbody>${rows}</tbody></table>${more}`;
}

/** Settings every run shares, then one row per run of the settings that differ. */
function configurationsHtml(s: ExperimentSection): string {
  const configs = s.runs.map((r) => flatten(r.config));
  const keys = [...new Set(configs.flatMap((c) => Object.keys(c)))];
  const text = (v: unknown) => v === undefined ? "–" : v === null ? "null" : String(v);
  const shared = keys.filter((k) => configs.every((c) => text(c[k]) === text(configs[0][k])));
  const varying = keys.filter((k) => !shared.includes(k));
  const sharedTable: Table = {
    caption: "shared by every run",
    columns: ["setting", "value"],
    rows: shared.map((k) => [k, text(configs[0][k])]),
    omitted: 0,
  };
  const limit = 200;
  const perRun: Table = {
    caption: "per run",
    columns: ["run", ...varying],
    rows: s.runs.slice(0, limit).map((r, i) => [r.run, ...varying.map((k) => text(configs[i][k]))]),
    omitted: Math.max(0, s.runs.length - limit),
  };
  return `<details><summary>Run configurations</summary>${tableHtml(sharedTable)}${
    varying.length ? tableHtml(perRun) : ""
  }</details>`;
}

function environmentsHtml(s: ExperimentSection): string {
  const seen = new Map<string, { env: Environment; runs: number }>();
  for (const r of s.runs) {
    const key = JSON.stringify(r.environment);
    const entry = seen.get(key) ?? { env: r.environment, runs: 0 };
    entry.runs++;
    seen.set(key, entry);
  }
  const columns = ["runs", "backend", "adapter", "deno", "tfjs", "os", "cpus", "git"];
  const table: Table = {
    caption: "where the runs ran",
    columns,
    rows: [...seen.values()].map(({ env, runs }) => [
      String(runs),
      ...columns.slice(1).map((c) => {
        const v = (env as unknown as Record<string, unknown>)?.[c];
        return v === null || v === undefined ? "–" : c === "git" ? String(v).slice(0, 10) : String(v);
      }),
    ]),
    omitted: 0,
  };
  return `<details><summary>Environment</summary>${tableHtml(table)}</details>`;
}

function filesHtml(s: ExperimentSection): string {
  const links = s.files.map((f) => `<a href="${href(s, f)}">${escapeHtml(f)}</a>`);
  const folders = s.folders.map((f) => `<a href="${href(s, f.name)}/">${escapeHtml(f.name)}/</a> (${f.files} JSON)`);
  return `<p>Data: ${[...links, ...folders].join(" · ") || "none"}</p>`;
}
