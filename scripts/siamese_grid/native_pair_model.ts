/**
 * The seed-000 pair models (SiameseNet with or without weight sharing, PairMLP) on the native
 * engine, with the seed-000 loss and its gradient written out:
 *   L = α·mean BCE(z, t) + w·(mean CE(d₁, c₁) + mean CE(d₂, c₂)),   w = (1−α)/2 with aux, else 0
 *   ∂L/∂z = α·(σ(z) − t)/B,   ∂L/∂d = w·(softmax(d) − onehot(c))/B.
 * Built from an ordinary lib/nn model (its initial weights and its dropout generator), so a native
 * run starts where a tfjs run of the same config starts and draws the same dropout masks.
 */
import { PairMLP, type PairModel, SiameseNet } from "./siamese.ts";
import type { PairSet } from "./pairs.ts";
import type { FloatBuffer } from "../../lib/wasm/arena.ts";
import { type AdamScalars, adamStep, type Engine } from "../../lib/native/engine.ts";
import { ParameterSlots } from "../../lib/native/layer.ts";
import { type Binding, NativeSequential } from "../../lib/native/sequential.ts";

export interface LossWeights {
  /** Weight of the comparison BCE. */
  alpha: number;
  /** Weight of each digit CE (0 without the auxiliary loss). */
  ce: number;
}

/** Sum of the batch's mean losses and its number of correct comparisons. */
export interface StepStats {
  loss: number;
  correct: number;
}

const DIGITS = 10;

/** Slices of the flat buffers one Adam pass updates. */
type AdamRun = { p: FloatBuffer; g: FloatBuffer; m: FloatBuffer; v: FloatBuffer };

export class NativePairModel {
  /** Flat parameters, gradients and Adam moments (each tensor 4-aligned, padding kept at 0). */
  readonly params: FloatBuffer;
  readonly grads: FloatBuffer;
  readonly m: FloatBuffer;
  readonly v: FloatBuffer;
  readonly parameterCount: number;
  /**
   * Slices the flat Adam pass updates: after fused (batch-1) or plain backward passes, over all
   * parameters or the trunks' only (a frozen comparison head, see `step`).
   */
  readonly #adamRuns: Record<"fused" | "plain" | "fusedTrunks" | "plainTrunks", AdamRun[]>;
  /** Offsets [start, end) of the comparison head's (combiner's) floats in the flat buffers. */
  readonly #head: [number, number];
  /** The head's Adam moments are all zero (fresh, restored at rest, or only α = 0 steps since). */
  #headAtRest = true;
  readonly #trunks: NativeSequential[];
  readonly #combiner: NativeSequential;
  readonly #mlp: boolean;
  readonly #pixels: number;
  /** Trunk inputs: one buffer of 2B images with sharing, else one of B per trunk; the MLP's B pairs. */
  readonly #inputs: FloatBuffer[];
  readonly #pairFeatures: FloatBuffer;
  readonly #dLogit: FloatBuffer;
  readonly #dDigits: FloatBuffer[];

  constructor(readonly engine: Engine, model: PairModel, imageSide: number, readonly maxPairs: number) {
    const n = ParameterSlots.floatsFor(model.parameters().map((p) => p.size));
    [this.params, this.grads, this.m, this.v] = [0, 1, 2, 3].map(() => engine.arena.floats(n));
    const slots = new ParameterSlots({ params: this.params, grads: this.grads, m: this.m, v: this.v });
    this.#pixels = imageSide * imageSide;
    if (model instanceof SiameseNet) {
      this.#mlp = false;
      const shared = model.trunks.length === 1, rowsPerTrunk = shared ? 2 * maxPairs : maxPairs;
      this.#trunks = model.trunks.map((t) =>
        new NativeSequential(engine, t, [imageSide, imageSide, 1], slots, rowsPerTrunk)
      );
      this.#inputs = this.#trunks.map(() => engine.arena.floats(rowsPerTrunk * this.#pixels));
      this.#dDigits = this.#trunks.map(() => engine.arena.floats(rowsPerTrunk * DIGITS));
      this.#head = [slots.end, n];
      this.#combiner = new NativeSequential(engine, model.combiner, [2 * DIGITS], slots, maxPairs);
    } else if (model instanceof PairMLP) {
      this.#mlp = true;
      this.#trunks = [];
      this.#dDigits = [];
      this.#inputs = [engine.arena.floats(maxPairs * 2 * this.#pixels)];
      this.#head = [0, n];
      this.#combiner = new NativeSequential(engine, model.net, [imageSide, imageSide, 2], slots, maxPairs);
    } else {
      throw new Error("native engine: only the seed-000 pair models (SiameseNet, PairMLP) are supported");
    }
    this.parameterCount = model.parameterCount();
    if (slots.count !== this.parameterCount) {
      throw new Error(`native engine: placed ${slots.count} of ${this.parameterCount} parameters`);
    }
    const runs = (end: number, skipFused: boolean) => this.#runsOf(slots, end, skipFused);
    this.#adamRuns = {
      fused: runs(n, true),
      plain: runs(n, false),
      fusedTrunks: runs(this.#head[0], true),
      plainTrunks: runs(this.#head[0], false),
    };
    this.#pairFeatures = engine.arena.floats(maxPairs * 2 * DIGITS);
    this.#dLogit = engine.arena.floats(maxPairs);
  }

  get bindings(): Binding[] {
    return [...this.#trunks, this.#combiner].flatMap((s) => s.bindings);
  }

  /** Runs of consecutive slots ending before float `end` (without the fused ones if asked), merged. */
  #runsOf(slots: ParameterSlots, end: number, skipFused: boolean): AdamRun[] {
    const ranges: [number, number][] = [];
    for (const s of slots.slots) {
      if (s.offset >= end || (skipFused && s.fusable)) continue;
      const last = ranges.at(-1), slotEnd = s.offset + Math.ceil(s.length / 4) * 4;
      if (last && last[1] === s.offset) last[1] = slotEnd;
      else ranges.push([s.offset, slotEnd]);
    }
    return ranges.map(([start, stop]) => this.#run(start, stop - start));
  }

  #run(offset: number, n: number): AdamRun {
    return {
      p: this.params.slice(offset, n),
      g: this.grads.slice(offset, n),
      m: this.m.slice(offset, n),
      v: this.v.slice(offset, n),
    };
  }

  /** Forward and backward on `rows` of `set`; gradients land in `grads` (nothing is updated). */
  trainStep(set: PairSet, rows: Int32Array, w: LossWeights): StepStats {
    return this.#pass(set, rows, w, true);
  }

  /**
   * One training step: forward, backward and Adam with `adam`'s scalars. At batch 1 the dense
   * layers update their weights inside the backward pass (one pass over W, m, v) and the flat Adam
   * pass covers the rest; larger batches take gradients first, then one flat pass.
   *
   * With α = 0 the comparison head's gradient is exactly zero, and Adam from zero moments leaves
   * its weights and moments exactly as they are (m = 0, so the update is 0/(0 + ε̂)), so its
   * backward pass and its Adam update are skipped: the same bits in less time (they are a large
   * share of a small model's step; a fifth of the seed grid's runs have α = 0). Its forward pass
   * still runs: train accuracy is the comparison's.
   */
  step(set: PairSet, rows: Int32Array, w: LossWeights, adam: AdamScalars): StepStats {
    const fused = rows.length === 1, frozenHead = !this.#mlp && w.alpha === 0 && this.#headAtRest;
    if (w.alpha !== 0) this.#headAtRest = false;
    const stats = this.#pass(set, rows, w, true, fused ? adam : undefined, frozenHead);
    const runs = this.#adamRuns[`${fused ? "fused" : "plain"}${frozenHead ? "Trunks" : ""}`];
    for (const run of runs) adamStep(this.engine, run, adam);
    return stats;
  }

  /**
   * Call after writing parameters or moments from outside (a checkpoint): whether the comparison
   * head may be skipped at α = 0 depends on its moments being zero.
   */
  stateRestored(): void {
    const [start, end] = this.#head;
    const zero = (b: FloatBuffer) => b.f.subarray(start, end).every((x) => x === 0);
    this.#headAtRest = zero(this.m) && zero(this.v);
  }

  /**
   * Summed loss (Σ over pairs) and correct count of `rows` of `set` in eval mode (no dropout),
   * `maxPairs` rows at a time.
   */
  evaluateRows(set: PairSet, rows: Int32Array, w: LossWeights): StepStats {
    let loss = 0, correct = 0;
    for (let start = 0; start < rows.length; start += this.maxPairs) {
      const chunk = rows.subarray(start, Math.min(start + this.maxPairs, rows.length));
      const s = this.#pass(set, chunk, w, false);
      loss += s.loss * chunk.length;
      correct += s.correct;
    }
    return { loss, correct };
  }

  #pass(
    set: PairSet,
    rows: Int32Array,
    w: LossWeights,
    training: boolean,
    adam?: AdamScalars,
    frozenHead = false,
  ): StepStats {
    const B = rows.length;
    if (B > this.maxPairs) throw new Error(`native engine: batch of ${B} pairs > ${this.maxPairs} allocated`);
    this.#gather(set, rows);
    let logits: FloatBuffer;
    let digits: Float32Array[] = [];
    if (this.#mlp) {
      logits = this.#combiner.forward(this.#inputs[0], B, training);
    } else {
      const outs = this.#trunks.length === 1
        ? [this.#trunks[0].forward(this.#inputs[0], 2 * B, training).f]
        : this.#trunks.map((t, i) => t.forward(this.#inputs[i], B, training).f);
      // Digit logits of first and second images: halves of one [2B, 10] output, or one output each.
      digits = outs.length === 1
        ? [outs[0].subarray(0, B * DIGITS), outs[0].subarray(B * DIGITS, 2 * B * DIGITS)]
        : outs;
      const z = this.#pairFeatures.f;
      for (let b = 0; b < B; b++) {
        z.set(digits[0].subarray(b * DIGITS, (b + 1) * DIGITS), b * 2 * DIGITS);
        z.set(digits[1].subarray(b * DIGITS, (b + 1) * DIGITS), b * 2 * DIGITS + DIGITS);
      }
      logits = this.#combiner.forward(this.#pairFeatures, B, training);
    }
    const stats = this.#comparisonLoss(logits.f, set, rows, w.alpha);
    if (!this.#mlp && w.ce > 0) stats.loss += this.#digitLoss(digits, set, rows, w.ce, training);
    else if (training) { for (const d of this.#dDigits) d.f.fill(0); }
    if (training) this.#backward(B, adam, frozenHead);
    return stats;
  }

  #gather(set: PairSet, rows: Int32Array): void {
    const P = this.#pixels, img = set.imagesNHWC, B = rows.length;
    if (this.#mlp) {
      const x = this.#inputs[0].f;
      rows.forEach((r, b) => x.set(img.subarray(r * 2 * P, (r + 1) * 2 * P), b * 2 * P));
      return;
    }
    const first = this.#inputs[0].f, second = this.#trunks.length === 1 ? first : this.#inputs[1].f;
    const secondOffset = this.#trunks.length === 1 ? B * P : 0;
    for (let b = 0; b < B; b++) {
      const src = rows[b] * 2 * P;
      for (let i = 0; i < P; i++) {
        first[b * P + i] = img[src + 2 * i];
        second[secondOffset + b * P + i] = img[src + 2 * i + 1];
      }
    }
  }

  /** α·mean BCE-with-logits (the stable form max(z,0) − z·t + log(1 + e^−|z|)); writes ∂L/∂z. */
  #comparisonLoss(z: Float32Array, set: PairSet, rows: Int32Array, alpha: number): StepStats {
    const B = rows.length, dz = this.#dLogit.f;
    let sum = 0, correct = 0;
    for (let b = 0; b < B; b++) {
      const t = set.target[rows[b]], x = z[b];
      sum += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
      dz[b] = alpha * (1 / (1 + Math.exp(-x)) - t) / B;
      if ((x > 0 ? 1 : 0) === t) correct++;
    }
    return { loss: alpha * sum / B, correct };
  }

  /** weight·(mean CE of first digits + mean CE of second digits); writes ∂L/∂digits. */
  #digitLoss(digits: Float32Array[], set: PairSet, rows: Int32Array, weight: number, training: boolean): number {
    const B = rows.length;
    const grads = this.#dDigits.length === 1
      ? [this.#dDigits[0].f.subarray(0, B * DIGITS), this.#dDigits[0].f.subarray(B * DIGITS, 2 * B * DIGITS)]
      : this.#dDigits.map((d) => d.f);
    let sum = 0;
    for (let side = 0; side < 2; side++) {
      const d = digits[side], g = grads[side];
      for (let b = 0; b < B; b++) {
        const o = b * DIGITS, label = set.classes[2 * rows[b] + side];
        let max = -Infinity;
        for (let j = 0; j < DIGITS; j++) max = Math.max(max, d[o + j]);
        let denom = 0;
        for (let j = 0; j < DIGITS; j++) denom += Math.exp(d[o + j] - max);
        sum += max + Math.log(denom) - d[o + label];
        if (!training) continue;
        for (let j = 0; j < DIGITS; j++) {
          g[o + j] = weight * (Math.exp(d[o + j] - max) / denom - (j === label ? 1 : 0)) / B;
        }
      }
    }
    return weight * sum / B;
  }

  /** Backward from the loss' gradients; a frozen head passes the trunks only the digit losses'. */
  #backward(B: number, adam: AdamScalars | undefined, frozenHead: boolean): void {
    if (this.#mlp) {
      this.#combiner.backward(this.#dLogit, B, false, adam);
      return;
    }
    const shared = this.#trunks.length === 1;
    if (!frozenHead) {
      const dz = this.#combiner.backward(this.#dLogit, B, true, adam)!.f;
      const g1 = this.#dDigits[0].f, g2 = shared ? g1 : this.#dDigits[1].f, off2 = shared ? B * DIGITS : 0;
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < DIGITS; j++) {
          g1[b * DIGITS + j] += dz[b * 2 * DIGITS + j];
          g2[off2 + b * DIGITS + j] += dz[b * 2 * DIGITS + DIGITS + j];
        }
      }
    }
    if (shared) this.#trunks[0].backward(this.#dDigits[0], 2 * B, false, adam);
    else this.#trunks.forEach((t, i) => t.backward(this.#dDigits[i], B, false, adam));
  }
}
