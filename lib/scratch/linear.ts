/**
 * Fully connected layer with a hand-written backward pass: y = x·W + b, W: [in, out], b: [out]
 * (the layout of lib/nn/linear.ts, and PyTorch's default U(±1/√in) initialisation from
 * lib/nn/init.ts so the scratch and autodiff twins start from the same distribution).
 *
 * Backward (for a batch x: [n, in], dY: [n, out]):
 *   dW = xᵀ·dY,  db = Σₙ dY,  dX = dY·Wᵀ.
 * The loss is a batch mean (see softmax_cross_entropy.ts), so dY already carries the 1/n.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { pytorchDefaultBound, uniformTensor } from "../nn/init.ts";
import type { ScratchLayer } from "./layer.ts";

export interface LinearInit {
  /** [in, out] */
  weight: tf.Tensor2D;
  /** [out] */
  bias: tf.Tensor1D;
}

export class ScratchLinear implements ScratchLayer {
  readonly name: string;
  params: tf.Tensor[];
  grads: tf.Tensor[] = [];
  #input: tf.Tensor2D | null = null;

  /** Random PyTorch-default parameters from `rng`, or the given `init` tensors (taken over, not copied). */
  constructor(readonly inFeatures: number, readonly outFeatures: number, rngOrInit: Rng | LinearInit) {
    this.name = `Linear(${inFeatures}→${outFeatures})`;
    if ("weight" in rngOrInit) {
      assertShape(rngOrInit.weight, [inFeatures, outFeatures], "weight");
      assertShape(rngOrInit.bias, [outFeatures], "bias");
      this.params = [rngOrInit.weight, rngOrInit.bias];
    } else {
      const bound = pytorchDefaultBound(inFeatures);
      this.params = [
        uniformTensor([inFeatures, outFeatures], bound, rngOrInit),
        uniformTensor([outFeatures], bound, rngOrInit),
      ];
    }
  }

  get weight(): tf.Tensor2D {
    return this.params[0] as tf.Tensor2D;
  }

  get bias(): tf.Tensor1D {
    return this.params[1] as tf.Tensor1D;
  }

  forward(x: tf.Tensor, _training: boolean): tf.Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`${this.name}: expected input [n, ${this.inFeatures}], got [${x.shape}]`);
    }
    this.#input = x as tf.Tensor2D;
    return tf.add(tf.matMul(this.#input, this.weight), this.bias);
  }

  backward(dOut: tf.Tensor): tf.Tensor {
    const x = this.#input;
    if (!x) throw new Error(`${this.name}: backward called before forward`);
    const dY = dOut as tf.Tensor2D;
    this.grads = [tf.matMul(x, dY, true, false), tf.sum(dY, 0)];
    return tf.matMul(dY, this.weight, false, true);
  }
}

function assertShape(t: tf.Tensor, shape: number[], what: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`ScratchLinear: ${what} has shape [${t.shape}], expected [${shape}]`);
  }
}
