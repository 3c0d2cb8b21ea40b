/**
 * Command-line flags (lib/cli/args.ts): parsing, defaults, errors, help; and the real script's
 * behaviour as a subprocess (`--help` exits 0 listing every flag with its default, a bad flag or
 * value exits 2 with the usage).
 */
import assert from "node:assert/strict";
import { commonFlags, flag, parseFlags, positive, usage, UsageError, wasGiven } from "../lib/cli/args.ts";

const SPECS = {
  ...commonFlags("demo"),
  epochs: flag.int(20, "epochs per run", { check: positive }),
  lr: flag.number(1e-3, "learning rate", { check: positive }),
  k: flag.ints([3, 5], "kernel sizes"),
  alpha: flag.numbers([0, 0.5], "alphas"),
  names: flag.strings(["a"], "names"),
  mode: flag.string("fast", "mode", { choices: ["fast", "slow"] }),
  dropout: flag.number(0.2, "dropout", { check: (v) => (v >= 0 && v < 1) || "must be in [0, 1)" }),
  "no-aux": flag.boolean("no auxiliary loss"),
};

/** parseFlags with console.log silenced (help prints the usage); returns the result and what was printed. */
function parse(args: string[]) {
  const log = console.log, printed: string[] = [];
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    return { flags: parseFlags(SPECS, args, "deno task demo", "A demo."), printed: printed.join("\n") };
  } finally {
    console.log = log;
  }
}

function usageError(args: string[], ...patterns: RegExp[]) {
  assert.throws(() => parse(args), (e: unknown) => {
    assert.ok(e instanceof UsageError, `expected UsageError for ${args.join(" ")}, got ${e}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

Deno.test("parseFlags: defaults, every kind of value, both --flag value and --flag=value", () => {
  const d = parse([]).flags!;
  assert.deepEqual(d, {
    out: "results/demo",
    quick: false,
    seed: 0,
    backend: "auto",
    epochs: 20,
    lr: 1e-3,
    k: [3, 5],
    alpha: [0, 0.5],
    names: ["a"],
    mode: "fast",
    dropout: 0.2,
    "no-aux": false,
  });
  const f = parse([
    "--epochs",
    "3",
    "--lr=0.5",
    "--k",
    "3,5,7",
    "--alpha",
    " 0.25, 1 ",
    "--names",
    "x, y,,z",
    "--mode",
    "slow",
    "--quick",
    "--no-aux",
    "--seed=-4",
    "--backend",
    "cpu",
    "--out",
    "/tmp/o",
    "--dropout",
    "0",
  ]).flags!;
  assert.equal(f.epochs, 3);
  assert.equal(f.lr, 0.5);
  assert.deepEqual(f.k, [3, 5, 7]);
  assert.deepEqual(f.alpha, [0.25, 1]);
  assert.deepEqual(f.names, ["x", "y", "z"]);
  assert.equal(f.mode, "slow");
  assert.equal(f.quick, true);
  assert.equal(f["no-aux"], true);
  assert.equal(f.seed, -4);
  assert.equal(f.backend, "cpu");
  assert.equal(f.out, "/tmp/o");
  assert.equal(f.dropout, 0);
  assert.equal(parse(["--lr", "1e-4"]).flags!.lr, 1e-4, "scientific notation");
  assert.deepEqual(parse(["--k", "3"]).flags!.k, [3], "a one-element list");
});

Deno.test("parseFlags: --help returns null after printing every flag with its default", () => {
  const { flags, printed } = parse(["--help"]);
  assert.equal(flags, null);
  assert.equal(printed, usage("deno task demo", "A demo.", SPECS));
  for (const name of Object.keys(SPECS)) {
    assert.match(printed, new RegExp(`--${name}\\b`), `--${name} missing from help`);
  }
  assert.match(printed, /--epochs <int>\s+epochs per run \(default: 20\)/);
  assert.match(printed, /--k <a,b,…>\s+kernel sizes \(default: 3,5\)/);
  assert.match(printed, /--mode <string>\s+mode \[fast\|slow\] \(default: fast\)/);
  assert.match(printed, /--backend <string>.*\[auto\|webgpu\|wasm\|cpu\] \(default: auto\)/);
  assert.match(printed, /--help\s+show this help/);
  assert.match(printed, /^A demo\.\n\nUsage: deno task demo \[flags\]/);
});

Deno.test("parseFlags: unknown flags, positionals, bad numbers, choices and checks are UsageErrors naming the flag", () => {
  usageError(["--bogus"], /^unknown flag --bogus$/);
  usageError(["--epoch", "3"], /^unknown flag --epoch \(did you mean --epochs\?\)$/);
  usageError(["extra"], /extra|positional/i);
  usageError(["--epochs", "x"], /^--epochs: expected an integer, got 'x'$/);
  usageError(["--epochs", "1.5"], /--epochs: expected an integer/);
  usageError(["--epochs", ""], /--epochs: expected an integer/);
  usageError(["--epochs", "0"], /^--epochs: must be > 0$/);
  usageError(["--lr", "fast"], /^--lr: expected a number, got 'fast'$/);
  usageError(["--lr", "Infinity"], /--lr: expected a number/);
  usageError(["--lr=-1"], /^--lr: must be > 0$/);
  // node:util parseArgs would take "-1" after a flag for a missing value; the parser joins them.
  usageError(["--lr", "-1"], /^--lr: must be > 0$/);
  usageError(["--k", "3,x"], /--k: expected an integer, got '3,x'/);
  usageError(["--k", "3,,5"], /--k: expected an integer/);
  usageError(["--alpha", "0.5,oops"], /--alpha: expected a number/);
  usageError(["--mode", "medium"], /^--mode: 'medium' is not one of fast, slow$/);
  usageError(["--backend", "tpu"], /--backend: 'tpu' is not one of auto, webgpu, wasm, cpu/);
  usageError(["--dropout", "1"], /^--dropout: must be in \[0, 1\)$/);
  usageError(["--epochs"], /epochs/); // a value is required
  usageError(["--quick=yes"], /quick/); // booleans take no value
});

Deno.test("wasGiven distinguishes explicit flags from defaults", () => {
  const args = ["--epochs", "3", "--lr=0.1", "--no-aux"];
  assert.ok(wasGiven("epochs", args));
  assert.ok(wasGiven("lr", args));
  assert.ok(wasGiven("aux", args), "--no-aux counts as giving aux");
  assert.ok(!wasGiven("k", args));
  assert.ok(!wasGiven("epoch", args), "prefixes do not count");
});

// ------------------------------------------------------------------------ the real script

const SCRIPT = new URL("../scripts/siamese_grid/main.ts", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

async function runScript(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SCRIPT, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Flags the seed-000 grid script documents (the README's catalogue relies on them). */
const GRID_FLAGS = [
  "out",
  "quick",
  "seed",
  "backend",
  "study",
  "arch",
  "k",
  "channels",
  "hidden",
  "alpha",
  "rounds",
  "epochs",
  "batch-size",
  "lr",
  "gamma",
  "train-size",
  "test-size",
  "dropout",
  "no-sharing",
  "no-aux",
  "normalize",
  "fresh",
  "shard",
  "workers",
];

Deno.test("scripts/siamese_grid/main.ts --help exits 0 and lists every flag with its default", async () => {
  const { code, stdout, stderr } = await runScript("--help");
  assert.equal(code, 0, `exit ${code}; stderr: ${stderr}`);
  const lines = stdout.split("\n");
  const flagLines = lines.filter((l) => /^\s+--[\w-]+/.test(l));
  const listed = flagLines.map((l) => l.trim().split(/\s/)[0].slice(2));
  for (const name of GRID_FLAGS) assert.ok(listed.includes(name), `--${name} missing from --help:\n${stdout}`);
  assert.ok(listed.includes("help"));
  // Every flag that takes a value shows its default.
  for (const line of flagLines) {
    if (/^\s+--[\w-]+ </.test(line)) assert.match(line, /\(default: [^)]*\)/, `no default in: ${line}`);
  }
  assert.match(stdout, /--epochs <int>.*\(default: 20\)/);
  assert.match(stdout, /--lr <number>.*\(default: 0\.001\)/);
  assert.match(stdout, /--k <a,b,…>.*\(default: 3,5\)/);
  assert.match(stdout, /--backend <string>.*\(default: auto\)/);
  assert.match(stdout, /--seed <int>.*\(default: 0\)/);
});

Deno.test("scripts/siamese_grid/main.ts: an unknown flag or a bad value exits 2 with one line and a pointer to --help", async () => {
  const bogus = await runScript("--epoch", "3");
  assert.equal(bogus.code, 2, `exit ${bogus.code}; stderr: ${bogus.stderr}`);
  assert.match(bogus.stderr, /^error: unknown flag --epoch \(did you mean --epochs\?\)\n/);
  assert.match(bogus.stderr, /--help lists every flag/);
  assert.ok(bogus.stderr.trim().split("\n").length <= 2, `not the whole usage:\n${bogus.stderr}`);

  const epochs = await runScript("--epochs", "x");
  assert.equal(epochs.code, 2, `exit ${epochs.code}; stderr: ${epochs.stderr}`);
  assert.match(epochs.stderr, /error: --epochs: expected an integer, got 'x'/);
  assert.doesNotMatch(epochs.stderr, /Usage:/);
  assert.equal(epochs.stdout, "", "nothing on stdout for a usage error");
});

Deno.test("the error boundary's lines: usage, user, disk-full, file-system, memory and bug errors", async () => {
  const { explain } = await import("../lib/cli/boundary.ts");
  const { UserError } = await import("../lib/cli/errors.ts");
  const { closest } = await import("../lib/cli/suggest.ts");
  assert.deepEqual(explain(new UsageError("--k: must be in [1, 5]"), "deno task x"), {
    lines: ["error: --k: must be in [1, 5]", "(deno task x --help lists every flag)"],
    code: 2,
  });
  assert.deepEqual(explain(new UserError("data/x: truncated. Repair it with: y")).lines, [
    "error: data/x: truncated. Repair it with: y",
  ]);
  const full = explain(new Error("No space left on device (os error 28): writefile 'a'"));
  assert.equal(full.code, 1);
  assert.match(full.lines.join("\n"), /no space left on the device.*\nfree some space and rerun the same command/);
  assert.match(explain(new Deno.errors.NotFound("No such file (os error 2): open 'x'")).lines[1], /check that path/);
  assert.match(
    explain(new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded")).lines[0],
    /out of memory/,
  );
  const bug = explain(new TypeError("x is undefined\n    at f (file:///a.ts:1:1)"));
  assert.equal(bug.code, 70);
  assert.deepEqual(bug.lines[0], "error: x is undefined");
  assert.match(bug.lines[1], /--debug \(or TSDL_DEBUG=1\)/);
  assert.equal(closest("epoch", ["epochs", "lr"]), "epochs");
  assert.equal(closest("bath-size", ["batch-size", "lr"]), "batch-size");
  assert.equal(closest("zzzzzz", ["epochs", "lr"]), null);
});
