/**
 * BatchNorm in training mode on wasm runs two kernels of our own (lib/tf/wasm_batch_norm.ts) when
 * the channels are a multiple of 4; the cpu backend runs the tensor-op definition. Both must give
 * the same output, running statistics and gradients (input, γ, β) up to float32 summation order.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { BatchNorm } from "../lib/nn/mod.ts";
import { hasWasmBatchNorm } from "../lib/tf/wasm_batch_norm.ts";
import { Rng } from "../lib/random/rng.ts";

async function run(backend: "cpu" | "wasm", shape: number[]) {
  await initBackend(backend);
  const rng = new Rng(`bn-${shape.join("x")}`), size = shape.reduce((a, b) => a * b, 1), c = shape.at(-1)!;
  const x = tf.tensor(Float32Array.from({ length: size }, () => 3 + 2 * rng.normal()), shape);
  const dy = tf.tensor(Float32Array.from({ length: size }, () => rng.normal()), shape);
  const bn = new BatchNorm(c);
  bn.gamma.assign(tf.tensor1d(Float32Array.from({ length: c }, () => 1 + 0.5 * rng.normal())));
  bn.beta.assign(tf.tensor1d(Float32Array.from({ length: c }, () => rng.normal())));
  bn.train(true);
  assert.equal(hasWasmBatchNorm(x), backend === "wasm");
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(bn.forward(x), dy)) as tf.Scalar, [bn.gamma, bn.beta]);
  const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(bn.forward(v), dy)))(x);
  const out = {
    loss: value.dataSync()[0],
    y: Array.from(bn.forward(x).dataSync()),
    dx: Array.from(dx.dataSync()),
    dGamma: Array.from(grads[bn.gamma.name].dataSync()),
    dBeta: Array.from(grads[bn.beta.name].dataSync()),
    runningMean: Array.from(bn.runningMean.dataSync()),
    runningVar: Array.from(bn.runningVar.dataSync()),
  };
  bn.dispose();
  return out;
}

function close(actual: number[], expected: number[], label: string, tol = 2e-5) {
  const scale = Math.max(1, ...expected.map(Math.abs));
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  assert.ok(worst <= tol * scale, `${label}: worst difference ${worst} (scale ${scale})`);
}

Deno.test("wasm BatchNorm kernels match the cpu backend: output, running statistics, gradients", async () => {
  for (const shape of [[4, 5, 5, 8], [37, 12], [3000, 4], [2, 14, 14, 64]]) {
    const cpu = await run("cpu", shape), wasm = await run("wasm", shape), label = `[${shape}]`;
    close(wasm.y, cpu.y, `${label} y`);
    close(wasm.runningMean, cpu.runningMean, `${label} running mean`);
    close(wasm.runningVar, cpu.runningVar, `${label} running variance`);
    close(wasm.dx, cpu.dx, `${label} ∂x`);
    close(wasm.dGamma, cpu.dGamma, `${label} ∂γ`, 1e-4);
    close(wasm.dBeta, cpu.dBeta, `${label} ∂β`, 1e-4);
  }
});

/**
 * At inference tfjs' FusedBatchNorm runs batch_norm.wat's pass on wasm: exactly tfjs-wasm's float32
 * arithmetic, y = β + ((x − μ)·γ) / √(σ² + ε) rounded after each op, written out here with fround.
 */
Deno.test("wasm FusedBatchNorm (inference) is tfjs-wasm's float32 arithmetic, bit for bit", async () => {
  await initBackend("wasm");
  try {
    const f = Math.fround, rng = new Rng("bn-inference"), [rows, c] = [37, 12], eps = 1e-5;
    const x = Float32Array.from({ length: rows * c }, () => 3 + 2 * rng.normal());
    const [mean, variance, gamma, beta] = [3, 4, 1, 0].map((centre) =>
      Float32Array.from({ length: c }, () => Math.abs(centre + rng.normal()))
    );
    const y = tf.batchNorm(tf.tensor2d(x, [rows, c]), mean, variance, beta, gamma, eps);
    const got = await y.data();
    const expected = x.map((v, i) => {
      const ch = i % c, nf = f(Math.sqrt(f(variance[ch] + f(eps))));
      return f(beta[ch] + f(f(f(v - mean[ch]) * gamma[ch]) / nf));
    });
    assert.deepEqual(Array.from(got), Array.from(expected));
    y.dispose();
  } finally {
    await initBackend("cpu");
  }
});
