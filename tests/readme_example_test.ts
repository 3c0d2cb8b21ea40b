/** The README's quick-start experiment is the file examples/first_experiment.ts, and it really runs. */
import assert from "node:assert/strict";

Deno.test("the README shows examples/first_experiment.ts verbatim", async () => {
  const readme = await Deno.readTextFile("README.md");
  const example = await Deno.readTextFile("examples/first_experiment.ts");
  assert.ok(
    readme.includes("```ts\n" + example + "```"),
    "update the README's example block from examples/first_experiment.ts",
  );
});

Deno.test("the README example trains and writes its JSON and SVG", async () => {
  const out = await Deno.makeTempDir();
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "examples/first_experiment.ts", "--quick", "--epochs", "1", "--backend", "wasm", "--out", out],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(p.success, new TextDecoder().decode(p.stderr));
  const result = JSON.parse(await Deno.readTextFile(`${out}/mlp.json`));
  assert.equal(result.history.length, 1);
  assert.ok(result.final.testAccuracy > 0.5, `testAccuracy ${result.final.testAccuracy}`);
  assert.match(await Deno.readTextFile(`${out}/loss.svg`), /^<\?xml[\s\S]*<svg/);
});
