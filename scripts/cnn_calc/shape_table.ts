/**
 * Output shape and parameter count of every layer of a described network.
 *
 * Parameters (no weight sharing between layers, full channel connectivity):
 *   conv  kh·kw·C_in·C_out + C_out (one bias per filter)
 *   dense in·out + out
 *   pool, flatten: none.
 */
import { pair, windowOutputSize } from "../../lib/scratch/output_size.ts";
import type { FeatureShape, LayerSpec, NetworkSpec } from "./layer_spec.ts";

export interface LayerRow {
  name: string;
  /** e.g. "conv 3×3×6, stride 2, pad 1" */
  description: string;
  inputShape: FeatureShape;
  outputShape: FeatureShape;
  params: number;
}

export interface ShapeTable {
  network: string;
  source: string;
  input: FeatureShape;
  rows: LayerRow[];
  totalParams: number;
}

export function layerOutput(spec: LayerSpec, input: FeatureShape): { outputShape: FeatureShape; params: number } {
  if (spec.kind === "dense") {
    if (input.length !== 1) throw new Error(`dense layer needs a flat input, got [${input}]: add a flatten`);
    return { outputShape: [spec.units], params: input[0] * spec.units + (spec.bias === false ? 0 : spec.units) };
  }
  if (spec.kind === "flatten") return { outputShape: [input.reduce((a, b) => a * b, 1)], params: 0 };
  if (input.length !== 3) throw new Error(`${spec.kind} needs a [height, width, channels] input, got [${input}]`);
  const [h, w, c] = input;
  if (spec.kind === "conv") {
    const [oh, ow] = windowOutputSize([h, w], spec.kernel, spec.stride ?? 1, spec.padding ?? 0);
    const [kh, kw] = pair(spec.kernel);
    const bias = spec.bias === false ? 0 : spec.filters;
    return { outputShape: [oh, ow, spec.filters], params: kh * kw * c * spec.filters + bias };
  }
  const [oh, ow] = windowOutputSize([h, w], spec.window, spec.stride ?? spec.window, 0);
  return { outputShape: [oh, ow, c], params: 0 };
}

export function describeLayer(spec: LayerSpec): string {
  const dims = (s: Parameters<typeof pair>[0]) => pair(s).join("×");
  switch (spec.kind) {
    case "conv": {
      const stride = spec.stride !== undefined && dims(spec.stride) !== "1×1" ? `, stride ${dims(spec.stride)}` : "";
      const pad = spec.padding !== undefined && dims(spec.padding) !== "0×0" ? `, pad ${dims(spec.padding)}` : "";
      return `conv ${dims(spec.kernel)}×${spec.filters}${stride}${pad}`;
    }
    case "maxpool":
    case "avgpool": {
      const stride = spec.stride !== undefined ? `, stride ${dims(spec.stride)}` : "";
      return `${spec.kind === "maxpool" ? "max" : "avg"} pool ${dims(spec.window)}${stride}`;
    }
    case "flatten":
      return "flatten";
    case "dense":
      return `dense ${spec.units}`;
  }
}

export function shapeTable(net: NetworkSpec): ShapeTable {
  let shape = net.input;
  const rows = net.layers.map((spec, i): LayerRow => {
    const { outputShape, params } = layerOutput(spec, shape);
    const row = {
      name: spec.name ?? `${spec.kind}${i + 1}`,
      description: describeLayer(spec),
      inputShape: shape,
      outputShape,
      params,
    };
    shape = outputShape;
    return row;
  });
  return {
    network: net.name,
    source: net.source,
    input: net.input,
    rows,
    totalParams: rows.reduce((n, r) => n + r.params, 0),
  };
}
