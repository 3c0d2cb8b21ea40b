/**
 * Value checks for flag specs (`check:` in lib/cli/args.ts): each returns true or the reason the
 * value is refused, which the parser prints after the flag's name. Lists are checked element-wise.
 */
type Check = (v: number) => true | string;

const each = (check: Check) => (v: number | number[]): true | string => {
  for (const x of Array.isArray(v) ? v : [v]) {
    const verdict = check(x);
    if (verdict !== true) return Array.isArray(v) ? `${verdict} (got ${x})` : verdict;
  }
  return true;
};

export const positive = each((v) => v > 0 || "must be > 0");
export const nonNegative = each((v) => v >= 0 || "must be ≥ 0");
/** lo ≤ v ≤ hi. */
export const between = (lo: number, hi: number) => each((v) => (v >= lo && v <= hi) || `must be in [${lo}, ${hi}]`);
/** lo < v ≤ hi. */
export const above = (lo: number, hi: number) => each((v) => (v > lo && v <= hi) || `must be in (${lo}, ${hi}]`);
/** lo ≤ v < hi. */
export const below = (lo: number, hi: number) => each((v) => (v >= lo && v < hi) || `must be in [${lo}, ${hi})`);
/** 1 ≤ v ≤ max: a count with a ceiling (pairs the data can give, images in a set). */
export const count = (max: number, what: string) =>
  each((v) => (v >= 1 && v <= max) || `must be between 1 and ${max} (${what})`);
