/**
 * LayerNorm twice (UvA practical 1, Q3): (a) the autodiff module and (b) the custom-gradient op
 * agree in forward and backward; (b) matches float64 finite differences through the uva-layernorm
 * checks; asking for fewer gradients changes none of those computed; both modules reject a wrong
 * input shape with a message naming the expected shape; training through (b) keeps tensors flat.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { Rng } from "../lib/random/rng.ts";
import { LayerNorm } from "../lib/nn/layernorm.ts";
import { CustomGradLayerNorm, layerNormCustomGrad } from "../lib/nn/layernorm_op.ts";
import { gradientError } from "../lib/scratch/gradcheck.ts";
import { layerNormBackward64 } from "../scripts/uva/layernorm_reference.ts";
import { runLayerNormChecks } from "../scripts/uva/layernorm_check.ts";

await initBackend("cpu");

const S = 6, M = 10;

/** Y and the gradients of Σ c∘Y for X, γ, β through a module. */
async function throughModule(module: LayerNorm, x: tf.Tensor2D, c: tf.Tensor2D): Promise<Float32Array[]> {
  const tensors = tf.tidy(() => {
    const loss = (input: tf.Tensor) => tf.sum(tf.mul(module.forward(input), c)) as tf.Scalar;
    const { grads } = tf.variableGrads(() => loss(x), [module.gamma, module.beta]);
    return [module.forward(x), tf.grad(loss)(x), grads[module.gamma.name], grads[module.beta.name]];
  });
  const values = await Promise.all(tensors.map((t) => t.data() as Promise<Float32Array>));
  tf.dispose(tensors);
  return values;
}

function randomInputs(seed: number) {
  const rng = new Rng(seed);
  return {
    x: tf.tensor2d(rng.fillNormal(new Float32Array(S * M), 3, 2), [S, M]),
    c: tf.tensor2d(rng.fillUniform(new Float32Array(S * M), -1, 1), [S, M]),
    gamma: tf.tensor1d(rng.fillUniform(new Float32Array(M), 0.5, 2)),
    beta: tf.tensor1d(rng.fillUniform(new Float32Array(M), -1, 1)),
  };
}

Deno.test("(a) autodiff and (b) custom op agree: forward, ∂X, ∂γ, ∂β", async () => {
  const { x, c, gamma, beta } = randomInputs(1);
  const a = new LayerNorm(M), b = new CustomGradLayerNorm(M);
  for (const m of [a, b]) {
    m.gamma.assign(gamma);
    m.beta.assign(beta);
  }
  const outA = await throughModule(a, x, c), outB = await throughModule(b, x, c);
  outA.forEach((v, i) => assert.ok(gradientError(outB[i], v).worst < 1e-5, `output ${i}`));
  // And (b) against the float64 formulas.
  const g64 = layerNormBackward64(
    Float64Array.from(await x.data()),
    Float64Array.from(await gamma.data()),
    Float64Array.from(await c.data()),
    S,
    1e-5,
  );
  assert.ok(gradientError(outB[1], g64.dX).worst < 1e-5);
  assert.ok(gradientError(outB[2], g64.dGamma).worst < 1e-5);
  assert.ok(gradientError(outB[3], g64.dBeta).worst < 1e-5);
  tf.dispose([x, c, gamma, beta]);
  a.dispose();
  b.dispose();
});

Deno.test("uva-layernorm checks pass: float64 finite differences, float32 op, (a) vs (b)", async () => {
  const final = await runLayerNormChecks({ rows: 4, features: 16, eps: 1e-5, h: 1e-6, seed: 3 });
  for (const check of final.checks) assert.ok(check.passed, `${check.name}: ${check.maxError} > ${check.tolerance}`);
  assert.ok(final.checks.length >= 15);
  assert.match(final.shapeCheckMessage, /expects input of shape \[batch, 16\], got \[2, 3, 16\]/);
});

Deno.test("(b) computes only the requested gradients, each equal to the full computation's", async () => {
  const { x, c, gamma, beta } = randomInputs(2);
  const grads = (needs: { x: boolean; gamma: boolean; beta: boolean }) =>
    tf.tidy(() => {
      const wrt = (["x", "gamma", "beta"] as const).filter((k) => needs[k]);
      const given = { x, gamma, beta };
      const f = (...args: tf.Tensor[]) => {
        const t = { ...given };
        wrt.forEach((k, i) => t[k] = args[i] as never);
        return tf.sum(tf.mul(layerNormCustomGrad(t.x, t.gamma, t.beta, 1e-5, needs), c)) as tf.Scalar;
      };
      return tf.grads(f)(wrt.map((k) => given[k]));
    });
  const all = await Promise.all(grads({ x: true, gamma: true, beta: true }).map((t) => t.data()));
  const paramsOnly = await Promise.all(grads({ x: false, gamma: true, beta: true }).map((t) => t.data()));
  const xOnly = await Promise.all(grads({ x: true, gamma: false, beta: false }).map((t) => t.data()));
  assert.equal(paramsOnly.length, 2);
  assert.deepEqual(paramsOnly, all.slice(1));
  assert.deepEqual(xOnly, all.slice(0, 1));
  tf.dispose([x, c, gamma, beta]);
});

Deno.test("(b) in inference (no tape) saves nothing and returns the same values", async () => {
  const { x, gamma, beta } = randomInputs(4);
  const before = tf.memory().numTensors;
  const y = layerNormCustomGrad(x, gamma, beta);
  assert.equal(tf.memory().numTensors, before + 1);
  const yA = tf.tidy(() => {
    const a = new LayerNorm(M);
    a.gamma.assign(gamma);
    a.beta.assign(beta);
    const out = a.forward(x);
    a.dispose();
    return out;
  });
  assert.ok(gradientError(await y.data(), await yA.data()).worst < 1e-6);
  tf.dispose([x, gamma, beta, y, yA]);
});

Deno.test("both LayerNorms reject wrong input shapes with the expected shape in the message", () => {
  for (const m of [new LayerNorm(M), new CustomGradLayerNorm(M)]) {
    const name = m.toString();
    assert.throws(
      () => tf.tidy(() => m.forward(tf.zeros([S, M + 1]))),
      new RegExp(
        `${name.replace(/[()]/g, "\\$&")} expects input of shape \\[batch, ${M}\\], got \\[${S}, ${
          M + 1
        }\\] \\(11 features\\)`,
      ),
    );
    assert.throws(
      () => tf.tidy(() => m.forward(tf.zeros([2, 3, M]))),
      /got \[2, 3, 10\] \(rank 3; flatten to 2-D first\)/,
    );
    assert.throws(() => tf.tidy(() => m.forward(tf.zeros([M]))), /rank 1/);
    assert.throws(() => tf.tidy(() => m.forward(tf.zeros([0, M]))), /empty batch/);
    m.dispose();
  }
});

Deno.test("training through (b): loss falls, tensor count stays flat", async () => {
  const { x, c, gamma, beta } = randomInputs(5);
  const m = new CustomGradLayerNorm(M, { inputNeedsGrad: false });
  const target = tf.tidy(() => tf.add(tf.mul(tf.sub(x, tf.mean(x, 1, true)), 0.1), c));
  const losses: number[] = [];
  let count = 0;
  for (let step = 0; step < 30; step++) {
    const loss = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => tf.mean(tf.squaredDifference(m.forward(x), target)) as tf.Scalar,
        m.parameters(),
      );
      for (const p of m.parameters()) p.assign(tf.sub(p, tf.mul(grads[p.name], 0.5)));
      return value;
    });
    losses.push((await loss.data())[0]);
    loss.dispose();
    if (step === 1) count = tf.memory().numTensors;
  }
  assert.equal(tf.memory().numTensors, count);
  assert.ok(losses[29] < 0.5 * losses[0], `losses ${losses[0]} → ${losses[29]}`);
  tf.dispose([x, c, gamma, beta, target]);
  m.dispose();
});
