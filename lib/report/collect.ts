/**
 * What the report page shows of one results folder, read from its files alone (any experiment,
 * no knowledge of its shape): the SVG figures, the headline table (the folder's table.md or
 * summary.md, else its summary CSVs, else each run's final metrics from runs.csv), the runs'
 * configurations and environments from their JSON, and the data files to link to.
 */
import { join } from "node:path";
import { parseCsv } from "./csv.ts";
import { RESULT_SCHEMA, type RunResult } from "./results.ts";

type AnyResult = RunResult<Record<string, unknown>, unknown, unknown>;

export interface Table {
  caption: string;
  columns: string[];
  rows: string[][];
  /** Rows left out of a long table. */
  omitted: number;
}

export interface ExperimentSection {
  name: string;
  /** The folder, as the page links to it (relative to the page). */
  href: string;
  figures: { file: string; svg: string }[];
  /** Markdown summaries, shown as they are. */
  markdown: { file: string; text: string }[];
  tables: Table[];
  runs: AnyResult[];
  /** Data files in the folder (JSON, CSV, markdown), and the run folders with their file counts. */
  files: string[];
  folders: { name: string; files: number }[];
}

const HEADLINE_ROWS = 12;

async function listDir(dir: string): Promise<Deno.DirEntry[]> {
  const entries: Deno.DirEntry[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
  } catch {
    return [];
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

async function readRuns(dir: string, names: string[]): Promise<AnyResult[]> {
  const runs: AnyResult[] = [];
  for (const name of names.filter((n) => n.endsWith(".json"))) {
    try {
      const parsed = JSON.parse(await Deno.readTextFile(join(dir, name)));
      if (parsed?.schema === RESULT_SCHEMA) runs.push(parsed);
    } catch {
      // A half-written or foreign JSON file is not a run.
    }
  }
  return runs;
}

/** Mean-descending rows of a summary CSV (configuration, n, mean, std, …). */
function summaryTable(file: string, text: string): Table {
  const rows = parseCsv(text).sort((a, b) => Number(b.mean) - Number(a.mean));
  const columns = Object.keys(rows[0] ?? {});
  return {
    caption: `${file} (best first)`,
    columns,
    rows: rows.slice(0, HEADLINE_ROWS).map((r) => columns.map((c) => formatCell(c, r[c]))),
    omitted: Math.max(0, rows.length - HEADLINE_ROWS),
  };
}

/** run + final.* columns of a runs CSV. */
function finalTable(file: string, text: string): Table {
  const rows = parseCsv(text);
  const columns = Object.keys(rows[0] ?? {}).filter((c) => c === "run" || c === "seconds" || c.startsWith("final."));
  return {
    caption: `${file}: final metrics per run`,
    columns: columns.map((c) => c.replace(/^final\./, "")),
    rows: rows.slice(0, HEADLINE_ROWS * 4).map((r) => columns.map((c) => formatCell(c, r[c]))),
    omitted: Math.max(0, rows.length - HEADLINE_ROWS * 4),
  };
}

/** Accuracies as percentages, other numbers to 4 significant digits. */
function formatCell(column: string, value: string | undefined): string {
  if (value === undefined || value === "") return "";
  const x = Number(value);
  if (!Number.isFinite(x) || /^(true|false)$/.test(value)) return value;
  if (/accuracy|^mean$|^std$/i.test(column) && Math.abs(x) <= 1 && !/^n$/.test(column)) {
    return `${(100 * x).toFixed(2)}%`;
  }
  return Number.isInteger(x) ? String(x) : String(+x.toPrecision(4));
}

export async function collectSection(dir: string, name: string, href: string): Promise<ExperimentSection> {
  const entries = await listDir(dir);
  const files = entries.filter((e) => e.isFile).map((e) => e.name);
  const figures = [];
  for (const file of files.filter((f) => f.endsWith(".svg"))) {
    figures.push({ file, svg: await Deno.readTextFile(join(dir, file)) });
  }
  const markdown = [];
  for (const file of files.filter((f) => f.endsWith(".md"))) {
    markdown.push({ file, text: await Deno.readTextFile(join(dir, file)) });
  }
  const tables: Table[] = [];
  if (markdown.length === 0) {
    const summaries = files.filter((f) => f.endsWith("summary.csv"));
    for (const file of summaries) tables.push(summaryTable(file, await Deno.readTextFile(join(dir, file))));
    if (summaries.length === 0) {
      for (const file of files.filter((f) => f.endsWith("runs.csv"))) {
        tables.push(finalTable(file, await Deno.readTextFile(join(dir, file))));
      }
    }
  }
  const runs = await readRuns(dir, files);
  const folders = [];
  for (const folder of entries.filter((e) => e.isDirectory)) {
    const inside = (await listDir(join(dir, folder.name))).filter((e) => e.isFile).map((e) => e.name);
    const jsons = inside.filter((f) => f.endsWith(".json"));
    if (jsons.length === 0) continue;
    runs.push(...await readRuns(join(dir, folder.name), jsons));
    folders.push({ name: folder.name, files: jsons.length });
  }
  const data = files.filter((f) => /\.(json|csv|md)$/.test(f));
  return { name, href, figures, markdown, tables, runs, files: data, folders };
}
