/**
 * How a list of runs is executed: one by one, or in ensembles of runs that share an architecture
 * and training settings (all rounds × α of one shape, by default), each trained as one computation.
 * Groups are formed from the whole run list before sharding, so every shard process agrees on them
 * and a shard always holds whole groups.
 */
import { type RunConfig, runId } from "./config.ts";
import { ensembleKey } from "./ensemble/train_pair_ensemble.ts";
import { type Shard, shardOf, stableHash } from "./grid.ts";

export interface RunGroup {
  id: string;
  runs: RunConfig[];
}

/** Groups of ≤ maxSize runs with equal ensemble keys, in first-appearance order; size 1 = one by one. */
export function groupRuns(runs: RunConfig[], maxSize: number): RunGroup[] {
  const byKey = new Map<string, RunConfig[]>();
  for (const r of runs) {
    const key = maxSize > 1 ? ensembleKey(r) : runId(r);
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const groups: RunGroup[] = [];
  for (const members of byKey.values()) {
    for (let i = 0; i < members.length; i += maxSize) {
      const chunk = members.slice(i, i + maxSize);
      groups.push({ id: chunk.length === 1 ? runId(chunk[0]) : `ens-${stableHash(chunk.map(runId))}`, runs: chunk });
    }
  }
  return groups;
}

export function shardGroups(groups: RunGroup[], shard: Shard | null): RunGroup[] {
  return shard ? shardOf(groups, shard) : groups;
}
