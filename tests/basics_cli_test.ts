/** The basics script's command line: --help lists every flag with its default; bad values exit 2 with the reason. */
import assert from "node:assert/strict";

async function runScript(...args: string[]) {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", "scripts/basics/main.ts", ...args],
    stdout: "piped",
    stderr: "piped",
  });
  const { code, stdout, stderr } = await command.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code, stdout: decode(stdout), stderr: decode(stderr) };
}

Deno.test("basics --help lists the flags and their defaults", async () => {
  const { code, stdout } = await runScript("--help");
  assert.equal(code, 0);
  for (
    const flag of [
      "--models",
      "--style",
      "--train-size",
      "--test-size",
      "--epochs",
      "--batch-size",
      "--lr",
      "--validation-split",
      "--low-init",
      "--quick",
      "--seed",
      "--backend",
      "--out",
    ]
  ) {
    assert.ok(stdout.includes(flag), `--help lacks ${flag}`);
  }
  assert.match(stdout, /--models <a,b,…>.*\[linreg\|logreg\|mlp\|cnn\|all\] \(default: linreg,logreg,mlp,cnn\)/);
  assert.match(stdout, /--train-size <int>.*\(default: 1000\)/);
  assert.match(stdout, /--test-size <int>.*\(default: 10000\)/);
  assert.match(stdout, /--epochs <int>.*\(default: 10\)/);
  assert.match(stdout, /--lr <number>.*\(default: 0\.01\)/);
  assert.doesNotMatch(stdout, /undefined/);
  assert.match(stdout, /--out <string>.*\(default: results\/basics\)/);
});

Deno.test("basics rejects bad flags with status 2 and says why", async () => {
  const cases: [string[], RegExp][] = [
    [["--models", "mlp,resnet"], /--models: 'resnet' is not one of linreg, logreg, mlp, cnn, all/],
    [["--model", "mlp"], /unknown flag --model \(did you mean --models\?\)/],
    [["--style", "mid"], /--style: 'mid' is not one of high, low, both/],
    [["--train-size", "70000"], /--train-size: must be in 1\.\.60000/],
    [["--test-size", "20000"], /--test-size: must be in 0\.\.10000/],
    [["--samples", "300"], /unknown flag --samples/],
    [["--validation-split", "1"], /--validation-split: must be in \(0, 1\)/],
    [["--no-such-flag"], /no-such-flag/],
  ];
  for (const [args, reason] of cases) {
    const { code, stderr } = await runScript(...args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, reason);
  }
});
