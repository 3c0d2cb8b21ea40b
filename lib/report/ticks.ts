/**
 * Tick values and labels shared by every figure: whole-number ticks on epoch and step axes, and
 * percentages with as many decimals as the tick spacing needs (so "10%" never sits beside
 * "26.67%", and close ticks never print the same label twice).
 */

/** Round values (steps of 1, 2 or 5 × 10ⁿ) inside [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const step = niceStep((hi - lo) / count);
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi * (1 + 1e-12) + 1e-12; k++) {
    ticks.push(+(k * step).toPrecision(12));
  }
  return ticks;
}

function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough * (1 - 1e-9))!;
}

/**
 * Ticks for an axis of whole numbers (epochs, steps): the values themselves when there are at
 * most `maxTicks` of them (evaluation steps 50, 100, 150), else round whole numbers; undefined
 * when the values are not all integers.
 */
export function integerTicks(values: number[], maxTicks = 12): number[] | undefined {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0 || !finite.every(Number.isInteger)) return undefined;
  const distinct = [...new Set(finite)].sort((a, b) => a - b);
  if (distinct.length <= maxTicks) return distinct;
  return niceTicks(distinct[0], distinct[distinct.length - 1], 8).filter(Number.isInteger);
}

/** Decimals a percentage needs so that ticks `step` apart (as fractions) print distinct labels. */
export function percentDecimals(step: number): number {
  if (!(step > 0)) return 0;
  return Math.max(0, Math.ceil(-Math.log10(step * 100) - 1e-9));
}

/**
 * A tick formatter for fractions shown as percentages. Observable Plot calls it with the whole
 * tick array, so every label gets the decimals the smallest spacing needs.
 */
export function percentTickFormat(value: number, _index?: number, ticks?: ArrayLike<number>): string {
  const sorted = Array.from(ticks ?? [value]).sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - sorted[i]).filter((g) => g > 0);
  const decimals = percentDecimals(gaps.length ? Math.min(...gaps) : 1);
  return `${(value * 100).toFixed(decimals)}%`;
}

/** A single value as a percentage, always with `decimals` decimals: "86.6%". */
export function percentLabel(value: number, decimals = 1): string {
  return `${(value * 100).toFixed(decimals)}%`;
}
