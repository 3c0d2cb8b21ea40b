/**
 * A stride-1 "valid" convolution whose gradients are themselves forward convolutions.
 *
 * Attacks differentiate the network with respect to its input at every step, so the input
 * gradient of a convolution (Conv2DBackpropInput) is the hot spot of this experiment; tfjs-wasm 4.22
 * computes it with a plain loop, several times slower than its XNNPACK forward convolution of the
 * same layer. For stride 1 and no padding both gradients are forward convolutions (Dumoulin & Visin
 * 2016, §4.1):
 *   ∂L/∂x = conv(pad(dy, k−1), rot180(W) with in/out swapped)          ("full" correlation)
 *   ∂L/∂W = conv(xᵀ, dyᵀ)ᵀ with the batch as the contracted channel axis,
 * so tf.customGrad routes them through the fast kernels. With one input channel (the first layer
 * on grey images) ∂L/∂x is a depthwise convolution summed over channels, which XNNPACK runs faster
 * than a convolution with a single output channel.
 *
 * Attacks need only ∂L/∂x: `forwardConstantWeights` treats the weights as constants, so the
 * weight gradients are never computed. Both forwards give the same values and the same ∂L/∂x
 * as tfjs' own conv2d gradient (tests/attacks_test.ts).
 */
import { tf } from "../../lib/tf.ts";
import { Conv2d } from "../../lib/nn/conv2d.ts";
import type { Rng } from "../../lib/random/rng.ts";

/** ∂L/∂x of y = conv2d(x, W, stride 1, valid) given dy. */
export function convInputGradient(dy: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [kh, kw, inChannels, outChannels] = filter.shape;
    const rotated = tf.reverse(filter, [0, 1]);
    const padded = tf.pad(dy, [[0, 0], [kh - 1, kh - 1], [kw - 1, kw - 1], [0, 0]]);
    if (inChannels === 1) {
      const perChannel = tf.reshape(rotated, [kh, kw, outChannels, 1]) as tf.Tensor4D;
      return tf.sum(tf.depthwiseConv2d(padded, perChannel, 1, "valid"), 3, true) as tf.Tensor4D;
    }
    return tf.conv2d(padded, tf.transpose(rotated, [0, 1, 3, 2]) as tf.Tensor4D, 1, "valid");
  });
}

/** ∂L/∂W of y = conv2d(x, W, stride 1, valid) given dy: [kh, kw, in, out]. */
export function convFilterGradient(x: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const channelsAsBatch = tf.transpose(x, [3, 1, 2, 0]) as tf.Tensor4D; // [in, H, W, n]
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [oh, ow, n, out]
    return tf.transpose(tf.conv2d(channelsAsBatch, dyAsFilter, 1, "valid"), [1, 2, 0, 3]);
  });
}

// customGrad passes the inputs and then the save function as one variadic list.
const validConv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, filter, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([x, filter]);
  return {
    value: tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, "valid"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor4D[];
      return [convInputGradient(dy as tf.Tensor4D, ws), convFilterGradient(xs, dy as tf.Tensor4D)];
    },
  };
});

/** The same convolution with a constant filter: only ∂L/∂x exists. */
function constantFilterConv(filter: tf.Tensor4D): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x] = args as [tf.Tensor];
    return {
      value: tf.conv2d(x as tf.Tensor4D, filter, 1, "valid"),
      gradFunc: (dy: tf.Tensor) => convInputGradient(dy as tf.Tensor4D, filter),
    };
  }) as (x: tf.Tensor) => tf.Tensor;
}

/** lib/nn's Conv2d (stride 1, no padding) with forward-convolution gradients. */
export class ForwardGradientConv2d extends Conv2d {
  readonly #constant: (x: tf.Tensor) => tf.Tensor;

  constructor(inChannels: number, outChannels: number, kernelSize: number, rng: Rng) {
    super(inChannels, outChannels, kernelSize, rng);
    this.#constant = constantFilterConv(this.weight as tf.Tensor4D);
  }

  override forward(x: tf.Tensor): tf.Tensor {
    const y = validConv(x, this.weight);
    return this.bias ? tf.add(y, this.bias) : y;
  }

  /** The forward with the weights as constants (for input gradients only). */
  forwardConstantWeights(x: tf.Tensor): tf.Tensor {
    const y = this.#constant(x);
    return this.bias ? tf.add(y, this.bias) : y;
  }
}
