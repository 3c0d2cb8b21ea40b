/**
 * The whole experiment: data → for each method, train (or reuse a finished run with the same
 * config) → evaluate over ε → one results file per method → table and figures. A method's JSON is
 * written only when it is complete, so an interrupted run resumes at the first unfinished method.
 */
import type { BackendInfo, tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { loadState, saveState } from "../../lib/nn/state.ts";
import { readJsonIfExists, writeJsonAtomic } from "../../lib/report/atomic.ts";
import { environment, writeResult } from "../../lib/report/results.ts";
import type { ExperimentConfig } from "./config.ts";
import { type ExperimentData, prepareData } from "./data.ts";
import { evaluateRobustness } from "./evaluate.ts";
import { writeFigures } from "./figures.ts";
import { LeNet } from "./lenet.ts";
import { type Method, METHODS } from "./methods.ts";
import { experimentNotes } from "./notes.ts";
import {
  buildMethodResult,
  EXPERIMENT,
  type MethodConfig,
  type MethodResult,
  methodResultPath,
  SUMMARY_SCHEMA,
  summaryPath,
} from "./results.ts";
import { markdownTables, tableRows } from "./table.ts";
import { trainMethod } from "./train_method.ts";

export interface ExperimentOptions {
  config: ExperimentConfig;
  methods: Method[];
  outDir: string;
  /** Ignore finished runs in outDir. */
  fresh: boolean;
  backend: BackendInfo;
  log?: (line: string) => void;
}

export interface ExperimentOutput {
  results: MethodResult[];
  table: string;
  files: string[];
}

function newModel(data: ExperimentData, config: ExperimentConfig): LeNet {
  // One initialisation for every method, so differences come from training alone.
  return new LeNet(
    { ...data.imageShape, classes: data.classNames.length, widthFactor: config.widthFactor },
    Rng.derive(config.seed, "init"),
  );
}

/** Copies every parameter and buffer of `from` into `to` (same architecture). */
function copyState(from: LeNet, to: LeNet): void {
  const source = new Map(from.namedState());
  for (const [name, v] of to.namedState()) v.assign(source.get(name)!);
}

function weightsPath(outDir: string, method: Method): string {
  return `${outDir}/${method}.safetensors`;
}

class Runner {
  #standard: LeNet | null = null;
  readonly #data: ExperimentData;
  readonly #opts: ExperimentOptions;
  readonly #log: (line: string) => void;

  constructor(data: ExperimentData, opts: ExperimentOptions) {
    this.#data = data;
    this.#opts = opts;
    this.#log = opts.log ?? ((line) => console.error(line));
  }

  methodConfig(method: Method): MethodConfig {
    return { ...this.#opts.config, method };
  }

  /** A finished run of `method` with exactly this config, or null. */
  async finished(method: Method): Promise<MethodResult | null> {
    if (this.#opts.fresh) return null;
    const old = await readJsonIfExists<MethodResult>(methodResultPath(this.#opts.outDir, method));
    return old && JSON.stringify(old.config) === JSON.stringify(this.methodConfig(method)) ? old : null;
  }

  /** The standard-trained model, the perceptual method's frozen feature extractor. */
  async standardModel(): Promise<LeNet> {
    if (this.#standard) return this.#standard;
    const model = newModel(this.#data, this.#opts.config);
    const path = weightsPath(this.#opts.outDir, "standard");
    const wanted = JSON.stringify(this.methodConfig("standard"));
    const saved = this.#opts.fresh ? null : await loadState(model, path).catch(() => null);
    if (saved?.config === wanted) {
      this.#log(`feature extractor: standard-trained weights from ${path}`);
    } else {
      this.#log("feature extractor: training the standard model first");
      await trainMethod("standard", model, this.#data.train, this.#data.test, this.context("standard", null));
      await saveState(model, path, { config: wanted });
    }
    this.#standard = model;
    return model;
  }

  context(method: Method, extractor: LeNet | null) {
    return {
      config: this.#opts.config,
      rng: Rng.derive(this.#opts.config.seed, method, "attack"),
      trainClassCounts: this.#data.trainClassCounts,
      extractor: extractor ? (x: tf.Tensor) => extractor.features(x) : null,
      stepsPerEpoch: Math.ceil(this.#data.train.n / this.#opts.config.batchSize),
    };
  }

  async run(method: Method): Promise<MethodResult> {
    const { config, outDir } = this.#opts;
    const extractor = method === "perceptual" ? await this.standardModel() : null; // trained first, frozen
    const model = newModel(this.#data, config);
    if (config.init === "standard" && method !== "standard") copyState(await this.standardModel(), model);
    const trained = await trainMethod(
      method,
      model,
      this.#data.train,
      this.#data.test,
      this.context(method, extractor),
    );
    if (trained.stopped) this.#log(`${method}: ${trained.stopped}; kept the weights of epoch ${trained.keptEpoch}`);
    await saveState(model, weightsPath(outDir, method), { config: JSON.stringify(this.methodConfig(method)) });
    const evalStarted = performance.now();
    const classify = (x: tf.Tensor) => model.forward(x);
    const evaluation = await evaluateRobustness(
      classify,
      this.#data.test,
      this.#data.classNames.length,
      config,
      method,
    );
    const result = buildMethodResult({
      config: this.methodConfig(method),
      environment: environment(this.#opts.backend),
      trained,
      evaluation,
      evalSeconds: (performance.now() - evalStarted) / 1000,
      trainClassCounts: this.#data.trainClassCounts,
      classNames: this.#data.classNames,
      parameters: model.parameterCount(),
      notes: [`data: ${this.#data.provenance}`, ...experimentNotes(config, method)],
    });
    await writeResult(methodResultPath(outDir, method), result);
    if (method === "standard") this.#standard = model;
    else model.dispose();
    return result;
  }

  dispose(): void {
    this.#standard?.dispose();
  }
}

export async function runExperiment(requested: ExperimentOptions): Promise<ExperimentOutput> {
  const methods = METHODS.filter((m) => requested.methods.includes(m)); // standard before perceptual
  const data = await prepareData(requested.config);
  // Record the dataset actually used (--dataset auto resolves here).
  const opts = { ...requested, config: { ...requested.config, dataset: data.dataset } };
  const runner = new Runner(data, opts);
  const results: MethodResult[] = [];
  try {
    for (const method of methods) {
      const old = await runner.finished(method);
      if (old) {
        (opts.log ?? console.error)(`${method}: reusing the finished run in ${methodResultPath(opts.outDir, method)}`);
      }
      results.push(old ?? await runner.run(method));
    }
  } finally {
    runner.dispose();
    data.dispose();
  }
  const summary = summaryPath(opts.outDir);
  await writeJsonAtomic(summary, {
    schema: SUMMARY_SCHEMA,
    experiment: EXPERIMENT,
    config: opts.config,
    methods,
    rows: tableRows(results),
  });
  const written = await writeFigures(opts.outDir); // table.md and the SVGs, from the files just written
  return {
    results,
    table: markdownTables(results),
    files: [...results.map((r) => methodResultPath(opts.outDir, r.config.method)), summary, ...written],
  };
}
