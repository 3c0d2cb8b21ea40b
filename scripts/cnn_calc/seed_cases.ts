/**
 * Seed 004, problem 10: three single convolutions and the output shape and parameter count the
 * seed printed for each, kept as facts to check the calculator against.
 */
import type { FeatureShape, NetworkSpec } from "./layer_spec.ts";

export interface SeedCase {
  label: string;
  network: NetworkSpec;
  /** What the seed printed. */
  seedOutputShape: FeatureShape;
  seedParams: number;
}

function singleConv(input: [number, number, number], filters: number, stride = 1): NetworkSpec {
  return {
    name: `(${input.join(",")}) conv 3×3×${filters}${stride > 1 ? ` stride ${stride}` : ""}`,
    source: "seed 004, problem 10",
    input,
    layers: [{ name: "conv", kind: "conv", filters, kernel: 3, stride }],
  };
}

export const SEED_CASES: readonly SeedCase[] = [
  { label: "1", network: singleConv([144, 144, 3], 6), seedOutputShape: [142, 142, 6], seedParams: 168 },
  { label: "2", network: singleConv([60, 60, 24], 48), seedOutputShape: [58, 58, 48], seedParams: 10416 },
  { label: "3", network: singleConv([20, 20, 10], 20, 2), seedOutputShape: [9, 9, 20], seedParams: 1820 },
];
