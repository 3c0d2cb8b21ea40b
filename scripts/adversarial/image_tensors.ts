/**
 * A labelled image subset uploaded to the backend once, as normalised network inputs
 * x = (p/255 − mean)/std in NHWC; minibatches are gathers of it.
 */
import { tf } from "../../lib/tf.ts";
import type { ColorImageSet } from "../../lib/data/cifar10.ts";
import type { PixelNormalization } from "../../lib/attacks/threat_model.ts";
import type { ImageBatch, RobustObjective } from "./robust/image_batch.ts";
import type { Objective } from "../../lib/train/loop.ts";

export class ImageTensors {
  readonly imagesNHWC: tf.Tensor4D;
  readonly labels: tf.Tensor1D;
  /** The labels on the host, in row order. */
  readonly labelsHost: Int32Array;
  readonly n: number;

  constructor(set: ColorImageSet, rows: ArrayLike<number>, norm: PixelNormalization) {
    const pixelsPerImage = set.height * set.width * set.channels;
    this.n = rows.length;
    const inputs = new Float32Array(this.n * pixelsPerImage);
    this.labelsHost = new Int32Array(this.n);
    for (let i = 0; i < this.n; i++) {
      const from = rows[i] * pixelsPerImage, to = i * pixelsPerImage;
      for (let p = 0; p < pixelsPerImage; p++) inputs[to + p] = (set.pixelsNHWC[from + p] / 255 - norm.mean) / norm.std;
      this.labelsHost[i] = set.labels[rows[i]];
    }
    this.imagesNHWC = tf.tensor4d(inputs, [this.n, set.height, set.width, set.channels]);
    this.labels = tf.tensor1d(this.labelsHost, "int32");
  }

  /** The rows as a batch (a gather; the caller's tidy frees it). */
  batch(rows: ArrayLike<number>): ImageBatch {
    const index = tf.tensor1d(Int32Array.from(rows), "int32");
    return { imagesNHWC: tf.gather(this.imagesNHWC, index), labels: tf.gather(this.labels, index) };
  }

  dispose(): void {
    tf.dispose([this.imagesNHWC, this.labels]);
  }
}

/** Rows of one image set: the loop's batch, so training and test batches name their own set. */
export interface RowBatch {
  data: ImageTensors;
  rows: Int32Array;
}

/** The training loop's objective over row batches; the gather happens inside the loop's tidy. */
export function rowsObjective(objective: RobustObjective): Objective<RowBatch> {
  return (batch, training) => objective(batch.data.batch(batch.rows), training);
}

/** Minibatches of `data` as the loop's batches. */
export function rowBatches(data: ImageTensors, rowLists: Int32Array[]): { data: RowBatch; size: number }[] {
  return rowLists.map((rows) => ({ data: { data, rows }, size: rows.length }));
}
