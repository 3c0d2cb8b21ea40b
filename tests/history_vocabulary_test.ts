/**
 * One vocabulary across experiments: every task's run JSON (each run in a small --quick form) has
 * history rows with the shared keys of lib/train's HistoryRow — `epoch` or `step`, `lr`,
 * `trainLoss`, `trainAccuracy`, `validation*` / `test*`, `seconds` — and none of the synonyms the
 * experiments used to write (`loss`, `val_loss`, `learningRate`, `samples`, …) anywhere in a result.
 */
import assert from "node:assert/strict";

const SHARED = new Set([
  "epoch",
  "step",
  "lr",
  "trainLoss",
  "trainAccuracy",
  "validationLoss",
  "validationAccuracy",
  "testLoss",
  "testAccuracy",
  "seconds",
]);
/** Experiment-specific columns beside the shared ones (not synonyms of them). */
const EXTRA: Record<string, string[]> = { adversarial: ["guardPgdAccuracy"] };
/** Bare names stand for train or test metrics only as keys of `final` (elsewhere, e.g. accuracy at an ε, they are fine). */
const BARE = ["loss", "accuracy"];
const SYNONYMS = [
  "val_loss",
  "val_accuracy",
  "test_loss",
  "test_accuracy",
  "validation_loss",
  "learningRate",
  "learning_rate",
  "samples",
  "testSamples",
  "trainImages",
  "testImages",
  "validationFraction",
  "nSamples",
];

const TASKS: [string, string[]][] = [
  ["siamese-grid", ["--quick"]],
  ["basics", ["--quick", "--models", "linreg,logreg"]],
  ["uva-mlp-scratch", ["--quick"]],
  ["uva-mlp", ["--quick"]],
  ["uva-convnet", ["--quick", "--max-steps", "4", "--eval-freq", "2", "--eval-images", "200"]],
  ["adversarial", ["--quick", "--methods", "standard,fgsm", "--epsilons", "0,0.1"]],
  ["cnn-scratch", ["--quick", "--models", "small"]],
];

async function jsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) out.push(...await jsonFiles(path));
    else if (e.name.endsWith(".json")) out.push(path);
  }
  return out;
}

/** Every object key in a JSON value, with its path. */
function keysOf(value: unknown, path: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) value.forEach((v, i) => keysOf(v, `${path}[${i}]`, out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.push([k, `${path}.${k}`]);
      keysOf(v, `${path}.${k}`, out);
    }
  }
  return out;
}

for (const [task, args] of TASKS) {
  Deno.test(`${task}: history rows use the shared keys, results no synonyms`, async () => {
    const out = await Deno.makeTempDir();
    const p = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", task, ...args, "--out", out],
      stdout: "piped",
      stderr: "piped",
      env: { DENO_WEBGPU_BACKEND: "vulkan" },
    }).output();
    assert.ok(p.success, new TextDecoder().decode(p.stderr).slice(-2000));
    const results = [];
    for (const file of await jsonFiles(out)) {
      const json = JSON.parse(await Deno.readTextFile(file));
      if (json.schema === "tsdl-result/1") results.push({ file, json });
    }
    assert.ok(results.some((r) => r.json.history.length > 0), `${task}: no run result with a history in ${out}`);
    const allowed = new Set([...SHARED, ...(EXTRA[task] ?? [])]);
    for (const { file, json } of results) {
      for (const [i, row] of (json.history as Record<string, unknown>[]).entries()) {
        const where = `${file} history[${i}]`;
        assert.ok(("epoch" in row) !== ("step" in row), `${where}: exactly one of epoch or step`);
        for (const key of ["lr", "trainLoss", "seconds"]) assert.equal(typeof row[key], "number", `${where}: ${key}`);
        const odd = Object.keys(row).filter((k) => !allowed.has(k));
        assert.deepEqual(odd, [], `${where}: keys outside the shared vocabulary`);
      }
      const synonyms = keysOf(json, "").filter(([k]) => SYNONYMS.includes(k)).map(([, p]) => p);
      assert.deepEqual(synonyms, [], `${file}: synonyms of shared names`);
      const bare = Object.keys(json.final ?? {}).filter((k) => BARE.includes(k));
      assert.deepEqual(bare, [], `${file}: final metrics named without their split`);
    }
  });
}
