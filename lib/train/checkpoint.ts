/**
 * Training checkpoints: model parameters and buffers, optimiser state and everything else needed to
 * continue bit-exactly (epoch, history, random-generator states), in one safetensors file whose
 * metadata holds the JSON part. Written atomically: a kill mid-write leaves the previous checkpoint.
 */
import { tf } from "../tf.ts";
import type { Module } from "../nn/module.ts";
import { decodeSafetensors, encodeSafetensors, loadStateInto, readState } from "../nn/state.ts";
import type { Optimizer } from "./optimizer.ts";
import { readFileIfExists, writeFileAtomic } from "../report/atomic.ts";

export interface CheckpointMeta {
  epoch: number;
  [key: string]: unknown;
}

export async function saveCheckpoint(path: string, model: Module, optimizer: Optimizer, meta: CheckpointMeta) {
  const tensors = await readState(model);
  const opt = optimizer.state();
  for (const [name, v] of opt.tensors) {
    tensors.push([`optimizer.${name}`, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  }
  const metadata = { meta: JSON.stringify(meta), optimizer: JSON.stringify(opt.scalars), lr: String(optimizer.lr) };
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Restores model and optimiser in place and returns the metadata, or null when there is no checkpoint. */
export async function loadCheckpoint<M extends CheckpointMeta>(
  path: string,
  model: Module,
  optimizer: Optimizer,
): Promise<M | null> {
  const bytes = await readFileIfExists(path);
  if (!bytes) return null;
  const all = decodeSafetensors(bytes, path);
  const modelPart = { tensors: new Map([...all.tensors].filter(([n]) => !n.startsWith("optimizer."))), metadata: {} };
  const opt = optimizer.state();
  for (const [name, v] of opt.tensors) {
    const saved = all.tensors.get(`optimizer.${name}`);
    if (!saved || saved.shape.join() !== v.shape.join()) {
      throw new Error(
        `${path}: optimizer state ${name} missing or misshapen; delete the checkpoint to restart the run`,
      );
    }
  }
  loadStateInto(model, modelPart, path);
  for (const [name, v] of opt.tensors) {
    const saved = all.tensors.get(`optimizer.${name}`)!;
    tf.tidy(() => v.assign(tf.tensor(saved.data, saved.shape)));
  }
  Object.assign(optimizer, JSON.parse(all.metadata.optimizer ?? "{}"));
  optimizer.lr = Number(all.metadata.lr);
  return JSON.parse(all.metadata.meta) as M;
}
