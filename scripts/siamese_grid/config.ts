/**
 * What one seed-000 run is, and the run lists the script enumerates: the seed's grid and the
 * standard 2×2 study {weight sharing, none} × {auxiliary loss, none} plus the MLP baseline.
 */
import type { Architecture } from "./siamese.ts";
import { type Axes, cartesian, stableHash } from "./grid.ts";

/** Settings of a run whatever its model. */
interface RunBase {
  hidden: number;
  round: number;
  epochs: number;
  batchSize: number;
  lr: number;
  gamma: number;
  dropout: number;
  /** Pairs drawn from MNIST's training set, and from its test set. */
  trainSize: number;
  testSize: number;
  normalize: boolean;
  seed: number;
}

export interface SiameseRunConfig extends RunBase {
  model: "siamese";
  architecture: Architecture;
  k: number;
  channels: number;
  weightSharing: boolean;
  aux: boolean;
  /** Weight of the BCE term; the digit CE terms get (1−α)/2 each. null when aux is off (the loss is plain BCE). */
  alpha: number | null;
}

/** The MLP baseline: no convolutions, no twin, no digit heads, so those settings are null rather than made up. */
export interface MlpRunConfig extends RunBase {
  model: "mlp";
  architecture: null;
  k: null;
  channels: null;
  weightSharing: null;
  aux: false;
  alpha: null;
}

export type RunConfig = SiameseRunConfig | MlpRunConfig;

/** A configuration without its round (the union kept, so `model` still tells which fields are null). */
export type Configuration = Omit<SiameseRunConfig, "round"> | Omit<MlpRunConfig, "round">;

/** Settings shared by every run of an invocation. */
export type Common = Pick<
  RunBase,
  "epochs" | "batchSize" | "lr" | "gamma" | "dropout" | "trainSize" | "testSize" | "normalize" | "seed"
>;

export interface GridAxes {
  architecture: Architecture[];
  k: number[];
  channels: number[];
  hidden: number[];
  alpha: number[];
  weightSharing: boolean[];
  aux: boolean[];
  rounds: number;
}

/** Most pairs MNIST's 60000 training and 10000 test images can give (two distinct images per pair). */
export const MAX_PAIRS = { train: 30000, test: 5000 } as const;

export const SEED_GRID: GridAxes = {
  architecture: [5],
  k: [3, 5],
  channels: [2, 4, 8, 16, 24, 48],
  hidden: [32, 64, 128, 256],
  alpha: [0, 0.25, 0.5, 0.75, 1],
  weightSharing: [true],
  aux: [true],
  rounds: 5,
};

/** Round-major: an interrupted grid has finished whole rounds of every configuration first. */
export function gridRuns(axes: GridAxes, common: Common): SiameseRunConfig[] {
  type Point =
    & Pick<
      SiameseRunConfig,
      "round" | "architecture" | "k" | "channels" | "hidden" | "weightSharing" | "aux"
    >
    & { alpha: number };
  const points = cartesian<Point>({
    round: Array.from({ length: axes.rounds }, (_, r) => r),
    architecture: axes.architecture,
    k: axes.k,
    channels: axes.channels,
    hidden: axes.hidden,
    weightSharing: axes.weightSharing,
    aux: axes.aux,
    alpha: axes.alpha,
  } as Axes<Point>);
  const runs = points.map((p): SiameseRunConfig => ({
    model: "siamese",
    ...common,
    ...p,
    alpha: p.aux ? p.alpha : null,
  }));
  return dedupe(runs);
}

/** {sharing, none} × {aux, none} at one shape, plus the MLP baseline, for `rounds` rounds each. */
export function studyRuns(
  shape: { architecture: Architecture; k: number; channels: number; hidden: number; alpha: number },
  rounds: number,
  mlpHidden: number,
  common: Common,
): RunConfig[] {
  const runs: RunConfig[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const weightSharing of [true, false]) {
      for (const aux of [true, false]) {
        runs.push({
          model: "siamese",
          ...common,
          ...shape,
          weightSharing,
          aux,
          alpha: aux ? shape.alpha : null,
          round,
        });
      }
    }
    runs.push({
      model: "mlp",
      ...common,
      architecture: null,
      k: null,
      channels: null,
      hidden: mlpHidden,
      weightSharing: null,
      aux: false,
      alpha: null,
      round,
    });
  }
  return runs;
}

function dedupe<C extends RunConfig>(runs: C[]): C[] {
  const seen = new Set<string>();
  return runs.filter((r) => !seen.has(runId(r)) && !!seen.add(runId(r)));
}

/** The variant's name in the study: "sharing+aux", "no sharing", "MLP baseline", … */
export function variantLabel(c: Configuration): string {
  if (c.model === "mlp") return "MLP baseline";
  return `${c.weightSharing ? "sharing" : "no sharing"}${c.aux ? " + aux" : ""}`;
}

/** Everything but the round: runs with the same key are repetitions of one configuration. */
export function configKey(c: RunConfig): string {
  if (c.model === "mlp") return `mlp-n${c.hidden}`;
  return `a${c.architecture}-k${c.k}-c${c.channels}-n${c.hidden}-${c.weightSharing ? "ws" : "nows"}-${
    c.aux ? `aux${c.alpha}` : "noaux"
  }`;
}

/** Readable and unique: the config key, the round, and a hash of every setting (so changing epochs never reuses a result). */
export function runId(c: RunConfig): string {
  return `${configKey(c)}-r${c.round}-${stableHash(c)}`;
}

/** The part of a config that fixes the initial weights and data order: α and aux do not, so runs differing only in them start alike. */
export function shapeKey(c: RunConfig): string {
  return c.model === "mlp"
    ? `mlp-n${c.hidden}`
    : `a${c.architecture}-k${c.k}-c${c.channels}-n${c.hidden}-${c.weightSharing ? "ws" : "nows"}`;
}
