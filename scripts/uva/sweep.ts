/**
 * uva-mlp --sweep: the modifications Question 2.1 asks students to try, one change (or a small
 * combination) at a time from the handout's default MLP, each a full training run, then a
 * comparison table. The list follows what public solutions report trying (see
 * shared/research/anchors.md §2): Adam instead of SGD, tanh instead of ELU (Question 2.2), width and
 * depth, batch/layer normalisation, dropout, weight decay, momentum, more steps.
 *
 * Each variant's result is written as it completes (sweep/<name>.json) and reused by a rerun with
 * the same configuration, so an interrupted sweep resumes where it stopped.
 */
import { readJsonIfExists } from "../../lib/report/atomic.ts";
import type { RunResult } from "../../lib/report/results.ts";
import type { ExperimentSetup } from "./experiment.ts";
import { type MlpRunConfig, trainMlp } from "./mlp_run.ts";
import { datasetConfig, writeStepResult } from "./experiment.ts";
import { formatRow, type HistoryRow } from "../../lib/train/loop.ts";

export interface SweepVariant {
  name: string;
  /** What changes from the base configuration. */
  changes: Partial<MlpRunConfig>;
  why: string;
}

const WIDE = [512, 256];

export const SWEEP_VARIANTS: SweepVariant[] = [
  { name: "default", changes: {}, why: "the handout's defaults: [100], ELU, SGD lr 1e-3" },
  { name: "tanh", changes: { activation: "tanh" }, why: "Question 2.2: tanh instead of ELU" },
  { name: "sgd-momentum", changes: { momentum: 0.9 }, why: "SGD with momentum 0.9" },
  { name: "adam", changes: { optimizer: "adam" }, why: "Adam, lr 1e-3" },
  { name: "adam-512-256", changes: { optimizer: "adam", hidden: WIDE }, why: "Adam, two wider hidden layers" },
  {
    name: "adam-512-256-batchnorm",
    changes: { optimizer: "adam", hidden: WIDE, norm: "batch" },
    why: "+ BatchNorm after each hidden Linear",
  },
  {
    name: "adam-512-256-layernorm",
    changes: { optimizer: "adam", hidden: WIDE, norm: "layer-custom" },
    why: "+ LayerNorm (custom-gradient op)",
  },
  {
    name: "adam-512-256-dropout",
    changes: { optimizer: "adam", hidden: WIDE, dropout: 0.2 },
    why: "+ dropout 0.2 after each activation",
  },
  {
    name: "adam-512-256-wd",
    changes: { optimizer: "adam", hidden: WIDE, weightDecay: 1e-4 },
    why: "+ L2 weight decay 1e-4",
  },
  {
    name: "adam-512-256-batchnorm-long",
    changes: { optimizer: "adam", hidden: WIDE, norm: "batch", dropout: 0.2, maxSteps: 5000 },
    why: "BatchNorm + dropout 0.2, 5000 steps",
  },
];

export interface SweepRow extends HistoryRow {
  variant: string;
}

export interface SweepVariantResult {
  name: string;
  why: string;
  changes: Partial<MlpRunConfig>;
  testAccuracy: number;
  testLoss: number;
  steps: number;
  parameters: number;
  seconds: number;
}

export interface SweepFinal {
  variants: SweepVariantResult[];
  best: string;
}

type VariantResult = RunResult<
  MlpRunConfig & { dataset: string },
  HistoryRow,
  { testAccuracy: number; testLoss: number; steps: number; parameters: number }
>;

function sameConfig(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Runs (or reuses) every variant; returns the rows and the comparison table. */
export async function runSweep(
  setup: ExperimentSetup,
  base: MlpRunConfig,
  outDir: string,
  opts: { quick: boolean; variants?: SweepVariant[] },
): Promise<{ history: SweepRow[]; final: SweepFinal }> {
  const variants = opts.variants ?? SWEEP_VARIANTS, history: SweepRow[] = [], table: SweepVariantResult[] = [];
  for (const [i, v] of variants.entries()) {
    const changes = opts.quick ? { ...v.changes, maxSteps: base.maxSteps } : v.changes;
    const cfg: MlpRunConfig = { ...base, ...changes };
    const config = { ...datasetConfig(setup), ...cfg, quick: opts.quick };
    const path = `${outDir}/sweep/${v.name}.json`;
    let result = await readJsonIfExists<VariantResult>(path);
    if (result && sameConfig(result.config, config)) {
      console.log(`[${i + 1}/${variants.length}] ${v.name}: reusing ${path}`);
    } else {
      console.log(`[${i + 1}/${variants.length}] ${v.name}: ${v.why}`);
      const started = performance.now();
      const run = await trainMlp(setup, cfg, `${v.name}, ${cfg.evalFreq} steps/evaluation,`);
      const last = run.history[run.history.length - 1];
      result = await writeStepResult(path, {
        experiment: "uva-mlp",
        run: `sweep-${v.name}`,
        seconds: (performance.now() - started) / 1000,
        config,
        setup,
        history: run.history,
        final: {
          testAccuracy: last.testAccuracy ?? NaN,
          testLoss: last.testLoss ?? NaN,
          steps: last.step ?? 0,
          parameters: run.parameters,
          stopped: run.stopped,
        },
        notes: [v.why, `model: ${run.model}`],
      }) as VariantResult;
      console.log(`  step ${last.step}: ${formatRow(last)}`);
    }
    history.push(...result.history.map((r) => ({ variant: v.name, ...r })));
    table.push({
      name: v.name,
      why: v.why,
      changes,
      testAccuracy: result.final.testAccuracy,
      testLoss: result.final.testLoss,
      steps: result.final.steps,
      parameters: result.final.parameters,
      seconds: result.seconds,
    });
  }
  const best = table.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  return { history, final: { variants: table, best: `${best.name} (${(100 * best.testAccuracy).toFixed(2)}%)` } };
}
