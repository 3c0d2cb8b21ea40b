/**
 * The results table: accuracy per method under each perturbation, as JSON rows and as markdown.
 * The headline table has clean accuracy and FGSM / PGD accuracy at ε ∈ {0.1, 0.2, 0.3} (those of
 * the evaluated grid, else its three largest ε); the full tables give every ε of the grid for each
 * perturbation.
 */
import { type AttackName, ATTACKS } from "./evaluate.ts";
import { METHOD_LABELS } from "./methods.ts";
import type { MethodResult } from "./results.ts";

export const HEADLINE_EPSILONS = [0.1, 0.2, 0.3];

export interface TableRow {
  method: string;
  label: string;
  clean: number;
  /** attack → ε (as written in the grid) → accuracy. */
  accuracy: Record<AttackName, Record<string, number>>;
  /** Lowest per-class PGD accuracy at the largest ε not above the training ε (class-imbalance view). */
  worstClassPgd: { epsilon: number; accuracy: number; className: string } | null;
}

function sameEpsilon(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

function worstClassPgd(result: MethodResult): TableRow["worstClassPgd"] {
  const pgdRows = result.final.evaluation.filter((r) =>
    r.attack === "pgd" && r.epsilon <= result.config.trainEpsilon + 1e-9
  );
  if (pgdRows.length === 0) return null;
  const row = pgdRows.reduce((a, b) => (b.epsilon > a.epsilon ? b : a));
  const perClass = row.correctPerClass.map((c, k) => (row.countPerClass[k] > 0 ? c / row.countPerClass[k] : Infinity));
  const worst = perClass.indexOf(Math.min(...perClass));
  return {
    epsilon: row.epsilon,
    accuracy: perClass[worst],
    className: result.final.classNames[worst] ?? String(worst),
  };
}

export function tableRows(results: MethodResult[]): TableRow[] {
  return results.map((result) => {
    const accuracy = Object.fromEntries(ATTACKS.map((a) => [a, {} as Record<string, number>])) as TableRow["accuracy"];
    for (const row of result.final.evaluation) accuracy[row.attack][String(row.epsilon)] = row.accuracy;
    return {
      method: result.config.method,
      label: METHOD_LABELS[result.config.method],
      clean: result.final.cleanAccuracy,
      accuracy,
      worstClassPgd: worstClassPgd(result),
    };
  });
}

const percent = (v: number | undefined) => (v === undefined ? "–" : (100 * v).toFixed(1));

function markdownGrid(header: string[], body: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? "---" : "---:"))), ...body.map(line)].join("\n");
}

const ATTACK_TITLES: Record<AttackName, string> = {
  gaussian: "Gaussian noise σ = ε (a corruption, not an attack)",
  fgsm: "FGSM",
  pgd: "PGD",
};

export function markdownTables(results: MethodResult[]): string {
  const rows = tableRows(results);
  if (rows.length === 0) return "No results.\n";
  const c = results[0].config;
  const grid = [...new Set(results.flatMap((r) => r.final.evaluation.map((e) => e.epsilon)))].sort((a, b) => a - b);
  const standard = HEADLINE_EPSILONS.filter((e) => grid.some((g) => sameEpsilon(g, e)));
  // Grids without MNIST's 0.1/0.2/0.3 (e.g. CIFAR-10's 8/255) show their three largest ε instead.
  const headline = standard.length > 0 ? standard : grid.filter((e) => e > 0).slice(-3);
  const showWorst = c.imbalance > 1;
  const headlineTable = markdownGrid(
    [
      "method",
      "clean",
      ...headline.map((e) => `FGSM ε=${e}`),
      ...headline.map((e) => `PGD-${c.evalSteps} ε=${e}`),
      ...(showWorst ? ["worst-class PGD"] : []),
    ],
    rows.map((r) => [
      r.label,
      percent(r.clean),
      ...headline.map((e) => percent(r.accuracy.fgsm[String(e)])),
      ...headline.map((e) => percent(r.accuracy.pgd[String(e)])),
      ...(showWorst
        ? [r.worstClassPgd ? `${percent(r.worstClassPgd.accuracy)} (${r.worstClassPgd.className})` : "–"]
        : []),
    ]),
  );
  const full = (["pgd", "fgsm", "gaussian"] as const).map((attack) =>
    `### ${ATTACK_TITLES[attack]}\n\n` +
    markdownGrid(
      ["method", ...grid.map((e) => `ε=${e}`)],
      rows.map((r) => [r.label, ...grid.map((e) => percent(r.accuracy[attack][String(e)]))]),
    )
  );
  return [
    `## Accuracy (%) on ${results[0].final.evaluation[0].n} ${c.dataset} test images, ε in [0, 1] pixel units`,
    "",
    `Training ε = ${c.trainEpsilon} (${c.trainSteps} steps), ${c.trainSize} training images` +
    `${c.imbalance > 1 ? ` (long-tailed, ρ = ${c.imbalance})` : ""}, ${c.epochs} epochs; ` +
    `PGD-${c.evalSteps} evaluation with ${c.evalRestarts} random start(s), step ${c.evalStepFactor}ε/${c.evalSteps}; ` +
    "an example broken at a smaller ε counts as broken at larger ones." +
    (c.imbalance === 1 && results.some((r) => r.config.method === "robal")
      ? " On this balanced training set the reweighted method's class weights are all 1: it is PGD AT."
      : ""),
    "",
    headlineTable,
    "",
    ...full.flatMap((t) => [t, ""]),
  ].join("\n");
}
