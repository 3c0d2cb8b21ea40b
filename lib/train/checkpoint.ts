/**
 * Training checkpoints: whatever a training step needs to continue bit-exactly (parameters,
 * buffers, optimiser state) plus the loop's own part (history, time, steps done, random-generator
 * states), in one safetensors file whose metadata holds the JSON part. Written atomically: a kill
 * mid-write leaves the previous checkpoint. `fit` (lib/train/loop.ts) writes and reads them.
 */
import { tf } from "../tf.ts";
import type { Module } from "../nn/module.ts";
import { decodeSafetensors, encodeSafetensors, loadStateInto, readState } from "../nn/state.ts";
import type { Optimizer } from "./optimizer.ts";
import { readFileIfExists, writeFileAtomic } from "../report/atomic.ts";
import type { RngState } from "../random/rng.ts";
import type { HistoryRow } from "./loop.ts";
import { UserError } from "../cli/errors.ts";

export interface SavedTensor {
  shape: number[];
  data: Float32Array;
}

/** A training step's part of a checkpoint. */
export interface CheckpointState {
  tensors: [string, SavedTensor][];
  scalars: Record<string, number>;
}

/** The same, as read back. */
export interface SavedState {
  tensors: Map<string, SavedTensor>;
  scalars: Record<string, number>;
}

/** The loop's part of a checkpoint: the one checkpoint metadata type of the project. */
export interface CheckpointMeta {
  /** Rows of the epochs done; their count is the epoch to continue from. */
  history: HistoryRow[];
  /** Training time so far. */
  seconds: number;
  /** Optimisation steps done. */
  steps: number;
  /** States of the named random generators (data order, dropout masks, …). */
  generators: Record<string, { s: RngState; spare: number | null }>;
}

/** Writes a step's state and the loop's metadata to one safetensors checkpoint (atomically). */
export async function saveCheckpoint(path: string, state: CheckpointState, meta: CheckpointMeta): Promise<void> {
  const metadata = { checkpoint: JSON.stringify(meta), scalars: JSON.stringify(state.scalars) };
  await writeFileAtomic(path, encodeSafetensors(state.tensors, metadata));
}

/** The checkpoint at `path`, or null when there is none; throws naming the file when it is not one. */
export async function loadCheckpoint(path: string): Promise<(SavedState & { meta: CheckpointMeta }) | null> {
  const bytes = await readFileIfExists(path);
  if (!bytes) return null;
  const saved = decodeSafetensors(bytes, path);
  if (!saved.metadata.checkpoint) {
    throw new UserError(`${path} is not a training checkpoint of this version; delete it to restart the run`);
  }
  return {
    tensors: saved.tensors,
    scalars: JSON.parse(saved.metadata.scalars ?? "{}"),
    meta: JSON.parse(saved.metadata.checkpoint) as CheckpointMeta,
  };
}

/** A lib/nn model's parameters and buffers, and its optimiser's state and learning rate. */
export async function moduleState(model: Module, optimizer: Optimizer): Promise<CheckpointState> {
  const tensors = await readState(model);
  const opt = optimizer.state();
  for (const [name, v] of opt.tensors) {
    tensors.push([`optimizer.${name}`, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  }
  return { tensors, scalars: { ...opt.scalars, lr: optimizer.lr } };
}

/** Restores `moduleState` in place; checks the optimiser's part before changing anything. */
export function restoreModuleState(model: Module, optimizer: Optimizer, saved: SavedState, path: string): void {
  const opt = optimizer.state();
  for (const [name, v] of opt.tensors) {
    const t = saved.tensors.get(`optimizer.${name}`);
    if (!t || t.shape.join() !== v.shape.join()) {
      throw new Error(
        `${path}: optimizer state ${name} missing or misshapen; delete the checkpoint to restart the run`,
      );
    }
  }
  const modelPart = new Map([...saved.tensors].filter(([n]) => !n.startsWith("optimizer.")));
  loadStateInto(model, { tensors: modelPart, metadata: {} }, path);
  for (const [name, v] of opt.tensors) {
    const t = saved.tensors.get(`optimizer.${name}`)!;
    tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
  }
  const { lr, ...scalars } = saved.scalars;
  Object.assign(optimizer, scalars);
  optimizer.lr = lr;
}
