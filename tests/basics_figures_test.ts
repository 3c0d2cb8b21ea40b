/**
 * writeFigures(outDir) rebuilds the basics figures and summary from the run JSONs alone, the same
 * way every time, and fails clearly on a folder without runs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { writeResult } from "../lib/report/results.ts";
import { disposeExamples, lineExamples } from "../scripts/basics/examples.ts";
import { runVariant, type VariantConfig } from "../scripts/basics/run_variant.ts";
import { runPath } from "../scripts/basics/run_files.ts";
import { writeFigures } from "../scripts/basics/figures.ts";
import type { BasicsSummary } from "../scripts/basics/summary_table.ts";
import { STYLE_NAMES } from "../scripts/basics/models.ts";

const backend = await initBackend("wasm");

Deno.test("writeFigures regenerates curves and the summary from the JSON alone", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "basics-figures-" });
  try {
    const config: Omit<VariantConfig, "style"> = {
      model: "linreg",
      trainSize: 50,
      validationSplit: 0.2,
      epochs: 3,
      batchSize: 5,
      lr: 0.01,
      lowInit: "pytorch",
      testSize: 0,
      linregNoise: 0.1,
      seed: 1,
      quick: true,
    };
    const train = lineExamples(config.trainSize, config.linregNoise, new Rng(2));
    for (const style of STYLE_NAMES) {
      const result = await runVariant({ ...config, style }, { train, test: null }, backend, { silent: true });
      await writeResult(runPath(outDir, "linreg", style), result);
    }
    disposeExamples(train);

    const written = await writeFigures(outDir);
    assert.deepEqual(written.map((p) => p.slice(outDir.length + 1)), [
      "linreg-curves.svg",
      "summary.json",
      "summary.md",
      "runs.csv",
      "history.csv",
    ]);
    const svg = await Deno.readTextFile(join(outDir, "linreg-curves.svg"));
    assert.match(svg, /^<\?xml[^>]*>\n<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<g stroke-dasharray="5,3"[^>]*aria-label="line"/, "the low-level style's dashed line");
    assert.match(svg, /linear regression 1→1 · 40\/10 rows/);

    const summary: BasicsSummary = JSON.parse(await Deno.readTextFile(join(outDir, "summary.json")));
    assert.deepEqual(summary.rows.map((r) => `${r.model}-${r.style}`), ["linreg-high", "linreg-low"]);
    assert.equal(summary.comparison.length, 1);
    assert.equal(summary.comparison[0].metric, "validationLoss");
    assert.ok(Math.abs(summary.comparison[0].difference) < 1e-5);
    assert.match(await Deno.readTextFile(join(outDir, "summary.md")), /\| linreg \| high \| 2 \| 40\/10 \| 3 \| 5 \|/);

    await Deno.remove(join(outDir, "linreg-curves.svg"));
    await writeFigures(outDir);
    assert.equal(await Deno.readTextFile(join(outDir, "linreg-curves.svg")), svg);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeFigures on a folder without runs says what to do", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "basics-empty-" });
  try {
    await assert.rejects(() => writeFigures(outDir), /no basics runs .* run 'deno task basics' first/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("writeFigures rejects a run written with the old keys instead of drawing empty curves", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "basics-old-keys-" });
  try {
    const old = {
      experiment: "basics",
      config: { model: "linreg", style: "high", samples: 100, learningRate: 0.01 },
      history: [{ epoch: 1, seconds: 0.1, loss: 0.5, val_loss: 0.4 }],
      final: { loss: 0.5, val_loss: 0.4, stopped: null },
    };
    await Deno.writeTextFile(runPath(outDir, "linreg", "high"), JSON.stringify(old));
    await assert.rejects(() => writeFigures(outDir), /linreg-high\.json uses the old result keys .* rerun/);
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});
