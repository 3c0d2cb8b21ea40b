/**
 * One seed-000 run compiled for the lockstep engine, as native_pair_model.ts is for the native
 * engine: its trunk(s) and combiner (or the MLP) as GpuSequentials, the pair features between them,
 * the loss, and its dropout stream. A shared trunk runs both images as 2B rows (second images in
 * block 1); its last layer writes digit logits straight into the pair-feature rows [d₁ | d₂], and
 * the combiner's input gradient adds onto the digit losses' gradient there (the native order).
 */
import { UserError } from "../../lib/cli/errors.ts";
import { PairMLP, type PairModel, SiameseNet } from "./siamese.ts";
import type { PairSet } from "./pairs.ts";
import type { LossWeights } from "./native_pair_model.ts";
import { FlatParams, GpuSequential, type StagedItem, type WorkAllocator } from "../../lib/webgpu/sequential.ts";
import type { Source } from "../../lib/webgpu/prelude.ts";
import { NONE } from "../../lib/webgpu/table.ts";
import { DROPOUT_MASKS, maskItem } from "../../lib/webgpu/dropout_masks.ts";
import { bernoulliThreshold } from "../../lib/webgpu/sfc32.ts";
import { LOSS_FIELDS, PAIR_LOSS } from "./webgpu_loss.ts";
import type { Rng } from "../../lib/random/rng.ts";

const DIGITS = 10;
/** Floats of one pair: two 14×14 images, interleaved as channels (PairSet.imagesNHWC). */
export const PAIR_FLOATS = 14 * 14 * 2;

/** Where a pair set lives on the GPU: its images in data, its labels and identity order in ints. */
export interface GpuSet {
  set: PairSet;
  images: number;
  target: number;
  classes: number;
  identity: number;
}

/** Stages of a step, in order. */
const PHASE = { masks: 0, trunkForward: 1, headForward: 2, loss: 3, headBackward: 4, trunkBackward: 5 };

export class GpuPairModel {
  readonly params: FlatParams;
  readonly trunks: GpuSequential[];
  readonly head: GpuSequential;
  readonly mlp: boolean;
  /** Pair features [pairs, 20] and their gradient (siamese only). */
  readonly #pf: number;
  readonly #gpf: number;
  readonly parameterCount: number;

  /**
   * `paramBase`: where its parameters start in the engine's buffer; `B` the training batch,
   * `maxPairs` the most pairs a forward pass takes; `order`/`rng` its ints offsets; `outcomes` its
   * log (train then test).
   */
  constructor(
    model: PairModel,
    paramBase: number,
    work: WorkAllocator,
    readonly B: number,
    maxPairs: number,
    readonly at: { order: number; rng: number; trainOutcomes: number; testOutcomes: number },
    readonly w: LossWeights,
  ) {
    this.params = new FlatParams(paramBase, FlatParams.floatsFor(model.parameters().map((p) => p.size)));
    if (model instanceof SiameseNet) {
      this.mlp = false;
      const shared = model.trunks.length === 1, mult = shared ? 2 : 1;
      this.#pf = work.floats(maxPairs * 2 * DIGITS);
      this.#gpf = work.floats(B * 2 * DIGITS);
      this.trunks = model.trunks.map((t, i) =>
        new GpuSequential(t, [14, 14, 1], this.params, work, { max: mult * maxPairs, train: mult * B }, {
          y: this.#pf + i * DIGITS,
          dy: this.#gpf + i * DIGITS,
          rs: 2 * DIGITS,
          bs: shared ? DIGITS : 0,
        })
      );
      this.head = new GpuSequential(model.combiner, [2 * DIGITS], this.params, work, { max: maxPairs, train: B });
    } else if (model instanceof PairMLP) {
      this.mlp = true;
      this.#pf = this.#gpf = NONE;
      this.trunks = [];
      this.head = new GpuSequential(model.net, [14, 14, 2], this.params, work, { max: maxPairs, train: B });
    } else {
      throw new UserError("webgpu engine: only the seed-000 pair models (SiameseNet, PairMLP) are supported");
    }
    this.parameterCount = model.parameterCount();
    const placed = this.params.values.length;
    if (placed !== FlatParams.floatsFor(model.parameters().map((p) => p.size))) {
      throw new UserError(`webgpu engine: placed ${placed} floats for ${this.parameterCount} parameters`);
    }
  }

  get #shared(): boolean {
    return this.trunks.length === 1;
  }

  /** The dropout generator (after initialisation) every mask of this run is drawn from, if any. */
  get dropout(): { p: number; rng: Rng } | null {
    return [...this.trunks, this.head].map((s) => s.dropout).find((d) => d) ?? null;
  }

  /** Input of trunk i (or of the MLP) gathered from `set` through the order at `order`. */
  #input(g: GpuSet, order: number, trunk: number): Source {
    if (this.mlp) return { mode: "data", off: g.images, rs: PAIR_FLOATS, bs: 0, cs: 1, order };
    return { mode: "data", off: g.images + trunk, rs: PAIR_FLOATS, bs: this.#shared ? 1 : 0, cs: 2, order };
  }

  #headInput(): Source {
    return { mode: "work", off: this.#pf, rs: 2 * DIGITS, bs: 0, cs: 1, order: 0 };
  }

  /** A training step's items at B pairs (B ≤ the batch: the epoch's last may be short). */
  trainItems(g: GpuSet, B: number): StagedItem[] {
    const order = this.at.order, mult = this.#shared ? 2 : 1;
    const items: StagedItem[] = [];
    const d = this.dropout;
    if (d) {
      const segments = [...this.trunks.flatMap((t) => t.maskSegments(mult)), ...this.head.maskSegments(1)];
      items.push({
        stage: [PHASE.masks],
        kernel: DROPOUT_MASKS,
        item: maskItem({ B, rng: this.at.rng, threshold: bernoulliThreshold(d.p), scale: 1 / (1 - d.p), segments }),
      });
    }
    this.trunks.forEach((t, i) =>
      items.push(...t.forward(PHASE.trunkForward, B, mult, true, this.#input(g, order, i)))
    );
    const headIn = this.mlp ? this.#input(g, order, 0) : this.#headInput();
    items.push(...this.head.forward(PHASE.headForward, B, 1, true, headIn));
    items.push(this.#loss(g, B, order, this.at.trainOutcomes, true));
    const headGrad = this.mlp ? { dx: NONE, dxAdd: false } : { dx: this.#gpf, dxAdd: true };
    items.push(...this.head.backward(PHASE.headBackward, B, 1, headIn, headGrad));
    this.trunks.forEach((t, i) =>
      items.push(...t.backward(PHASE.trunkBackward, B, mult, this.#input(g, order, i), { dx: NONE, dxAdd: false }))
    );
    return items;
  }

  /** An evaluation chunk of `pairs` pairs of `g` (in its own order), no dropout, no gradients. */
  evalItems(g: GpuSet, pairs: number): StagedItem[] {
    const mult = this.#shared ? 2 : 1, order = g.identity;
    const items: StagedItem[] = [];
    this.trunks.forEach((t, i) =>
      items.push(...t.forward(PHASE.trunkForward, pairs, mult, false, this.#input(g, order, i)))
    );
    items.push(
      ...this.head.forward(PHASE.headForward, pairs, 1, false, this.mlp ? this.#input(g, order, 0) : this.#headInput()),
    );
    items.push(this.#loss(g, pairs, order, this.at.testOutcomes, false));
    return items;
  }

  #loss(g: GpuSet, B: number, order: number, out: number, training: boolean): StagedItem {
    const { y, dy } = this.head.output;
    const digits = this.mlp ? NONE : this.#pf;
    return {
      stage: [PHASE.loss],
      kernel: PAIR_LOSS,
      item: {
        threads: B,
        fields: LOSS_FIELDS.pack({
          threads: B,
          B,
          logit: y,
          dLogit: dy,
          target: g.target,
          classes: g.classes,
          order,
          digits,
          dDigits: this.mlp ? NONE : this.#gpf,
          alpha: this.w.alpha,
          ce: this.mlp ? 0 : this.w.ce,
          out,
          training: training ? 1 : 0,
        }),
      },
    };
  }
}

export const PAIR_KERNELS = [PAIR_LOSS, DROPOUT_MASKS];
