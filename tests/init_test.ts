/**
 * PyTorch's default initialisation (lib/nn/init.ts): Linear and Conv2d weights and biases are
 * U(−b, b) with b = 1/√fan_in (fan_in = in for Linear, in·kh·kw for Conv2d), drawn from our seeded
 * generator, so the same seed gives the same weights and different seeds differ.
 *
 * Statistical tolerances: for N samples of U(−b, b), the sample mean has std b/√(3N) and the
 * sample mean of squares (the variance estimate about the known mean 0) has std
 * √(Var X²/N) = √(4/45)·b²/√N. We allow 5 standard deviations: a correct implementation fails with
 * probability < 1e-6 per check, while a wrong bound (e.g. √(6/fan_in), Kaiming's ReLU gain, or a
 * normal distribution) is off by far more.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { Conv2d, Linear } from "../lib/nn/mod.ts";
import { pytorchDefaultBound, uniformTensor } from "../lib/nn/init.ts";

await initBackend("cpu");

function checkUniform(values: Float32Array, bound: number, label: string) {
  const n = values.length;
  let sum = 0, sumSq = 0, max = 0;
  for (const v of values) {
    assert.ok(v >= -bound && v <= bound, `${label}: ${v} outside ±${bound}`);
    sum += v;
    sumSq += v * v;
    max = Math.max(max, Math.abs(v));
  }
  const mean = sum / n, meanSq = sumSq / n;
  const meanTol = 5 * bound / Math.sqrt(3 * n);
  const varTol = 5 * Math.sqrt(4 / 45) * bound * bound / Math.sqrt(n);
  assert.ok(Math.abs(mean) <= meanTol, `${label}: mean ${mean} not within ${meanTol} of 0 (n=${n})`);
  assert.ok(
    Math.abs(meanSq - bound * bound / 3) <= varTol,
    `${label}: variance ${meanSq} not within ${varTol} of bound²/3 = ${bound * bound / 3} (n=${n})`,
  );
  // The whole interval is used: P(max|x| < 0.9b) = 0.9^n is negligible for n ≥ 200.
  if (n >= 200) assert.ok(max > 0.9 * bound, `${label}: max |x| = ${max} ≪ bound ${bound}`);
}

Deno.test("pytorchDefaultBound is 1/√fan_in", () => {
  assert.equal(pytorchDefaultBound(400), 0.05);
  assert.equal(pytorchDefaultBound(1), 1);
  assert.ok(Math.abs(pytorchDefaultBound(3 * 5 * 5) - 1 / Math.sqrt(75)) < 1e-15);
});

Deno.test("Linear(in, out): weight [in, out] and bias [out] are U(±1/√in)", () => {
  for (const [inF, outF] of [[400, 300], [784, 64], [20, 256]]) {
    const layer = new Linear(inF, outF, new Rng(`init/linear/${inF}`));
    assert.deepEqual(layer.weight.shape, [inF, outF]);
    assert.deepEqual(layer.bias!.shape, [outF]);
    const bound = 1 / Math.sqrt(inF);
    checkUniform(layer.weight.dataSync() as Float32Array, bound, `Linear(${inF},${outF}).weight`);
    checkUniform(layer.bias!.dataSync() as Float32Array, bound, `Linear(${inF},${outF}).bias`);
    assert.ok(layer.weight.trainable && layer.bias!.trainable);
    layer.dispose();
  }
  const noBias = new Linear(10, 3, new Rng(0), { bias: false });
  assert.equal(noBias.bias, null);
  assert.deepEqual(noBias.namedParameters().map(([n]) => n), ["weight"]);
  noBias.dispose();
});

Deno.test("Conv2d(in, out, k): weight [kh, kw, in, out] and bias [out] are U(±1/√(in·kh·kw))", () => {
  for (
    const [inC, outC, k] of [[16, 32, 5], [1, 48, 3], [8, 64, [3, 2]]] as [number, number, number | [number, number]][]
  ) {
    const [kh, kw] = typeof k === "number" ? [k, k] : k;
    const layer = new Conv2d(inC, outC, k, new Rng(`init/conv/${inC}/${outC}/${k}`));
    assert.deepEqual(layer.weight.shape, [kh, kw, inC, outC]);
    assert.deepEqual(layer.bias!.shape, [outC]);
    const bound = 1 / Math.sqrt(inC * kh * kw);
    checkUniform(layer.weight.dataSync() as Float32Array, bound, `Conv2d(${inC},${outC},${k}).weight`);
    checkUniform(layer.bias!.dataSync() as Float32Array, bound, `Conv2d(${inC},${outC},${k}).bias`);
    layer.dispose();
  }
});

Deno.test("same seed → identical weights; different seeds → different weights", () => {
  const read = (seed: number | string) => {
    const rng = new Rng(seed);
    const lin = new Linear(30, 20, rng), conv = new Conv2d(3, 4, 3, rng);
    const values = [lin.weight, lin.bias!, conv.weight, conv.bias!].map((v) => Array.from(v.dataSync()));
    lin.dispose();
    conv.dispose();
    return values;
  };
  const a = read(7), b = read(7), c = read(8), d = read("7/x");
  assert.deepEqual(a, b, "same seed must give bit-identical weights");
  for (const [other, label] of [[c, "seed 8"], [d, "seed '7/x'"]] as const) {
    for (let i = 0; i < a.length; i++) {
      const same = a[i].filter((v, j) => v === other[i][j]).length;
      assert.ok(same < a[i].length / 10, `${label}: tensor ${i} shares ${same}/${a[i].length} values with seed 7`);
    }
  }
  // uniformTensor itself: deterministic, shaped, within the bound.
  const t1 = uniformTensor([4, 5], 0.5, new Rng(3)), t2 = uniformTensor([4, 5], 0.5, new Rng(3));
  assert.deepEqual(t1.shape, [4, 5]);
  assert.deepEqual(Array.from(t1.dataSync()), Array.from(t2.dataSync()));
  assert.ok(Array.from(t1.dataSync()).every((v) => Math.abs(v) <= 0.5));
  tf.dispose([t1, t2]);
});

Deno.test("the generator stream: layers drawn in sequence differ, and Rng.derive streams are independent", () => {
  const rng = new Rng(11);
  const first = new Linear(16, 16, rng), second = new Linear(16, 16, rng);
  assert.notDeepEqual(Array.from(first.weight.dataSync()), Array.from(second.weight.dataSync()));
  const x = Rng.derive(1, "init", 0), y = Rng.derive(1, "order", 0), x2 = Rng.derive(1, "init", 0);
  const draw = (r: Rng) => Array.from({ length: 8 }, () => r.nextUint32());
  const dx = draw(x);
  assert.deepEqual(dx, draw(x2));
  assert.notDeepEqual(dx, draw(y));
  first.dispose();
  second.dispose();
});
