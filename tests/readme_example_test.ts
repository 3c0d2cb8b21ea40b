/**
 * The README's "Your own experiment" scripts are the files in examples/, shown verbatim, and they
 * really run: the Keras-style CNN (≤ 30 lines of code), the low-level MLP, and the custom FGSM step.
 */
import assert from "node:assert/strict";

const SHOWN = ["examples/keras_mnist.ts", "examples/first_experiment.ts"];

async function runExample(file: string, out: string, ...extra: string[]): Promise<void> {
  const p = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", file, "--quick", "--epochs", "1", "--backend", "wasm", "--out", out, ...extra],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(p.success, new TextDecoder().decode(p.stderr));
}

const isSvg = async (path: string) => assert.match(await Deno.readTextFile(path), /^<\?xml[\s\S]*<svg/);

Deno.test("the README shows the Keras-style and the low-level example verbatim", async () => {
  const readme = await Deno.readTextFile("README.md");
  for (const file of SHOWN) {
    assert.ok(
      readme.includes("```ts\n" + await Deno.readTextFile(file) + "```"),
      `update the README's copy of ${file}`,
    );
  }
});

Deno.test("the Keras-style example is at most 30 lines of code", async () => {
  const code = (await Deno.readTextFile("examples/keras_mnist.ts")).split("\n")
    .filter((line) => line.trim() !== "" && !line.trim().startsWith("//"));
  assert.ok(code.length <= 30, `${code.length} lines of code`);
});

Deno.test("the Keras-style example trains and writes its JSON, figures and weights", async () => {
  const out = await Deno.makeTempDir();
  await runExample("examples/keras_mnist.ts", out);
  const result = JSON.parse(await Deno.readTextFile(`${out}/cnn.json`));
  assert.equal(result.history.length, 1);
  assert.ok(result.final.testAccuracy > 0.5, `testAccuracy ${result.final.testAccuracy}`);
  await isSvg(`${out}/confusion.svg`);
  await isSvg(`${out}/curves.svg`);
  assert.ok((await Deno.stat(`${out}/cnn.safetensors`)).size > 18_000 * 4);
});

Deno.test("the low-level example trains and writes its JSON and SVG", async () => {
  const out = await Deno.makeTempDir();
  await runExample("examples/first_experiment.ts", out);
  const result = JSON.parse(await Deno.readTextFile(`${out}/mlp.json`));
  assert.equal(result.history.length, 1);
  assert.ok(result.final.testAccuracy > 0.5, `testAccuracy ${result.final.testAccuracy}`);
  await isSvg(`${out}/curves.svg`);
});

Deno.test("the custom-step example trains on FGSM batches and scores clean and attacked accuracy", async () => {
  const out = await Deno.makeTempDir();
  await runExample("examples/fgsm_training.ts", out, "--epsilon", "0.2");
  const { final } = JSON.parse(await Deno.readTextFile(`${out}/fgsm.json`));
  assert.ok(final.testAccuracy > 0.3, `clean accuracy ${final.testAccuracy}`);
  assert.ok(final.fgsmTestAccuracy < final.testAccuracy, "the attack should cost accuracy");
});
