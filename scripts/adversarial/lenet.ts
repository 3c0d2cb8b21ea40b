/**
 * The seed's SimpleCNN, a LeNet-5-style network (LeCun et al. 1998, with ReLU and max pooling):
 *   conv 5×5 (c→6) → ReLU → maxpool 2 → conv 5×5 (6→16) → ReLU → maxpool 2 → flatten
 *   → linear 120 → ReLU → linear 84 → ReLU → linear 10.
 * On 28×28 MNIST the flattened features are 16·4·4 = 256 (the seed's 16·5·5 is for 32×32 CIFAR).
 * `width` multiplies the two conv widths (1 = the seed's 6 and 16 channels).
 * The two conv blocks' activations are exposed as `features` for the perceptual distance. Attacks
 * differentiate the network with respect to its input once per step; tfjs' tape computes only the
 * gradients on the path to what is differentiated, so they never compute the weights' gradients.
 */
import { tf } from "../../lib/tf.ts";
import { Conv2d, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential } from "../../lib/nn/mod.ts";
import type { Rng } from "../../lib/random/rng.ts";

export interface LeNetShape {
  height: number;
  width: number;
  channels: number;
  classes: number;
  /** Multiplier of the conv widths 6 and 16. */
  widthFactor: number;
}

/** Side after conv5 → pool2 → conv5 → pool2 (valid convs, floor pooling). */
export function lenetFeatureSide(side: number): number {
  const afterFirst = Math.floor((side - 4) / 2);
  const afterSecond = Math.floor((afterFirst - 4) / 2);
  if (afterSecond < 1) throw new Error(`images of side ${side} are too small for two 5×5 convs and pools`);
  return afterSecond;
}

export class LeNet extends Module {
  readonly conv1: Conv2d;
  readonly conv2: Conv2d;
  readonly pool = new MaxPool2d(2);
  readonly head: Sequential;

  constructor(readonly shape: LeNetShape, rng: Rng) {
    super();
    const c1 = 6 * shape.widthFactor, c2 = 16 * shape.widthFactor;
    if (shape.height !== shape.width) {
      throw new Error(`LeNet expects square images, got ${shape.height}×${shape.width}`);
    }
    const side = lenetFeatureSide(shape.height);
    this.conv1 = this.addModule("conv1", new Conv2d(shape.channels, c1, 5, rng));
    this.conv2 = this.addModule("conv2", new Conv2d(c1, c2, 5, rng));
    this.head = this.addModule(
      "head",
      new Sequential(
        new Flatten(),
        new Linear(c2 * side * side, 120, rng),
        new ReLU(),
        new Linear(120, 84, rng),
        new ReLU(),
        new Linear(84, shape.classes, rng),
      ),
    );
  }

  /** The conv blocks' pooled activations, [n, 12, 12, 6] and [n, 4, 4, 16] on MNIST (the perceptual features). */
  features(imagesNHWC: tf.Tensor): tf.Tensor[] {
    const first = this.pool.forward(tf.relu(this.conv1.forward(imagesNHWC)));
    return [first, this.pool.forward(tf.relu(this.conv2.forward(first)))];
  }

  /** imagesNHWC [n, h, w, c] → logits [n, classes]. */
  forward(imagesNHWC: tf.Tensor): tf.Tensor {
    return this.head.forward(this.features(imagesNHWC)[1]);
  }
}
