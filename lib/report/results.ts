/**
 * The results JSON every experiment writes, one file per run:
 *
 *   {
 *     "schema": "tsdl-result/1",
 *     "experiment": "siamese-grid",          // the deno task's name
 *     "run": "k3-c16-n128-a0.5-r0",          // unique within the experiment
 *     "createdAt": ISO time, "seconds": wall time of the run,
 *     "config": { ...every setting that determines the numbers, including the seed },
 *     "environment": { backend, requested, adapter, adapterIsFallback, deno, tfjs, os, cpus, git },
 *     "history": [ { "epoch": 1, ...per-epoch metrics } ],   // may be empty
 *     "final": { ...final metrics },
 *     "notes": [ "where we departed from the seed, and why" ]
 *   }
 *
 * Figures are regenerated from these files alone (`deno task report`).
 */
import type { BackendInfo } from "../tf.ts";
import { writeJsonAtomic } from "./atomic.ts";

export const RESULT_SCHEMA = "tsdl-result/1";

export interface Environment extends BackendInfo {
  git: string | null;
}

export interface RunResult<C = Record<string, unknown>, H = Record<string, number>, F = Record<string, unknown>> {
  schema: typeof RESULT_SCHEMA;
  experiment: string;
  run: string;
  createdAt: string;
  seconds: number;
  config: C;
  environment: Environment;
  history: H[];
  final: F;
  notes: string[];
}

/** The checked-out git revision, read from .git directly (no subprocess), or null outside a clone. */
export function gitRevision(dir = "."): string | null {
  try {
    const head = Deno.readTextFileSync(`${dir}/.git/HEAD`).trim();
    if (!head.startsWith("ref: ")) return head;
    const ref = head.slice(5);
    try {
      return Deno.readTextFileSync(`${dir}/.git/${ref}`).trim();
    } catch {
      const packed = Deno.readTextFileSync(`${dir}/.git/packed-refs`);
      return packed.split("\n").find((l) => l.endsWith(` ${ref}`))?.split(" ")[0] ?? null;
    }
  } catch {
    return null;
  }
}

export function environment(backend: BackendInfo): Environment {
  return { ...backend, git: gitRevision() };
}

export function makeResult<C, H, F>(fields: Omit<RunResult<C, H, F>, "schema" | "createdAt">): RunResult<C, H, F> {
  return { schema: RESULT_SCHEMA, createdAt: new Date().toISOString(), ...fields };
}

export async function writeResult(path: string, result: RunResult<unknown, unknown, unknown>): Promise<void> {
  await writeJsonAtomic(path, result);
}
