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

/** Where a run ran; a task that computes without tfjs (cnn-calc) records `backend: null`. */
export interface Environment extends Omit<BackendInfo, "backend" | "requested" | "tfjs"> {
  backend: BackendInfo["backend"] | null;
  requested: BackendInfo["requested"] | null;
  tfjs: string | null;
  git: string | null;
}

/** One run's results JSON: config, environment, per-epoch history, final metrics, notes. */
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

/** The results' environment block: backend, adapter, Deno and tfjs versions, host, git revision. */
export function environment(backend: BackendInfo): Environment {
  return { ...backend, git: gitRevision() };
}

/**
 * 8 hex digits of FNV-1a over the config's JSON with sorted keys: equal configs, equal hash,
 * whatever the key order. For file names that must differ between configurations.
 */
export function configHash(config: unknown): string {
  const canonical = (v: unknown): unknown =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, canonical(x)]))
      : Array.isArray(v)
      ? v.map(canonical)
      : v;
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(JSON.stringify(canonical(config)))) {
    h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** The environment of a run that starts no tfjs backend. */
export function hostEnvironment(): Environment {
  return {
    backend: null,
    requested: null,
    adapter: null,
    adapterIsFallback: null,
    deno: Deno.version.deno,
    tfjs: null,
    os: `${Deno.build.os}-${Deno.build.arch}`,
    cpus: navigator.hardwareConcurrency,
    git: gitRevision(),
  };
}

/** A results JSON object in the project's schema (adds `schema` and `createdAt`). */
export function makeResult<C, H, F>(fields: Omit<RunResult<C, H, F>, "schema" | "createdAt">): RunResult<C, H, F> {
  return { schema: RESULT_SCHEMA, createdAt: new Date().toISOString(), ...fields };
}

/** Writes a RunResult atomically as JSON. */
export async function writeResult(path: string, result: RunResult<unknown, unknown, unknown>): Promise<void> {
  await writeJsonAtomic(path, result);
}
