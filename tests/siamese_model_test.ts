/** The seed-000 architectures: output shapes, parameter counts, weight sharing, loss combination. */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { ARCHITECTURES, digitNet, PairMLP, SiameseNet, trunkOutputSide } from "../scripts/siamese_grid/siamese.ts";
import { pairLoss } from "../scripts/siamese_grid/pair_objective.ts";
import { bceWithLogits, crossEntropy } from "../lib/train/losses.ts";
import { Rng } from "../lib/random/rng.ts";

await initBackend("cpu");

// Shape comments of the seed: the side of the last conv feature map.
const SEED_SIDES: Record<number, number> = { 1: 5, 2: 4, 3: 3, 4: 3 };

function expectedDigitNetParams(arch: number, k: number, c: number, n: number): number {
  const kernels: Record<number, [number, number]> = { 1: [3, 3], 2: [5, 3], 3: [3, 2], 4: [2, 3], 5: [k, k] };
  const [k1, k2] = kernels[arch];
  const side = arch === 5 ? Math.floor((15 - k) / 2) - k + 1 : SEED_SIDES[arch];
  return (k1 * k1 * c + c) + (k2 * k2 * c * 2 * c + 2 * c) + (side * side * 2 * c * n + n) + (n * 10 + 10);
}

Deno.test("every architecture maps a 14×14 digit to 10 logits with the seed's shapes", () => {
  for (const architecture of ARCHITECTURES) {
    for (const k of architecture === 5 ? [3, 5] : [3]) {
      const cfg = { architecture, k, channels: 4, hidden: 16, weightSharing: true, dropout: 0.2 };
      const net = digitNet(cfg, new Rng(1));
      const conv = net.layers.slice(0, net.layers.findIndex((l) => l.constructor.name === "Flatten"));
      let shape = [3, 14, 14, 1];
      for (const l of conv) shape = l.outputShape(shape);
      const side = trunkOutputSide(architecture, k);
      assert.deepEqual(shape, [3, side, side, 8], `architecture ${architecture} k=${k}`);
      if (architecture < 5) assert.equal(side, SEED_SIDES[architecture]);
      assert.deepEqual(net.outputShape([3, 14, 14, 1]), [3, 10]);
      assert.equal(net.parameterCount(), expectedDigitNetParams(architecture, k, 4, 16));
      net.dispose();
    }
  }
  assert.equal(trunkOutputSide(5, 3), 4);
  assert.equal(trunkOutputSide(5, 5), 1);
});

Deno.test("k=3 c=16 n=128 has the PyTorch model's 143,179 parameters", () => {
  const m = new SiameseNet(
    { architecture: 5, k: 3, channels: 16, hidden: 128, weightSharing: true, dropout: 0.2 },
    new Rng(0),
  );
  assert.equal(m.parameterCount(), 143_179);
  const two = new SiameseNet(
    { architecture: 5, k: 3, channels: 16, hidden: 128, weightSharing: false, dropout: 0.2 },
    new Rng(0),
  );
  assert.equal(two.parameterCount(), 143_179 + 71_754);
  m.dispose();
  two.dispose();
});

Deno.test("weight sharing: one parameter set that gets gradients from both images", () => {
  const m = new SiameseNet(
    { architecture: 5, k: 3, channels: 2, hidden: 8, weightSharing: true, dropout: 0 },
    new Rng(2),
  );
  const x = tf.randomUniform([2, 14, 14, 2], 0, 255, "float32", 3) as tf.Tensor4D;
  const trunkParams = m.trunks[0].parameters();
  // Gradient of digits of image 1 alone and image 2 alone both reach the single trunk.
  for (const which of ["digits1", "digits2"] as const) {
    const { grads } = tf.variableGrads(() => tf.sum(m.forward(x)[which]!) as tf.Scalar, trunkParams);
    const norm = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).arraySync() as number);
    assert.ok(norm > 0, which);
  }
  // Swapping the two images swaps the digit heads' outputs exactly.
  const swapped = tf.concat(tf.split(x, 2, 3).reverse(), 3) as tf.Tensor4D;
  const a = m.forward(x), b = m.forward(swapped);
  assert.deepEqual(a.digits1!.arraySync(), b.digits2!.arraySync());
  assert.equal(
    new SiameseNet({ architecture: 5, k: 3, channels: 2, hidden: 8, weightSharing: false, dropout: 0 }, new Rng(2))
      .trunks.length,
    2,
  );
});

Deno.test("loss combination: α·BCE + (1−α)/2·(CE₁ + CE₂), and plain BCE without aux", () => {
  const logit = tf.tensor2d([[0.3], [-1.2]]);
  const d1 = tf.tensor2d([[1, 2, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 3, 0, 0, 0, 0, 0, 0, 0]]);
  const d2 = tf.tensor2d([[0, 0, 0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 2, 0, 0, 0, 0, 0]]);
  const batch = {
    x: tf.zeros([2, 14, 14, 2]) as tf.Tensor4D,
    target: tf.tensor2d([[1], [0]]),
    classes: tf.tensor2d([[1, 3], [2, 4]], [2, 2], "int32"),
  };
  const bce = bceWithLogits(logit, batch.target).arraySync() as number;
  const ce = (crossEntropy(d1, tf.tensor1d([1, 2], "int32")).arraySync() as number) +
    (crossEntropy(d2, tf.tensor1d([3, 4], "int32")).arraySync() as number);
  for (const alpha of [0, 0.5, 1]) {
    const { loss, correct } = pairLoss({ digits1: d1, digits2: d2, logit }, batch, { enabled: true, alpha });
    assert.ok(Math.abs((loss.arraySync() as number) - (alpha * bce + (1 - alpha) / 2 * ce)) < 1e-5, `α=${alpha}`);
    assert.equal(correct.arraySync(), 2);
  }
  const plain = pairLoss({ digits1: d1, digits2: d2, logit }, batch, { enabled: false, alpha: 0 });
  assert.ok(Math.abs((plain.loss.arraySync() as number) - bce) < 1e-6, "no aux: BCE alone, whatever α");
});

Deno.test("the MLP baseline maps a pair to one logit", () => {
  const m = new PairMLP(32, 0.2, new Rng(0));
  assert.deepEqual(m.forward(tf.zeros([5, 14, 14, 2]) as tf.Tensor4D).logit.shape, [5, 1]);
  assert.equal(m.parameterCount(), 392 * 32 + 32 + 32 * 32 + 32 + 33);
});
