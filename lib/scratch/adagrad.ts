/**
 * AdaGrad (Duchi, Hazan & Singer 2011, diagonal form) over ScratchLayer parameters, as an optimiser
 * object rather than inside each layer (the seed gave every layer its own):
 *   s ← s + g²,   p ← p − lr · g / (√s + ε),
 * with s starting at `initialAccumulator`. The same update as lib/train/adagrad.ts (torch.optim.Adagrad:
 * s₀ = 0, ε = 1e-10), so the scratch and autodiff twins step identically. The seed's variant is
 * s₀ = 1, ε = 0 (its H = 1; p −= lr·√(1/H)·g).
 *
 * Parameters are replaced, not mutated (see layer.ts): the new tensor is kept, the old disposed;
 * accumulators are tf.Variables assigned in place. Either way the tensor count stays flat.
 */
import { tf } from "../tf.ts";
import type { ScratchLayer } from "./layer.ts";
import { hasFlatUpdate, runTensorUpdate } from "../tf/wasm_flat_update.ts";

export interface AdaGradOptions {
  eps?: number;
  initialAccumulator?: number;
}

export class ScratchAdaGrad {
  readonly eps: number;
  readonly initialAccumulator: number;
  readonly #sums = new Map<ScratchLayer, tf.Variable[]>();

  constructor(public lr = 1e-2, opts: AdaGradOptions = {}) {
    if (!(lr > 0)) throw new Error(`learning rate must be > 0, got ${lr}`);
    this.eps = opts.eps ?? 1e-10;
    this.initialAccumulator = opts.initialAccumulator ?? 0;
    if (!(this.eps >= 0) || !(this.initialAccumulator >= 0)) {
      throw new Error("AdaGrad: eps and initialAccumulator must be ≥ 0");
    }
    if (this.eps === 0 && this.initialAccumulator === 0) {
      throw new Error(
        "AdaGrad: eps = 0 needs initialAccumulator > 0 (else the first step divides by zero where g = 0)",
      );
    }
  }

  /**
   * One update of every parameter of `layers` from the gradients their last backward left. On wasm
   * one kernel for all of them (lib/tf/wasm_flat_update.ts), the same float ops as below.
   */
  step(layers: ScratchLayer[]): void {
    const held = layers.filter((layer) => layer.params.length > 0);
    for (const layer of held) {
      if (layer.grads.length !== layer.params.length) {
        throw new Error(
          `${layer.name}: ${layer.params.length} parameters but ${layer.grads.length} gradients; run backward first`,
        );
      }
    }
    if (held.length === 0) return;
    const params = held.flatMap((l) => l.params), grads = held.flatMap((l) => l.grads);
    const sums = held.flatMap((l) => this.#sumsOf(l));
    const float = [...params, ...grads].every((t) => t.dtype === "float32");
    const next = tf.tidy(() => {
      if (hasFlatUpdate() && float) {
        const out = runTensorUpdate("adagrad", sums.map((s) => [s]), params, grads, [this.lr, this.eps]);
        out.slots.forEach(([s], i) => sums[i].assign(s));
        return out.params;
      }
      return params.map((p, i) => {
        sums[i].assign(tf.add(sums[i], tf.square(grads[i])));
        return tf.sub(p, tf.mul(tf.div(grads[i], tf.add(tf.sqrt(sums[i]), this.eps)), this.lr));
      });
    });
    let at = 0;
    for (const layer of held) {
      layer.params = layer.params.map((p) => {
        const updated = tf.keep(next[at++]);
        p.dispose();
        return updated;
      });
    }
  }

  #sumsOf(layer: ScratchLayer): tf.Variable[] {
    let sums = this.#sums.get(layer);
    if (!sums) {
      sums = layer.params.map((p) => tf.tidy(() => tf.variable(tf.fill(p.shape, this.initialAccumulator), false)));
      this.#sums.set(layer, sums);
    }
    return sums;
  }

  dispose(): void {
    for (const sums of this.#sums.values()) tf.dispose(sums);
    this.#sums.clear();
  }
}
