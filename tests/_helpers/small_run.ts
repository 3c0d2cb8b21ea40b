/** A small seed-000 run (architecture 5, k 3, c 4, n 16, dropout on) for engine tests; override what a test varies. */
import type { MlpRunConfig, SiameseRunConfig } from "../../scripts/siamese_grid/config.ts";

export function smallRun(overrides: Partial<SiameseRunConfig> = {}): SiameseRunConfig {
  return {
    model: "siamese",
    architecture: 5,
    k: 3,
    channels: 4,
    hidden: 16,
    weightSharing: true,
    aux: true,
    alpha: 0.5,
    round: 0,
    epochs: 3,
    batchSize: 1,
    lr: 1e-3,
    gamma: 0.9,
    dropout: 0.2,
    trainSize: 60,
    testSize: 60,
    normalize: false,
    seed: 11,
    ...overrides,
  };
}

/** The MLP baseline with `base`'s shared settings: no convolutions, twin or digit heads, so those fields are null. */
export function mlpRun(base: SiameseRunConfig, overrides: Partial<MlpRunConfig> = {}): MlpRunConfig {
  return {
    ...base,
    model: "mlp",
    architecture: null,
    k: null,
    channels: null,
    weightSharing: null,
    aux: false,
    alpha: null,
    ...overrides,
  };
}
