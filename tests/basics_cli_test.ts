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
      "--model",
      "--style",
      "--samples",
      "--epochs",
      "--low-init",
      "--quick",
      "--seed",
      "--backend",
      "--out",
    ]
  ) {
    assert.ok(stdout.includes(flag), `--help lacks ${flag}`);
  }
  assert.match(stdout, /--model <string>.*\[linreg\|logreg\|mlp\|cnn\|all\] \(default: all\)/);
  assert.match(stdout, /--out <string>.*\(default: results\/basics\)/);
});

Deno.test("basics rejects bad flags with status 2 and says why", async () => {
  const cases: [string[], RegExp][] = [
    [["--model", "resnet"], /--model: 'resnet' is not one of linreg, logreg, mlp, cnn, all/],
    [["--style", "mid"], /--style: 'mid' is not one of high, low, both/],
    [["--samples", "70000"], /--samples: must be in 0\.\.60000/],
    [["--validation-split", "1"], /--validation-split: must be in \(0, 1\)/],
    [["--no-such-flag"], /no-such-flag/],
  ];
  for (const [args, reason] of cases) {
    const { code, stderr } = await runScript(...args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, reason);
  }
});
