/**
 * Grids of runs: the cartesian product of axes, in a fixed order so that every process (a shard, a
 * Slurm array task, a resumed run) enumerates the same list, and deterministic shards of it.
 */
import { UsageError } from "../../lib/cli/errors.ts";

export type Axes<T> = { [K in keyof T]: readonly T[K][] };

/** All combinations, the first axis varying slowest (like nested for-loops in key order). */
export function cartesian<T extends Record<string, unknown>>(axes: Axes<T>): T[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(axes) as [string, unknown[]][]) {
    if (values.length === 0) throw new Error(`grid axis '${key}' is empty`);
    out = out.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return out as T[];
}

export interface Shard {
  index: number;
  count: number;
}

/** "i/n" with 0 ≤ i < n. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index >= count) {
    throw new UsageError(`--shard must be i/n with 0 ≤ i < n (e.g. 0/4), got '${text}'`);
  }
  return { index, count };
}

/** Items i with i mod n = index: disjoint across shards, covering the list, balanced in size. */
export function shardOf<T>(items: readonly T[], shard: Shard): T[] {
  return items.filter((_, i) => i % shard.count === shard.index);
}

/** A short stable hash (FNV-1a, 32 bit, hex) of a JSON-able value, for run ids. */
export function stableHash(value: unknown): string {
  const text = JSON.stringify(value, Object.keys(value as object).sort());
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

export function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample standard deviation (n − 1), 0 for a single value. */
export function std(xs: number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
}
