/**
 * Inverse-frequency class weights for class-reweighted robust training.
 *
 * Under a long-tailed training set, adversarial training is even less fair than standard training:
 * robust accuracy of tail classes collapses first (Wu et al. 2021, "Adversarial Robustness under
 * Long-Tailed Distribution", RoBal). Their full method combines a cosine classifier, class-aware
 * margins and balanced-softmax logit adjustment; the reweighting half kept here weights each
 * example's loss by wᶜ ∝ 1/nᶜ, so every class contributes equally to the expected loss
 * (Σ over a class of wᶜ = const), as in cost-sensitive learning (Cui et al. 2019 call it
 * inverse-frequency weighting).
 */

/** Number of examples of each class 0..classes−1. */
export function classCounts(labels: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(Number.isInteger(c) && c >= 0 && c < classes)) throw new Error(`label ${c} is outside 0..${classes - 1}`);
    counts[c]++;
  }
  return counts;
}

/**
 * wᶜ = (1/nᶜ) / Σ_{k present}(1/nᵏ) · K_present: inverse frequencies scaled to sum to the number of
 * classes present (the seed's normalisation), so a balanced set gets all-ones. Absent classes get
 * weight 0 (they have no examples to weight; the seed's 1/(n+1) gave them the largest weight).
 */
export function inverseFrequencyWeights(counts: readonly number[]): number[] {
  if (counts.some((n) => !(Number.isInteger(n) && n >= 0))) {
    throw new Error(`class counts must be integers ≥ 0: ${counts}`);
  }
  const inverse = counts.map((n) => (n > 0 ? 1 / n : 0));
  const present = counts.filter((n) => n > 0).length;
  if (present === 0) throw new Error("no class has any example");
  const total = inverse.reduce((a, b) => a + b, 0);
  return inverse.map((w) => (w * present) / total);
}
