/**
 * Figures of `bench`, rebuilt from results/bench/latest.json alone:
 *   step_time.svg  milliseconds per training step of one seed-000 model, per engine (log axis:
 *                  the engines differ by orders of magnitude)
 *   matmul.svg     1024² matrix-product throughput per tfjs backend
 *   experiments.svg  milliseconds per training step of each experiment's model, per backend
 *   table.md       the numbers, with the grid projection
 */
import { barChart, type BarRow } from "../../lib/report/figures.ts";
import { readJsonIfExists, writeFileAtomic } from "../../lib/report/atomic.ts";
import type { Environment } from "../../lib/report/results.ts";

export interface BenchEntry {
  backend: string;
  /** Absent on entries that are not one engine's step time (the WebGPU lockstep engine's). */
  environment?: Environment;
  singleModelMsPerStep?: number;
  matMul1024Gflops?: number;
  projection?: { runs: number; oneProcessHours: number; allCoresHours: number; cores: number };
}

export interface BenchReport {
  schema: "tsdl-bench/1";
  createdAt: string;
  model: string;
  results: BenchEntry[];
  /** Per experiment model and backend (scripts/bench/experiments.ts). */
  experiments?: { name: string; backend: string; threads: number; batchSize: number; msPerStep: number }[];
  /** The same steps in PyTorch on one thread, when it was installed (pytorch_steps.py). */
  pytorchReference?: { name: string; msPerStep: number }[] | null;
}

/** The entries that time one engine's step of the seed-000 model. */
function stepEntries(report: BenchReport): (BenchEntry & { singleModelMsPerStep: number })[] {
  return report.results.filter((e): e is BenchEntry & { singleModelMsPerStep: number } =>
    typeof e.singleModelMsPerStep === "number"
  );
}

const ENGINE_LABELS: Record<string, string> = {
  native: "native engine (our wasm SIMD kernels)",
  wasm: "tfjs wasm (XNNPACK + our kernels)",
  cpu: "tfjs cpu (plain JS)",
  webgpu: "tfjs WebGPU",
};

function engineLabel(e: BenchEntry): string {
  const label = ENGINE_LABELS[e.backend] ?? e.backend;
  return e.backend === "webgpu" && e.environment?.adapterIsFallback ? `${label}, software adapter` : label;
}

function machine(report: BenchReport): string {
  const env = report.results.find((e) => e.environment)?.environment;
  return env ? `${env.os}, ${env.cpus} CPUs, Deno ${env.deno}; ${report.createdAt.slice(0, 10)}` : "";
}

export function stepTimeSvg(report: BenchReport): string {
  const rows: BarRow[] = stepEntries(report).map((e) => ({ label: engineLabel(e), value: e.singleModelMsPerStep }));
  return barChart(rows, {
    title: `Training step time: ${report.model}`,
    subtitle: `lower is better; ${machine(report)}`,
    xLabel: "milliseconds per step",
    xType: "log",
  });
}

export function matMulSvg(report: BenchReport): string | null {
  const rows: BarRow[] = report.results.filter((e) => e.matMul1024Gflops !== undefined)
    .map((e) => ({ label: engineLabel(e), value: e.matMul1024Gflops! }));
  if (rows.length === 0) return null;
  return barChart(rows, {
    title: "1024 × 1024 matrix product throughput per tfjs backend",
    subtitle: `higher is better; ${machine(report)}`,
    xLabel: "GFLOP/s",
    xType: "log",
  });
}

/** One group of bars per experiment model, one bar per backend (log axis: backends differ by decades). */
export function experimentsSvg(report: BenchReport): string | null {
  const timings = report.experiments ?? [];
  if (timings.length === 0) return null;
  const batch = new Map(timings.map((t) => [t.name, t.batchSize]));
  const rows: BarRow[] = timings.map((t) => ({
    label: `${t.name} (batch ${t.batchSize})`,
    group: `${ENGINE_LABELS[t.backend] ?? t.backend}, ${t.threads} thread${t.threads === 1 ? "" : "s"}`,
    value: t.msPerStep,
  }));
  for (const r of report.pytorchReference ?? []) {
    if (batch.has(r.name)) {
      rows.push({ label: `${r.name} (batch ${batch.get(r.name)})`, group: "PyTorch, 1 thread", value: r.msPerStep });
    }
  }
  return barChart(rows, {
    title: "Training step time of each experiment's model",
    subtitle: `lower is better; ${machine(report)}`,
    xLabel: "milliseconds per step",
    xType: "log",
  });
}

export function benchTable(report: BenchReport): string {
  const lines = [
    `# bench: ${report.model}`,
    "",
    `Measured ${report.createdAt} (${machine(report)}); wall-clock on a possibly shared machine.`,
    "",
    "| engine | ms per step | matMul 1024² GFLOP/s | full grid, one process | full grid, all cores |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...stepEntries(report).map((e) =>
      `| ${engineLabel(e)} | ${e.singleModelMsPerStep.toPrecision(3)} | ${
        e.matMul1024Gflops?.toPrecision(3) ?? "–"
      } | ${e.projection ? `${e.projection.oneProcessHours.toFixed(2)} h` : "–"} | ${
        e.projection ? `${(60 * e.projection.allCoresHours).toFixed(0)} min (${e.projection.cores} cores)` : "–"
      } |`
    ),
  ];
  const timings = report.experiments ?? [];
  if (timings.length) {
    lines.push(
      "",
      "## Each experiment's model",
      "",
      "| model | batch | backend | threads | ms per step | PyTorch, 1 thread | ratio |",
      "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
      ...timings.map((t) => {
        const torch = report.pytorchReference?.find((r) => r.name === t.name)?.msPerStep;
        return `| ${t.name} | ${t.batchSize} | ${ENGINE_LABELS[t.backend] ?? t.backend} | ${t.threads} | ${
          t.msPerStep.toPrecision(3)
        } | ${torch?.toPrecision(3) ?? "–"} | ${torch ? (t.msPerStep / torch).toFixed(2) : "–"} |`;
      }),
    );
  }
  return lines.join("\n") + "\n";
}

export async function writeFigures(outDir: string): Promise<string[]> {
  const report = await readJsonIfExists<BenchReport>(`${outDir}/latest.json`);
  if (!report || stepEntries(report).length === 0) return [];
  const written: string[] = [];
  const write = async (name: string, text: string) => {
    await writeFileAtomic(`${outDir}/${name}`, text);
    written.push(`${outDir}/${name}`);
  };
  await write("step_time.svg", stepTimeSvg(report));
  const matMul = matMulSvg(report);
  if (matMul) await write("matmul.svg", matMul);
  const perExperiment = experimentsSvg(report);
  if (perExperiment) await write("experiments.svg", perExperiment);
  await write("table.md", benchTable(report));
  return written;
}
