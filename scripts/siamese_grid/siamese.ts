/**
 * The seed-000 siamese network: each 14×14 digit goes through a conv trunk and an FC head to 10
 * digit logits; the two 10-vectors are concatenated and a combiner MLP (20→256→256→1, LeakyReLU,
 * dropout 0.2) gives the logit of P(first digit ≤ second). With weight sharing one trunk serves both
 * images; without it each image has its own. Plus the MLP baseline on the raw 2×14×14 pair.
 */
import { tf } from "../../lib/tf.ts";
import { Conv2d, Dropout, Flatten, LeakyReLU, Linear, MaxPool2d, Module, Sequential } from "../../lib/nn/mod.ts";
import type { Layer } from "../../lib/nn/module.ts";
import { Rng } from "../../lib/random/rng.ts";

export const ARCHITECTURES = [1, 2, 3, 4, 5] as const;
export type Architecture = typeof ARCHITECTURES[number];

export interface SiameseConfig {
  architecture: Architecture;
  /** Kernel size k (architecture 5 only). */
  k: number;
  /** Channels c of the first conv; the second has 2c. */
  channels: number;
  /** Hidden units n of the FC head. */
  hidden: number;
  weightSharing: boolean;
  dropout: number;
}

/** Side of the trunk's last feature map, per the seed's shape comments. */
export function trunkOutputSide(arch: Architecture, k: number): number {
  switch (arch) {
    case 1: // 14 −3→ 12 −3→ 10, maxpool 2 → 5
      return 5;
    case 2: // 14 conv5 pad1 → 12, maxpool 3 → 4, conv3 pad1 → 4
      return 4;
    case 3: // 14 conv3 → 12, maxpool 3 → 4, conv2 → 3
    case 4: // 14 conv2 pad1 → 15, maxpool 3 → 5, conv3 → 3
      return 3;
    case 5: { // 14 convk → 15−k, maxpool 2 → ⌊(15−k)/2⌋, convk → ⌊(15−k)/2⌋ − k + 1
      const side = Math.floor((15 - k) / 2) - k + 1;
      if (side < 1) throw new Error(`architecture 5 with k=${k} leaves no pixels; use k ≤ 5`);
      return side;
    }
  }
}

/** Conv trunk + FC head: [n, 14, 14, 1] → [n, 10] digit logits. */
export function digitNet(cfg: SiameseConfig, rng: Rng): Sequential {
  const c = cfg.channels, p = cfg.dropout;
  const act = () => new LeakyReLU();
  const drop = () => new Dropout(p, rng);
  let conv: Layer[];
  switch (cfg.architecture) {
    case 1:
      conv = [new Conv2d(1, c, 3, rng), act(), drop(), new Conv2d(c, 2 * c, 3, rng), act(), new MaxPool2d(2), drop()];
      break;
    case 2:
      conv = [
        new Conv2d(1, c, 5, rng, { padding: 1 }),
        act(),
        new MaxPool2d(3),
        drop(),
        new Conv2d(c, 2 * c, 3, rng, { padding: 1 }),
        act(),
        drop(),
      ];
      break;
    case 3:
      conv = [new Conv2d(1, c, 3, rng), act(), new MaxPool2d(3), drop(), new Conv2d(c, 2 * c, 2, rng), act(), drop()];
      break;
    case 4:
      conv = [
        new Conv2d(1, c, 2, rng, { padding: 1 }),
        act(),
        new MaxPool2d(3),
        drop(),
        new Conv2d(c, 2 * c, 3, rng),
        act(),
        drop(),
      ];
      break;
    case 5:
      conv = [
        new Conv2d(1, c, cfg.k, rng),
        act(),
        new MaxPool2d(2),
        drop(),
        new Conv2d(c, 2 * c, cfg.k, rng),
        act(),
        drop(),
      ];
      break;
  }
  const side = trunkOutputSide(cfg.architecture, cfg.k);
  return new Sequential(
    ...conv,
    new Flatten(),
    new Linear(side * side * 2 * c, cfg.hidden, rng),
    act(),
    drop(),
    new Linear(cfg.hidden, 10, rng),
  );
}

/** Outputs of a pair model: digit logits of each image (null for the MLP) and the comparison logit. */
export interface PairOutputs {
  digits1: tf.Tensor2D | null;
  digits2: tf.Tensor2D | null;
  /** [n, 1] logit of P(first ≤ second). */
  logit: tf.Tensor2D;
}

export interface PairModel extends Module {
  forward(pairsNHWC: tf.Tensor4D): PairOutputs;
  readonly hasDigitHeads: boolean;
}

export class SiameseNet extends Module implements PairModel {
  readonly trunks: Sequential[];
  readonly combiner: Sequential;
  readonly hasDigitHeads = true;

  constructor(readonly cfg: SiameseConfig, rng: Rng) {
    super();
    this.trunks = Array.from(
      { length: cfg.weightSharing ? 1 : 2 },
      (_, i) => this.addModule(`trunk${i}`, digitNet(cfg, rng)),
    );
    const p = cfg.dropout;
    this.combiner = this.addModule(
      "combiner",
      new Sequential(
        new Linear(20, 256, rng),
        new LeakyReLU(),
        new Dropout(p, rng),
        new Linear(256, 256, rng),
        new LeakyReLU(),
        new Dropout(p, rng),
        new Linear(256, 1, rng),
      ),
    );
  }

  forward(pairsNHWC: tf.Tensor4D): PairOutputs {
    const [x1, x2] = tf.split(pairsNHWC, 2, 3) as [tf.Tensor4D, tf.Tensor4D];
    let d1: tf.Tensor2D, d2: tf.Tensor2D;
    if (this.trunks.length === 1) {
      // One trunk: run both images as one batch of 2n (one pass, same maths).
      const both = this.trunks[0].forward(tf.concat([x1, x2], 0)) as tf.Tensor2D;
      [d1, d2] = tf.split(both, 2, 0) as [tf.Tensor2D, tf.Tensor2D];
    } else {
      d1 = this.trunks[0].forward(x1) as tf.Tensor2D;
      d2 = this.trunks[1].forward(x2) as tf.Tensor2D;
    }
    const logit = this.combiner.forward(tf.concat([d1, d2], 1)) as tf.Tensor2D;
    return { digits1: d1, digits2: d2, logit };
  }
}

/**
 * The baseline the seed's config names `basic_net` (hidden 512) without defining it: an MLP on the
 * flattened pair, 392 → 512 → 512 → 1 with LeakyReLU and dropout, and no digit heads (so no
 * auxiliary loss).
 */
export class PairMLP extends Module implements PairModel {
  readonly net: Sequential;
  readonly hasDigitHeads = false;

  constructor(hidden: number, dropout: number, rng: Rng) {
    super();
    this.net = this.addModule(
      "net",
      new Sequential(
        new Flatten(),
        new Linear(392, hidden, rng),
        new LeakyReLU(),
        new Dropout(dropout, rng),
        new Linear(hidden, hidden, rng),
        new LeakyReLU(),
        new Dropout(dropout, rng),
        new Linear(hidden, 1, rng),
      ),
    );
  }

  forward(pairsNHWC: tf.Tensor4D): PairOutputs {
    return { digits1: null, digits2: null, logit: this.net.forward(pairsNHWC) as tf.Tensor2D };
  }
}
