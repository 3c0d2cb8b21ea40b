/**
 * A network described as data, for the shape and parameter calculator: the layer kinds of seed 004
 * (convolution with stride and padding, max/average pooling, flatten, dense). Activations and
 * dropout change neither shapes nor parameter counts, so descriptions leave them out.
 */
import type { Size2 } from "../../lib/scratch/output_size.ts";

export interface ConvSpec {
  kind: "conv";
  filters: number;
  kernel: Size2;
  stride?: Size2;
  /** Symmetric zero padding in pixels. */
  padding?: Size2;
  /** Default true. */
  bias?: boolean;
}

export interface PoolSpec {
  kind: "maxpool" | "avgpool";
  window: Size2;
  /** Default: the window (non-overlapping). */
  stride?: Size2;
}

export interface FlattenSpec {
  kind: "flatten";
}

export interface DenseSpec {
  kind: "dense";
  units: number;
  bias?: boolean;
}

export type LayerSpec = (ConvSpec | PoolSpec | FlattenSpec | DenseSpec) & { name?: string };

/** Feature-map shape [height, width, channels] or a flat vector [features]. */
export type FeatureShape = [number, number, number] | [number];

export interface NetworkSpec {
  name: string;
  /** Where the description comes from (paper, table). */
  source: string;
  input: FeatureShape;
  layers: LayerSpec[];
}
