/** The results file of `cnn-calc` (schema of lib/report/results.ts): results/cnn-calc/tables.json. */
import type { RunResult } from "../../lib/report/results.ts";
import type { FeatureShape } from "./layer_spec.ts";
import type { ShapeTable } from "./shape_table.ts";

export const CALC_EXPERIMENT = "cnn-calc";
export const CALC_RUN = "tables";

export interface SeedCaseResult {
  label: string;
  network: string;
  outputShape: FeatureShape;
  params: number;
  seedOutputShape: FeatureShape;
  seedParams: number;
  matchesSeed: boolean;
}

export interface CalcFinal {
  seedCases: SeedCaseResult[];
  networks: ShapeTable[];
}

export type CalcResult = RunResult<Record<string, unknown>, never, CalcFinal>;
