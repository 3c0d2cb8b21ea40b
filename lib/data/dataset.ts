/**
 * An in-memory dataset for quick scripts: inputs and targets on the backend, made once from a
 * loader's images and labels, and a view of some of their rows. Splits and subsets are views of the
 * same tensors; `batches` cuts a view into minibatches of gathered tensors, the `Batch` shape both
 * `fit` styles take (lib/train's `fit` with an objective over `{ x, y }`, and SequentialModel.fit).
 *
 *   const { train, validation } = Dataset.fromImages(mnist.train).split(0.1, seed);
 *   fit({ ..., trainBatches: () => train.batches(128, rng), validationBatches: () => validation.batches(1000) });
 *
 * Batches are gathered outside the gradient tape: gathering inside it would make tfjs save (on wasm:
 * copy) the whole dataset once per step. A view keeps the tensors of its latest `batches()` call and
 * frees them at the next call or at `dispose()`, so an epoch's batches live until the next epoch's.
 */
import { tf } from "../tf.ts";
import type { Batch } from "../train/loop.ts";
import { Rng } from "../random/rng.ts";
import { allRows, minibatches } from "./batches.ts";
import type { ImageSet } from "./mnist.ts";
import type { ColorImageSet } from "./cifar10.ts";

/** One minibatch: inputs [b, ...] and targets (int32 labels [b], or one-hot [b, classes]). */
export interface DataBatch {
  x: tf.Tensor;
  y: tf.Tensor;
}

/** How `Dataset.fromImages` turns pixels and labels into tensors: scale, flatten, one-hot, size. */
export interface FromImagesOptions {
  /** Pixel scale: inputs are pixel·scale (default 1/255, i.e. [0, 1]). */
  scale?: number;
  /** Inputs as [n, h·w·c] rows instead of NHWC images [n, h, w, c] (for MLPs). */
  flatten?: boolean;
  /** Targets one-hot [n, classes] (float32) instead of int32 labels [n]. */
  oneHot?: boolean;
  /** Number of classes (default: the largest label + 1). */
  classes?: number;
  /** Keep only the first `size` images (e.g. a --quick run). */
  size?: number;
}

/** Where a view's rows come from: tensors shared by all views of one dataset. */
interface Source {
  x: tf.Tensor;
  y: tf.Tensor;
  /** Host class labels of every source row, when known without a device read. */
  labels: Int32Array | null;
  classes: number | null;
  /** Whether disposing the root view frees x and y (true for tensors it made itself). */
  owned: boolean;
}

/** An in-memory dataset on the backend: splits, subsets and shuffled minibatches for both fit styles. */
export class Dataset {
  readonly #source: Source;
  /** Rows of the source tensors this view covers, in order. */
  readonly rows: Int32Array;
  /** The view a constructor made (not a split or a subset): the one that frees the tensors. */
  readonly #root: boolean;
  #live: tf.Tensor[] = [];

  private constructor(source: Source, rows: Int32Array, root = false) {
    this.#source = source;
    this.rows = rows;
    this.#root = root;
  }

  /** Images and labels of a loader (MNIST, Fashion-MNIST, CIFAR-10), scaled, as backend tensors. */
  static fromImages(set: ImageSet | ColorImageSet, opts: FromImagesOptions = {}): Dataset {
    const { scale = 1 / 255, flatten = false, oneHot = false } = opts;
    const pixels = "pixelsNHWC" in set ? set.pixelsNHWC : set.pixels;
    const channels = "channels" in set ? set.channels : 1;
    const n = Math.min(opts.size ?? set.n, set.n), perImage = set.height * set.width * channels;
    const labels = Int32Array.from(set.labels.subarray(0, n));
    const classes = opts.classes ?? labels.reduce((max, l) => Math.max(max, l), -1) + 1;
    const values = Float32Array.from(pixels.subarray(0, n * perImage), (p) => p * scale);
    const x = tf.tensor(values, flatten ? [n, perImage] : [n, set.height, set.width, channels]);
    const y = tf.tidy(() => {
      const ints = tf.tensor1d(labels, "int32");
      return oneHot ? tf.oneHot(ints, classes).toFloat() : ints;
    });
    return new Dataset({ x, y, labels, classes, owned: true }, allRows(n), true);
  }

  /** Rows of existing tensors (not copied; the caller keeps ownership of x and y). */
  static fromTensors(x: tf.Tensor, y: tf.Tensor): Dataset {
    if (x.shape[0] !== y.shape[0]) throw new Error(`x has ${x.shape[0]} rows but y has ${y.shape[0]}`);
    const classes = y.rank === 2 ? y.shape[1]! : null;
    return new Dataset({ x, y, labels: null, classes, owned: false }, allRows(x.shape[0]), true);
  }

  /** Number of rows in this view. */
  get size(): number {
    return this.rows.length;
  }

  /** Shape of one input (no batch dimension), e.g. [28, 28, 1]. */
  get inputShape(): number[] {
    return this.#source.x.shape.slice(1);
  }

  /** Number of classes, when the labels or one-hot targets tell. */
  get classes(): number | null {
    return this.#source.classes;
  }

  /** A view of the first `n` rows of this one. */
  take(n: number): Dataset {
    return new Dataset(this.#source, this.rows.slice(0, Math.min(n, this.size)));
  }

  /**
   * Disjoint train and validation views. With a `seed` the validation rows are a seeded random
   * `fraction`; without one they are the last `fraction` of the rows, as Keras' validation_split.
   */
  split(fraction: number, seed?: number | string): { train: Dataset; validation: Dataset } {
    if (!(fraction >= 0 && fraction < 1)) throw new Error(`validation fraction must be in [0, 1), got ${fraction}`);
    const order = seed === undefined ? allRows(this.size) : Rng.derive(seed, "dataset-split").permutation(this.size);
    const nValidation = Math.round(this.size * fraction);
    const pick = (positions: Int32Array) => Int32Array.from(positions, (p) => this.rows[p]);
    return {
      train: new Dataset(this.#source, pick(order.slice(0, this.size - nValidation))),
      validation: new Dataset(this.#source, pick(order.slice(this.size - nValidation))),
    };
  }

  /** Minibatch count of `batches(batchSize)` (for per-step schedules: epochs × this = steps). */
  batchCount(batchSize: number): number {
    return Math.ceil(this.size / batchSize);
  }

  /**
   * This view's rows as minibatches of gathered tensors: in order, or in a fresh permutation drawn
   * from `shuffle` (call it once per epoch). Frees the batches of this view's previous call.
   */
  batches(batchSize: number, shuffle?: Rng): Batch<DataBatch>[] {
    tf.dispose(this.#live);
    const positions = shuffle ? shuffle.permutation(this.size) : allRows(this.size);
    const batches = minibatches(positions, batchSize).map((p) => {
      const rows = Int32Array.from(p, (i) => this.rows[i]);
      const data = tf.tidy(() => {
        const index = tf.tensor1d(rows, "int32");
        return { x: tf.gather(this.#source.x, index), y: tf.gather(this.#source.y, index) };
      });
      return { data, size: rows.length };
    });
    this.#live = batches.flatMap((b) => [b.data.x, b.data.y]);
    return batches;
  }

  /** Class labels of this view's rows on the host (for confusion matrices and reports). */
  async labels(): Promise<Int32Array> {
    const source = this.#source;
    if (!source.labels) {
      const all = tf.tidy(() => source.y.rank === 2 ? tf.argMax(source.y, 1) : tf.cast(source.y, "int32"));
      source.labels = Int32Array.from(await all.data());
      all.dispose();
    }
    return Int32Array.from(this.rows, (r) => source.labels![r]);
  }

  /**
   * Frees this view's batches; on the dataset `fromImages` made (not a split or subset of it) also
   * the tensors every view shares.
   */
  dispose(): void {
    tf.dispose(this.#live);
    this.#live = [];
    if (this.#root && this.#source.owned) tf.dispose([this.#source.x, this.#source.y]);
  }
}
