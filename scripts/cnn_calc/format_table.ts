/** Plain-text rendering of a shape table for the terminal. */
import type { FeatureShape } from "./layer_spec.ts";
import type { ShapeTable } from "./shape_table.ts";

export function formatShape(shape: FeatureShape): string {
  return `(${shape.join(", ")})`;
}

/** 138357544 → "138,357,544" (fixed locale, so output does not depend on the machine). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

export function formatShapeTable(table: ShapeTable): string {
  const header = ["layer", "operation", "output shape", "parameters"];
  const body = table.rows.map((r) => [r.name, r.description, formatShape(r.outputShape), formatCount(r.params)]);
  const footer = ["total", "", "", formatCount(table.totalParams)];
  const all = [header, ["input", "", formatShape(table.input), ""], ...body, footer];
  const widths = header.map((_, col) => Math.max(...all.map((row) => row[col].length)));
  const line = (row: string[]) =>
    row.map((cell, col) => (col === 3 ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join("  ").trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  return [
    `${table.network} — ${table.source}`,
    line(header),
    rule,
    ...all.slice(1, -1).map(line),
    rule,
    line(footer),
  ].join("\n");
}
