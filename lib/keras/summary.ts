/**
 * Keras' `model.summary()`: one row per layer with its output shape and parameter count, then the
 * totals. Trainable parameters are a layer's tf.Variables that the optimiser updates; non-trainable
 * ones are its buffers (BatchNorm's running mean and variance, as Keras counts them).
 */
import type { Layer } from "../nn/module.ts";

export interface SummaryRow {
  /** Keras-style name: snake-cased type and a per-type counter ("linear_1"). */
  name: string;
  type: string;
  /** Output shape with the batch dimension as null (Keras' "None"). */
  outputShape: (number | null)[];
  params: number;
}

/** The rows and totals of `summary()`, and the printed table. */
export interface ModelSummary {
  rows: SummaryRow[];
  total: number;
  trainable: number;
  nonTrainable: number;
  /** The printed table. */
  text: string;
}

/** Rows and totals for `layers` applied in order to inputs of `inputShape` (no batch dimension). */
export function summarize(layers: Layer[], inputShape: number[]): ModelSummary {
  const counters = new Map<string, number>();
  let shape = [1, ...inputShape];
  let trainable = 0, nonTrainable = 0;
  const rows = layers.map((layer): SummaryRow => {
    const type = layer.constructor.name;
    const count = (counters.get(type) ?? 0) + 1;
    counters.set(type, count);
    shape = layer.outputShape(shape);
    const layerTrainable = sizeOf(layer.parameters());
    const layerBuffers = sizeOf(layer.namedBuffers().map(([, v]) => v));
    trainable += layerTrainable;
    nonTrainable += layerBuffers;
    return {
      name: `${snakeCase(type)}_${count}`,
      type,
      outputShape: [null, ...shape.slice(1)],
      params: layerTrainable + layerBuffers,
    };
  });
  const summary = { rows, total: trainable + nonTrainable, trainable, nonTrainable };
  return { ...summary, text: formatSummary(summary) };
}

const COLUMNS = [29, 26, 10];
const RULE = "_".repeat(COLUMNS.reduce((a, b) => a + b, 0));

/** The table in Keras' layout. */
export function formatSummary(s: Omit<ModelSummary, "text">): string {
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(COLUMNS[i])).join("").trimEnd();
  const shapeText = (shape: (number | null)[]) => `(${shape.map((d) => d ?? "None").join(", ")})`;
  const body = s.rows.map((r) => line([`${r.name} (${r.type})`, shapeText(r.outputShape), String(r.params)]));
  return [
    RULE,
    line(["Layer (type)", "Output Shape", "Param #"]),
    "=".repeat(RULE.length),
    ...body.flatMap((row, i) => (i < body.length - 1 ? [row, RULE] : [row])),
    "=".repeat(RULE.length),
    `Total params: ${s.total.toLocaleString("en-US")}`,
    `Trainable params: ${s.trainable.toLocaleString("en-US")}`,
    `Non-trainable params: ${s.nonTrainable.toLocaleString("en-US")}`,
    RULE,
  ].join("\n");
}

function sizeOf(tensors: { size: number }[]): number {
  return tensors.reduce((n, t) => n + t.size, 0);
}

/** "MaxPool2d" → "max_pool2d", "ReLU" → "re_lu" (as Keras names its ReLU layers). */
function snakeCase(type: string): string {
  return type.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
}
