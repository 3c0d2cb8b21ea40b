/**
 * Writes results/index.html from every experiment folder under a results root (see html.ts for
 * the page, collect.ts for what is read). Each task calls `refreshReportPage` when it is done, so
 * the page is current after any run into the default results folder.
 */
import { basename, dirname, join, resolve } from "node:path";
import { collectSection, type ExperimentSection } from "./collect.ts";
import { reportPage } from "./html.ts";
import { writeFileAtomic } from "./atomic.ts";

export const RESULTS_ROOT = "results";

/** Rebuilds `<root>/index.html` from the experiment folders in `root`; returns its path. */
export async function writeReportPage(root = RESULTS_ROOT): Promise<string> {
  const sections: ExperimentSection[] = [];
  const names: string[] = [];
  for await (const entry of Deno.readDir(root)) if (entry.isDirectory) names.push(entry.name);
  for (const name of names.sort()) {
    const section = await collectSection(join(root, name), name, name);
    if (section.figures.length || section.runs.length || section.files.length) sections.push(section);
  }
  const path = join(root, "index.html");
  await writeFileAtomic(path, reportPage(sections));
  return path;
}

/**
 * Rebuilds the page when `outDir` is a folder of the default results root (a test's or a
 * user's own --out elsewhere is left alone); returns the page's path, or null.
 */
export async function refreshReportPage(outDir: string): Promise<string | null> {
  if (resolve(dirname(outDir)) !== resolve(RESULTS_ROOT) || !basename(outDir)) return null;
  const exists = await Deno.stat(RESULTS_ROOT).then((s) => s.isDirectory, () => false);
  return exists ? await writeReportPage(RESULTS_ROOT) : null;
}

/** What every task prints last: where its results can be read. */
export async function printReportPage(outDir: string): Promise<void> {
  const page = await refreshReportPage(outDir);
  if (page) console.log(`report: ${page} (open it in a browser)`);
}
