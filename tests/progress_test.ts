import * as assert from "node:assert/strict";
import { fitToWidth, Progress } from "../lib/report/progress.ts";

Deno.test("fitToWidth: a line wider than the terminal is cut with an ellipsis, one column left free", () => {
  assert.equal(fitToWidth("short", 80), "short");
  const cut = fitToWidth("x".repeat(200), 80);
  assert.equal(Array.from(cut).length, 79);
  assert.ok(cut.endsWith("…"));
  // The bar's block characters count one column each.
  assert.equal(Array.from(fitToWidth("█".repeat(100), 40)).length, 39);
});

Deno.test("Progress: nothing left to do shows no rate and an ETA of 0, not a huge s/run", () => {
  const empty = new Progress("runs completed", 0, { unit: "run", tty: false, silent: true });
  const line = empty.render();
  assert.match(line, /100% 0\/0 \[0:00<0:00\]$/, line);
  assert.doesNotMatch(line, /s\/run/);
});

Deno.test("Progress: the finished line drops the bar so the metrics get the room", () => {
  const bar = new Progress("epoch 1/1", 4, { unit: "step", tty: false, silent: true });
  bar.tick(4, "train loss 0.1234");
  assert.doesNotMatch(bar.render(undefined, { bar: false }), /█/);
  assert.match(bar.render(), /█{24}/);
});

Deno.test("Progress on a terminal writes lines no wider than its columns", () => {
  const original = Deno.stderr.writeSync;
  const written: string[] = [];
  Deno.stderr.writeSync = (data: Uint8Array) => (written.push(new TextDecoder().decode(data)), data.length);
  try {
    const bar = new Progress("train epoch 1/20", 3, { unit: "step", tty: true, columns: 60 });
    bar.tick(1, "loss 0.5 acc 0.8 and a long running note that would wrap at sixty columns");
    bar.tick(2);
    bar.finish("train loss 0.4321 acc 0.8765 validation loss 0.4567 acc 0.8654 test loss 0.4678 acc 0.8543");
  } finally {
    Deno.stderr.writeSync = original;
  }
  const lines = written.join("").split(/\r|\n/).map((l) => l.replace("\x1b[2K", "")).filter(Boolean);
  assert.ok(lines.length >= 2);
  for (const line of lines) assert.ok(Array.from(line).length < 60, `${Array.from(line).length}: ${line}`);
});
