/** A small seed-000 run (architecture 5, k 3, c 4, n 16, dropout on) for engine tests; override what a test varies. */
import type { RunConfig } from "../../scripts/siamese_grid/config.ts";

export function smallRun(overrides: Partial<RunConfig> = {}): RunConfig {
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
