/**
 * Accuracy of a trained classifier on clean test images and under each perturbation across an ε
 * grid (pixel units):
 *   gaussian  x + ε·N(0, I), clipped to the valid range — random noise, not an attack
 *   fgsm      FGSM at ε (one step of size ε, no random start)
 *   pgd       PGD-k at ε, step 2.5ε/k, uniform random start, `restarts` independent starts
 * An example counts as robust under FGSM or PGD only if it is classified correctly clean and at
 * every adversarial point found (the clean input is itself in the ε-ball), AutoAttack's convention
 * (Croce & Hein 2020). For PGD the grid is walked upwards and an example broken at a smaller ε
 * counts as broken at every larger one — its adversarial point lies in the larger ball too — so
 * only the survivors are attacked again: the reported PGD accuracy is that of the union of the
 * PGD attacks at ε′ ≤ ε, never weaker than PGD at ε alone, and cheaper to compute.
 * Correct counts per class are kept for class-imbalance analyses.
 */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import type { Classifier } from "../../lib/attacks/classifier.ts";
import { fgsm } from "../../lib/attacks/fgsm.ts";
import { gaussianNoise } from "../../lib/attacks/gaussian_noise.ts";
import { pgd } from "../../lib/attacks/pgd.ts";
import { minibatches } from "../../lib/data/batches.ts";
import { Progress } from "../../lib/report/progress.ts";
import { type ExperimentConfig, inputLength, threatFor } from "./config.ts";
import type { ImageTensors } from "./image_tensors.ts";

export const ATTACKS = ["gaussian", "fgsm", "pgd"] as const;
export type AttackName = typeof ATTACKS[number];

export interface AttackRow {
  attack: AttackName;
  /** Pixel units. */
  epsilon: number;
  accuracy: number;
  correct: number;
  n: number;
  correctPerClass: number[];
  countPerClass: number[];
}

/** Correct-per-class counts of one (attack, ε) cell, summed over batches. */
type Tally = Map<string, number[]>;

const key = (attack: AttackName, epsilon: number) => `${attack}@${epsilon}`;

/** Correct (true) / wrong per example on the inputs `makeInputs` builds (freed with its temporaries). */
async function correctFlags(model: Classifier, makeInputs: () => tf.Tensor, labels: tf.Tensor): Promise<boolean[]> {
  const flags = tf.tidy(() => tf.equal(tf.argMax(model(makeInputs()), -1), labels));
  const values = await flags.data();
  flags.dispose();
  return Array.from(values, (v) => v === 1);
}

function addToTally(tally: Tally, attack: AttackName, epsilon: number, correct: boolean[], labels: Int32Array) {
  const counts = tally.get(key(attack, epsilon))!;
  correct.forEach((ok, i) => {
    if (ok) counts[labels[i]]++;
  });
}

/** Rows where `flags` is true. */
function selected(rows: Int32Array, flags: boolean[]): Int32Array {
  return rows.filter((_, i) => flags[i]);
}

export async function evaluateRobustness(
  model: Classifier,
  test: ImageTensors,
  classes: number,
  config: ExperimentConfig,
  label: string,
): Promise<AttackRow[]> {
  // The same noise and random starts for every method: common random numbers for comparisons.
  const rng = Rng.derive(config.seed, "evaluation");
  const epsilons = config.evalEpsilons;
  const tally: Tally = new Map(
    ATTACKS.flatMap((a) => epsilons.map((e) => [key(a, e), new Array<number>(classes).fill(0)])),
  );
  const batches = minibatches(Int32Array.from({ length: test.n }, (_, i) => i), config.evalBatchSize);
  const attacked = epsilons.filter((e) => e > 0).length;
  const unitsPerBatch = 1 + attacked * (2 + config.evalRestarts * config.evalSteps);
  const bar = new Progress(`evaluate ${label}`, batches.length * unitsPerBatch, { unit: "step" });
  for (const rows of batches) {
    const labels = Int32Array.from(rows, (r) => test.labelsHost[r]);
    const clean = await withBatch(test, rows, (x, y) => correctFlags(model, () => x, y));
    bar.tick(1);
    for (const epsilon of epsilons) {
      if (epsilon === 0) {
        for (const attack of ATTACKS) addToTally(tally, attack, 0, clean, labels);
        continue;
      }
      const threat = threatFor(config, epsilon);
      const noisy = await withBatch(
        test,
        rows,
        (x, y) => correctFlags(model, () => gaussianNoise(x, threat.epsilon, threat.range, rng), y),
      );
      addToTally(tally, "gaussian", epsilon, noisy, labels);
      const oneStep = await withBatch(test, rows, (x, y) => correctFlags(model, () => fgsm(model, x, y, threat), y));
      addToTally(tally, "fgsm", epsilon, oneStep.map((ok, i) => ok && clean[i]), labels);
      bar.tick(2);
    }
    let alive = clean;
    for (const epsilon of epsilons.filter((e) => e > 0)) {
      const threat = threatFor(config, epsilon);
      const stepSize = inputLength(config, config.evalStepFactor * epsilon / config.evalSteps);
      for (let r = 0; r < config.evalRestarts; r++) {
        const survivors = selected(rows, alive);
        if (survivors.length > 0) {
          const held = await withBatch(
            test,
            survivors,
            (x, y) =>
              correctFlags(
                model,
                () => pgd(model, x, y, threat, { steps: config.evalSteps, stepSize, randomStart: rng }),
                y,
              ),
          );
          let j = 0;
          alive = alive.map((ok) => ok && held[j++]);
        }
        bar.tick(config.evalSteps);
      }
      addToTally(tally, "pgd", epsilon, alive, labels);
    }
  }
  bar.finish();
  const countPerClass = new Array<number>(classes).fill(0);
  for (const y of test.labelsHost) countPerClass[y]++;
  return ATTACKS.flatMap((attack) =>
    epsilons.map((epsilon) => {
      const correctPerClass = tally.get(key(attack, epsilon))!;
      const correct = correctPerClass.reduce((a, b) => a + b, 0);
      return { attack, epsilon, accuracy: correct / test.n, correct, n: test.n, correctPerClass, countPerClass };
    })
  );
}

/** Runs `f` on the gathered rows inside a tidy scope (the awaited read happens after it). */
async function withBatch<T>(
  data: ImageTensors,
  rows: Int32Array,
  f: (x: tf.Tensor, y: tf.Tensor) => Promise<T>,
): Promise<T> {
  const batch = data.batch(rows);
  try {
    return await f(batch.imagesNHWC, batch.labels);
  } finally {
    tf.dispose([batch.imagesNHWC, batch.labels]);
  }
}
