/** The tidy tables beside every experiment's JSON: CSV quoting, runs/history/summary shapes, file names per config. */
import * as assert from "node:assert/strict";
import { parseCsv, toCsv } from "../lib/report/csv.ts";
import { historyTable, runsTable, splitMetric, writeRunTables, writeSummaryTable } from "../lib/report/tables.ts";
import { configHash, makeResult } from "../lib/report/results.ts";

const environment = {
  backend: "wasm" as const,
  requested: "auto" as const,
  adapter: null,
  adapterIsFallback: null,
  deno: "2.9.6",
  tfjs: "4.22.0",
  os: "linux-x86_64",
  cpus: 2,
  git: null,
};

function result(run: string, history: Record<string, number | string>[]) {
  return makeResult({
    experiment: "toy",
    run,
    seconds: 2,
    config: { lr: 0.01, hidden: [100, 50], optimizer: { name: "Adam", beta1: 0.9 }, note: 'a "quoted", comma' },
    environment,
    history,
    final: { testAccuracy: 0.9, perClass: [1, 2], stopped: null },
    notes: [],
  });
}

Deno.test("toCsv: header of every key, quotes where RFC 4180 needs them, missing values empty", () => {
  const csv = toCsv([{ run: "a", value: 0.5 }, { run: 'b,"c"', value: null, extra: NaN }, {
    run: "d\ne",
    value: true,
  }]);
  assert.equal(csv, 'run,value,extra\na,0.5,\n"b,""c""",,\n"d\ne",true,\n');
  assert.deepEqual(parseCsv(csv), [
    { run: "a", value: "0.5", extra: "" },
    { run: 'b,"c"', value: "", extra: "" },
    { run: "d\ne", value: "true", extra: "" },
  ]);
});

Deno.test("runsTable: one row per run, config and final scalars flattened, arrays left to the JSON", () => {
  const [row] = runsTable([result("r1", [])]);
  assert.deepEqual(row, {
    run: "r1",
    seconds: 2,
    backend: "wasm",
    "config.lr": 0.01,
    "config.optimizer.name": "Adam",
    "config.optimizer.beta1": 0.9,
    "config.note": 'a "quoted", comma',
    "final.testAccuracy": 0.9,
    "final.stopped": null,
  });
});

Deno.test("historyTable: long form run, epoch, split, metric, value; steps when a run counts steps", () => {
  const rows = historyTable([
    result("r1", [{ epoch: 1, lr: 0.01, trainLoss: 0.5, validationAccuracy: 0.8, seconds: 1 }]),
  ]);
  assert.deepEqual(rows, [
    { run: "r1", epoch: 1, split: "", metric: "lr", value: 0.01 },
    { run: "r1", epoch: 1, split: "train", metric: "loss", value: 0.5 },
    { run: "r1", epoch: 1, split: "validation", metric: "accuracy", value: 0.8 },
    { run: "r1", epoch: 1, split: "", metric: "seconds", value: 1 },
  ]);
  const steps = historyTable([result("sweep", [{ step: 100, variant: "adam", testAccuracy: 0.4 }])]);
  assert.deepEqual(steps, [{
    run: "sweep",
    step: 100,
    variant: "adam",
    split: "test",
    metric: "accuracy",
    value: 0.4,
  }]);
  assert.deepEqual(splitMetric("guardPgdAccuracy"), { split: "", metric: "guardPgdAccuracy" });
  assert.deepEqual(splitMetric("testLoss"), { split: "test", metric: "loss" });
  assert.deepEqual(splitMetric("trainer"), { split: "", metric: "trainer" }, "a prefix is not a split");
});

Deno.test("writeRunTables and writeSummaryTable write files that parse back to the same numbers", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tsdl-csv-" });
  try {
    const runs = [result("a", [{ epoch: 1, trainLoss: 1 / 3 }]), result("b", [{ epoch: 1, trainLoss: 0.25 }])];
    const paths = await writeRunTables(dir, runs, "grid-");
    assert.deepEqual(paths, [`${dir}/grid-runs.csv`, `${dir}/grid-history.csv`]);
    const history = parseCsv(await Deno.readTextFile(paths[1]));
    assert.equal(Number(history[0].value), 1 / 3, "full precision, bit for bit");
    assert.deepEqual(history.map((r) => r.run), ["a", "b"]);
    const summary = await writeSummaryTable(dir, [{ configuration: "k 3, α 0.5", n: 5, mean: 0.9, std: 0.01 }]);
    assert.equal(
      await Deno.readTextFile(summary),
      "configuration,n,mean,std\nk 3, α 0.5,5,0.9,0.01\n".replace(
        "k 3, α 0.5",
        '"k 3, α 0.5"',
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("configHash: equal configs in any key order hash alike; another learning rate does not", () => {
  assert.equal(configHash({ lr: 0.1, batch: 32 }), configHash({ batch: 32, lr: 0.1 }));
  assert.notEqual(configHash({ lr: 0.1, batch: 32 }), configHash({ lr: 0.01, batch: 32 }));
  assert.match(configHash({ nested: { a: [1, 2] } }), /^[0-9a-f]{8}$/);
});
