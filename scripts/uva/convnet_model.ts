/**
 * The ConvNet of UvA practical 1, Question 4, Table 1: a VGG-style stack of conv blocks (3×3 conv,
 * stride 1, padding 1 → BatchNorm → ReLU) and 3×3 max-pools with stride 2 and padding 1, then a
 * 512→10 linear layer. Channels (Table 1):
 *   conv1 c→64, pool, conv2 64→128, pool, conv3_a 128→256, conv3_b 256→256, pool,
 *   conv4_a 256→512, conv4_b 512→512, pool, conv5_a 512→512, conv5_b 512→512, pool, linear 512→10.
 * Five pools take 32×32 (CIFAR-10) or 28×28 (the MNISTs) to 1×1: ⌊(s + 2 − 3)/2⌋ + 1 per pool,
 * 32→16→8→4→2→1 and 28→14→7→4→2→1. Table 1 has no skip connections (the handout's prose mentions
 * pre-activation skips from a tutorial); we build the table. PyTorch default initialisation;
 * BatchNorm uses batch statistics in training and running statistics in evaluation.
 */
import { BatchNorm, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "../../lib/nn/mod.ts";
import type { Layer } from "../../lib/nn/module.ts";
import type { Rng } from "../../lib/random/rng.ts";

/** Table 1 as data: a number is a conv block's output channels, "pool" a max-pool. */
export const TABLE1: (number | "pool")[] = [
  64,
  "pool",
  128,
  "pool",
  256,
  256,
  "pool",
  512,
  512,
  "pool",
  512,
  512,
  "pool",
];

function convBlock(inChannels: number, outChannels: number, rng: Rng): Layer[] {
  return [
    new Conv2d(inChannels, outChannels, 3, rng, { stride: 1, padding: 1 }),
    new BatchNorm(outChannels),
    new ReLU(),
  ];
}

/** Side of the feature map after Table 1's five pools. */
export function finalSide(inputSide: number): number {
  return TABLE1.reduce<number>(
    (side, entry) => (entry === "pool" ? Math.floor((side + 2 - 3) / 2) + 1 : side),
    inputSide,
  );
}

export function buildConvNet(inputShape: [number, number, number], classes: number, rng: Rng): Sequential {
  const [height, width, channels] = inputShape;
  if (finalSide(height) !== 1 || finalSide(width) !== 1) {
    throw new Error(
      `Table 1's five pools take ${height}×${width} to ${finalSide(height)}×${
        finalSide(width)
      }, not 1×1: use 17–32 pixel images`,
    );
  }
  const layers: Layer[] = [];
  let c = channels;
  for (const entry of TABLE1) {
    if (entry === "pool") layers.push(new MaxPool2d(3, 2, 1));
    else layers.push(...convBlock(c, entry, rng)), c = entry;
  }
  layers.push(new Flatten(), new Linear(c, classes, rng));
  return new Sequential(...layers);
}
