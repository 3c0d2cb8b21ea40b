import { tf } from "../tf.ts";
import { Layer } from "./module.ts";
import type { Rng } from "../random/rng.ts";
import { defaultRng } from "../random/default_rng.ts";

/**
 * Inverted dropout: in training, zero each unit with probability p and scale the rest by 1/(1−p);
 * identity in eval mode. Masks come from our seeded Rng (not tfjs' random ops), so a run's masks
 * are the same on every backend and on every engine (the native engine draws them from the same
 * generator in the same order).
 */
export class Dropout extends Layer {
  constructor(readonly p: number, readonly rng: Rng = defaultRng()) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`dropout probability must be in [0, 1), got ${p}`);
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.mul(x, tf.tensor(dropoutMask(x.size, this.p, this.rng), x.shape));
  }

  override toString(): string {
    return `Dropout(${this.p})`;
  }
}

export function dropoutMask(size: number, p: number, rng: Rng): Float32Array {
  return fillDropoutMask(new Float32Array(size), size, p, rng);
}

/** The first `size` entries of `mask` ← 0 with probability p, else 1/(1−p): one draw per entry, in order. */
export function fillDropoutMask(mask: Float32Array, size: number, p: number, rng: Rng): Float32Array {
  rng.fillBernoulli(mask, size, p, 1 / (1 - p));
  return mask;
}
