/**
 * The seed-001 data as device tensors: the synthetic line and the first MNIST images, pixels scaled
 * to [0, 1] (the seed's `/= 255`) with one-hot labels (its `to_categorical`).
 */
import { tf } from "../../lib/tf.ts";
import type { ImageSet } from "../../lib/data/mnist.ts";
import type { Rng } from "../../lib/random/rng.ts";

export interface Examples {
  /** [n, 1] for the line, [n, 784] flat or [n, 28, 28, 1] NHWC images. */
  x: tf.Tensor;
  /** [n, 1] targets or [n, 10] one-hot labels. */
  y: tf.Tensor;
  n: number;
}

/** The line the linear regression must recover. */
export const TRUE_LINE = { w: 0.5, b: 1 } as const;

/**
 * x ~ N(0, 1) (the seed's np.random.randn(100)), y = 0.5·x + 1 + ε with ε ~ N(0, noiseStd²); the
 * seed has no ε (noiseStd 0).
 */
export function lineExamples(points: number, noiseStd: number, rng: Rng): Examples {
  const x = rng.fillNormal(new Float32Array(points));
  const y = Float32Array.from(x, (xi) => TRUE_LINE.w * xi + TRUE_LINE.b + (noiseStd > 0 ? noiseStd * rng.normal() : 0));
  return { x: tf.tensor2d(x, [points, 1]), y: tf.tensor2d(y, [points, 1]), n: points };
}

export type ImageLayout = "flat" | "nhwc";

/** The first `count` images of `set` (the seed's x_train[:1000]). */
export function mnistExamples(set: ImageSet, count: number, layout: ImageLayout): Examples {
  if (count > set.n) throw new Error(`asked for ${count} images but the set has ${set.n}`);
  const pixelsPerImage = set.height * set.width;
  const scaled = new Float32Array(count * pixelsPerImage);
  for (let i = 0; i < scaled.length; i++) scaled[i] = set.pixels[i] / 255;
  const shape = layout === "flat" ? [count, pixelsPerImage] : [count, set.height, set.width, 1];
  const y = tf.tidy(() =>
    tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(set.labels.subarray(0, count)), "int32"), 10), "float32")
  );
  return { x: tf.tensor(scaled, shape), y, n: count };
}

export function disposeExamples(examples: Examples): void {
  tf.dispose([examples.x, examples.y]);
}
