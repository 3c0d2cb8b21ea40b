/**
 * Every setting that determines the numbers of one method's run. ε, step sizes and noise σ are in
 * pixel units (pixels in [0, 1]) as robustness papers state them; `threatFor` converts them to the
 * network-input units of the chosen normalisation (lib/attacks/threat_model.ts).
 */
import type { DatasetChoice } from "../../lib/data/image_dataset.ts";
import type { BackendName } from "../../lib/tf.ts";
import {
  type LinfThreat,
  linfThreat,
  pixelLengthToInput,
  type PixelNormalization,
  SYMMETRIC_PIXELS,
  UNIT_PIXELS,
} from "../../lib/attacks/threat_model.ts";

export const NORMALIZATIONS = { symmetric: SYMMETRIC_PIXELS, unit: UNIT_PIXELS } as const;
export type NormalizationName = keyof typeof NORMALIZATIONS;

export interface ExperimentConfig {
  /** The dataset asked for; results record the one used (never "auto"). */
  dataset: DatasetChoice;
  normalization: NormalizationName;
  trainSize: number;
  testSize: number;
  /** n_max/n_min of the long-tailed training subset (1 = balanced). */
  imbalance: number;
  widthFactor: number;
  /** Robust methods start from the standard-trained weights (adversarial fine-tuning) or from scratch. */
  init: "standard" | "scratch";
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  backend: BackendName;
  /** Training threat model (pixel units). */
  trainEpsilon: number;
  trainSteps: number;
  trainStepSize: number;
  /** Epochs over which the training ε ramps up linearly from 0 (0 = full ε from the start). */
  rampEpochs: number;
  /** FGSM-RS step as a multiple of ε (Wong et al. 2020: 1.25). */
  fgsmStepFactor: number;
  tradesBeta: number;
  /** σ of TRADES' start noise (pixel units; the paper's 0.001). */
  tradesStartNoise: number;
  patLambda: number;
  patBound: number;
  patStartNoise: number;
  /** Max drop of the per-epoch PGD check accuracy before early stopping (Wong et al.: 0.2). */
  guardMaxDrop: number;
  evalEpsilons: number[];
  evalSteps: number;
  /** PGD step size as a multiple of ε/steps (2.5 = Madry et al.'s robustness library). */
  evalStepFactor: number;
  evalRestarts: number;
  evalBatchSize: number;
}

export function normalizationOf(config: ExperimentConfig): PixelNormalization {
  return NORMALIZATIONS[config.normalization];
}

/** The threat model for ε in pixel units under the config's normalisation. */
export function threatFor(config: ExperimentConfig, epsilonPixels: number): LinfThreat {
  return linfThreat(epsilonPixels, normalizationOf(config));
}

/** A length in pixel units (a step size, a noise σ) in network-input units. */
export function inputLength(config: ExperimentConfig, pixels: number): number {
  return pixelLengthToInput(pixels, normalizationOf(config));
}
