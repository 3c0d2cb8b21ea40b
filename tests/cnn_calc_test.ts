/**
 * The shape and parameter calculator: the seed's three cases, the output-size formula where the
 * seed's layer got it wrong (stride > 1), the famous networks' totals, and agreement with the
 * shapes and parameter counts of the scratch layers actually built from the same description.
 */
import assert from "node:assert/strict";
import { initBackend, tf } from "../lib/tf.ts";
import { windowOutputLength } from "../lib/scratch/output_size.ts";
import { layerOutput, shapeTable } from "../scripts/cnn_calc/shape_table.ts";
import { SEED_CASES } from "../scripts/cnn_calc/seed_cases.ts";
import { ALEXNET, LENET5, VGG16 } from "../scripts/cnn_calc/famous_networks.ts";
import { ARCHITECTURES, buildScratch, shapeSpec } from "../scripts/cnn_scratch/architectures.ts";
import { Rng } from "../lib/random/rng.ts";

await initBackend("cpu");

Deno.test("the seed's three convolutions: output shapes and parameter counts", () => {
  const expected = [
    { shape: [142, 142, 6], params: 168 },
    { shape: [58, 58, 48], params: 10416 },
    { shape: [9, 9, 20], params: 1820 },
  ];
  SEED_CASES.forEach((c, i) => {
    const [row] = shapeTable(c.network).rows;
    assert.deepEqual(row.outputShape, expected[i].shape, c.network.name);
    assert.equal(row.params, expected[i].params, c.network.name);
  });
});

Deno.test("output size ⌊(in + 2p − k)/s⌋ + 1, including strides where the seed's (in + 2p − k + 1)//s is wrong", () => {
  assert.equal(windowOutputLength(7, 3, 2, 0), 3); // seed's layer: (7 − 3 + 1)//2 = 2
  assert.equal(windowOutputLength(28, 5, 1, 2), 28);
  assert.equal(windowOutputLength(227, 11, 4, 0), 55);
  assert.equal(windowOutputLength(8, 2, 3, 0), 3);
  assert.equal(windowOutputLength(3, 3, 1, 0), 1);
  assert.throws(() => windowOutputLength(2, 3, 1, 0), /does not fit/);
  assert.throws(() => windowOutputLength(5, 3, 0, 0), /stride/);
});

Deno.test("dense layers need a flat input and pools keep the channels", () => {
  assert.throws(() => layerOutput({ kind: "dense", units: 4 }, [2, 2, 3]), /flatten/);
  assert.deepEqual(layerOutput({ kind: "maxpool", window: [3, 2], stride: [2, 1] }, [7, 5, 4]), {
    outputShape: [3, 4, 4],
    params: 0,
  });
  assert.deepEqual(layerOutput({ kind: "flatten" }, [3, 4, 5]), { outputShape: [60], params: 0 });
  assert.deepEqual(layerOutput({ kind: "conv", filters: 2, kernel: 3, bias: false }, [5, 5, 1]), {
    outputShape: [3, 3, 2],
    params: 18,
  });
});

Deno.test("LeNet-5, AlexNet and VGG-16 totals", () => {
  assert.equal(shapeTable(LENET5).totalParams, 61706);
  assert.equal(shapeTable(ALEXNET).totalParams, 62378344);
  const vgg = shapeTable(VGG16);
  assert.equal(vgg.totalParams, 138357544);
  assert.deepEqual(vgg.rows.find((r) => r.name === "pool5")?.outputShape, [7, 7, 512]);
});

Deno.test("the calculator agrees with the scratch networks built from the same description", () => {
  for (const arch of Object.values(ARCHITECTURES)) {
    const table = shapeTable(shapeSpec(arch));
    const net = buildScratch(arch, new Rng(0));
    assert.equal(net.parameterCount(), table.totalParams, arch.name);
    const shapes = tf.tidy(() => {
      const out: number[][] = [];
      net.layers.reduce((h, layer) => {
        const y = layer.forward(h, false);
        if (layer.name !== "ReLU") out.push(y.shape.slice(1));
        return y;
      }, tf.zeros([2, ...arch.input]));
      return out;
    });
    assert.deepEqual(shapes, table.rows.map((r) => r.outputShape), arch.name);
    net.dispose();
  }
});
