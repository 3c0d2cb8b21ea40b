/**
 * deno task uva-layernorm — UvA practical 1, Question 3: layer normalisation (a) as a module of
 * autodiff ops with an input-shape check and (b) as a custom op with a hand-derived backward;
 * (b) is checked against finite differences and against (a), and the maximum errors printed.
 * Exits with status 1 if any check fails.
 */
import { type BackendChoice, describeBackend, initBackend } from "../../lib/tf.ts";
import { cli, commonFlags, flag, type FlagSpecs } from "../../lib/cli/args.ts";
import { above, between } from "../../lib/cli/checks.ts";
import { environment, makeResult, writeResult } from "../../lib/report/results.ts";
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, runLayerNormChecks } from "./layernorm_check.ts";
import { writeFigures } from "./figures.ts";
import { printReportPage } from "../../lib/report/page.ts";

const EXPERIMENT = "uva-layernorm";
// No --quick: the checks take a second at the handout's size (use --rows/--features to change it).
const { quick: _quick, ...common } = commonFlags(EXPERIMENT);
const SPECS = {
  ...common,
  rows: flag({
    type: "int",
    default: 8,
    help: "batch size S of the test input (the handout's)",
    check: between(1, 4096),
  }),
  features: flag({
    type: "int",
    default: 128,
    help: "features M of the test input (the handout's)",
    check: between(2, 4096),
  }),
  eps: flag({ type: "number", default: 1e-5, help: "LayerNorm ε, in (0, 1]", check: above(0, 1) }),
  h: flag({
    type: "number",
    default: 1e-6,
    help: "finite-difference step of the float64 check, in (0, 0.1]",
    check: above(0, 0.1),
  }),
} satisfies FlagSpecs;

const flags = cli(
  SPECS,
  `deno task ${EXPERIMENT}`,
  "UvA practical 1, Q3: LayerNorm (a) autodiff module vs (b) custom op with a hand-derived backward, " +
    "checked against float64 finite differences and against each other.\n" +
    "tfjs is float32 only: the backward formulas are checked in float64 (plain TypeScript) against central " +
    `differences (tolerance: the larger of ${FLOAT64_TOLERANCE} and their estimated rounding error), on unit-scale ` +
    "inputs and on the handout's, then the tfjs op against those float64 values and against (a) " +
    `(tolerance ${FLOAT32_TOLERANCE}, a few hundred float32 ulps). --quick changes nothing: it already takes seconds.`,
);

const started = performance.now();
const backend = await initBackend(flags.backend as BackendChoice);
console.log(describeBackend(backend));
const config = { rows: flags.rows, features: flags.features, eps: flags.eps, h: flags.h, seed: flags.seed };
const final = await runLayerNormChecks(config);

const width = Math.max(...final.checks.map((c) => c.name.length));
console.log(`\n${"check".padEnd(width)}  max error   tolerance  ok`);
for (const c of final.checks) {
  console.log(
    `${c.name.padEnd(width)}  ${c.maxError.toExponential(2).padStart(9)}  ${
      c.tolerance.toExponential(0).padStart(9)
    }  ${c.passed ? "yes" : "NO"}`,
  );
}
console.log(`\nshape check on a [2, 3, ${flags.features}] input: ${final.shapeCheckMessage}`);
const rounding = final.finiteDifferenceRounding;
console.log(
  "\nhow: errors are max |a − b| / max(1, |b|). Finite differences (central, h = " + flags.h + ") run on a float64 " +
    "plain-TypeScript forward: float32 cannot support them (its rounding ε₃₂·|L|/h exceeds the derivatives). Their " +
    `estimated rounding error ε₆₄·Σ|∂L/∂Y·Y|/h is ${rounding.unitScale.toExponential(1)} on the unit-scale input and ` +
    `${
      rounding.handout.toExponential(1)
    } on the handout's (β_i = 100·i makes |L| large); each float64 tolerance is the larger of 1e-6 and its estimate. ` +
    "The tfjs ops are compared with the float64 formulas, and with each other, at float32 precision.",
);

const path = `${flags.out}/layernorm.json`;
await writeResult(
  path,
  makeResult({
    experiment: EXPERIMENT,
    run: `layernorm-${flags.rows}x${flags.features}-seed${flags.seed}`,
    seconds: (performance.now() - started) / 1000,
    config,
    environment: environment(backend),
    history: [],
    final,
    notes: [
      "Inputs as the handout's custom_layernorm.py: X = 2·N(0,1) + 10, γ_i = √(10·i), β_i = 100·i; cotangent U(±1).",
      "Stage 1 (float64): hand-derived backward formulas vs central finite differences on unit-scale and handout " +
      `inputs; tolerance max(${FLOAT64_TOLERANCE}, estimated rounding ε₆₄·Σ|∂L/∂Y·Y|/h).`,
      `Stage 2 (float32, tolerance ${FLOAT32_TOLERANCE}): tfjs custom op (b) vs float64 formulas and vs autodiff module (a).`,
      "tf.customGrad computes every input's gradient; (b) skips unrequested ones by taking only requested tensors as op inputs.",
    ],
  }),
);
const figures = await writeFigures(flags.out);
console.log(
  `\n${final.allPassed ? "all checks passed" : "SOME CHECKS FAILED"}; wrote ${path} and ${figures.join(", ")}`,
);
await printReportPage(flags.out);
if (!final.allPassed) Deno.exit(1);
