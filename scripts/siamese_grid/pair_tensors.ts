/** A pair set uploaded to the backend once; minibatches are slices or gathers of it. */
import { tf } from "../../lib/tf.ts";
import type { PairSet } from "./pairs.ts";

export interface PairBatch {
  /** [n, 14, 14, 2] */
  x: tf.Tensor4D;
  /** [n, 1] float 0/1 */
  target: tf.Tensor2D;
  /** [n, 2] int32 digit classes */
  classes: tf.Tensor2D;
}

export class PairTensors {
  readonly x: tf.Tensor4D;
  readonly target: tf.Tensor2D;
  readonly classes: tf.Tensor2D;
  readonly n: number;

  /** `set` stays reachable for code that reads the pairs directly (the native engine). */
  constructor(readonly set: PairSet) {
    this.n = set.n;
    this.x = tf.tensor4d(set.imagesNHWC, [set.n, set.size, set.size, 2]);
    this.target = tf.tensor2d(Float32Array.from(set.target), [set.n, 1]);
    this.classes = tf.tensor2d(Int32Array.from(set.classes), [set.n, 2], "int32");
  }

  /** Rows as tensors: a slice for one row (no upload), a gather otherwise. */
  batch(rows: Int32Array): PairBatch {
    if (rows.length === 1) {
      const r = rows[0];
      return {
        x: tf.slice(this.x, [r, 0, 0, 0], [1, -1, -1, -1]),
        target: tf.slice(this.target, [r, 0], [1, 1]),
        classes: tf.slice(this.classes, [r, 0], [1, 2]),
      };
    }
    if (rows.length === this.n && rows.every((r, i) => r === i)) {
      return { x: this.x, target: this.target, classes: this.classes };
    }
    const idx = tf.tensor1d(rows, "int32");
    return { x: tf.gather(this.x, idx), target: tf.gather(this.target, idx), classes: tf.gather(this.classes, idx) };
  }

  dispose(): void {
    tf.dispose([this.x, this.target, this.classes]);
  }
}
