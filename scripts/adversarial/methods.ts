/**
 * The training methods compared, each an objective for the one training loop:
 *   standard    cross-entropy on clean images
 *   fgsm        FGSM adversarial training with a random start (Wong et al. 2020)
 *   pgd         PGD adversarial training (Madry et al. 2018)
 *   trades      TRADES (Zhang et al. 2019)
 *   perceptual  perceptual adversarial training (after Laidlaw et al. 2021), frozen extractor
 *   robal       class-reweighted PGD adversarial training (the reweighting of Wu et al. 2021)
 */
import type { Rng } from "../../lib/random/rng.ts";
import type { Classifier } from "../../lib/attacks/classifier.ts";
import type { RobustObjective } from "./robust/image_batch.ts";
import { standardObjective } from "./robust/standard.ts";
import { fgsmTrainingObjective } from "./robust/fgsm_training.ts";
import { pgdTrainingObjective } from "./robust/pgd_training.ts";
import { tradesObjective } from "./robust/trades.ts";
import { type FeatureExtractor, perceptualObjective } from "./robust/perceptual.ts";
import { reweightedRobustObjective } from "./robust/robal.ts";
import { EpsilonRamp } from "./robust/epsilon_ramp.ts";
import { type ExperimentConfig, inputLength, threatFor } from "./config.ts";

export const METHODS = ["standard", "fgsm", "pgd", "trades", "perceptual", "robal"] as const;
export type Method = typeof METHODS[number];

export const METHOD_LABELS: Record<Method, string> = {
  standard: "standard",
  fgsm: "FGSM-RS AT",
  pgd: "PGD AT",
  trades: "TRADES",
  perceptual: "perceptual AT",
  robal: "reweighted PGD AT",
};

export interface MethodContext {
  config: ExperimentConfig;
  rng: Rng;
  /** Examples per class in the training subset (for reweighting). */
  trainClassCounts: number[];
  /** The frozen feature extractor (perceptual only). */
  extractor: FeatureExtractor | null;
  /** Optimiser steps per epoch (for the ε ramp's length). */
  stepsPerEpoch: number;
}

export interface MethodObjective {
  objective: RobustObjective;
  /** Method-specific values worth recording (resolved step sizes, class weights). */
  details: Record<string, unknown>;
  dispose: () => void;
}

/** The objective of `method` for `model`. */
export function methodObjective(method: Method, model: Classifier, ctx: MethodContext): MethodObjective {
  const c = ctx.config;
  const threat = threatFor(c, c.trainEpsilon);
  const ramp = new EpsilonRamp(Math.round(c.rampEpochs * ctx.stepsPerEpoch));
  const pgdSteps = { steps: c.trainSteps, stepSize: inputLength(c, c.trainStepSize), ramp };
  const plain = (objective: RobustObjective, details: Record<string, unknown> = {}): MethodObjective => ({
    objective,
    details,
    dispose: () => {},
  });
  switch (method) {
    case "standard":
      return plain(standardObjective(model));
    case "fgsm": {
      const stepPixels = c.fgsmStepFactor * c.trainEpsilon;
      return plain(
        fgsmTrainingObjective(model, { threat, stepSize: inputLength(c, stepPixels), rng: ctx.rng, ramp }),
        { fgsmStepPixels: stepPixels },
      );
    }
    case "pgd":
      return plain(pgdTrainingObjective(model, { threat, ...pgdSteps, rng: ctx.rng }));
    case "trades":
      return plain(
        tradesObjective(model, {
          threat,
          ...pgdSteps,
          beta: c.tradesBeta,
          startNoise: inputLength(c, c.tradesStartNoise),
          rng: ctx.rng,
        }),
      );
    case "perceptual": {
      if (!ctx.extractor) throw new Error("perceptual training needs a feature extractor");
      return plain(
        perceptualObjective(model, {
          threat,
          ...pgdSteps,
          extractor: ctx.extractor,
          lambda: c.patLambda,
          bound: c.patBound,
          startNoise: inputLength(c, c.patStartNoise),
          rng: ctx.rng,
        }),
      );
    }
    case "robal": {
      const r = reweightedRobustObjective(model, ctx.trainClassCounts, { threat, ...pgdSteps, rng: ctx.rng });
      return { objective: r.objective, details: { classWeights: r.classWeights }, dispose: r.dispose };
    }
  }
}
