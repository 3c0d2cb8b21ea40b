/**
 * Module state on disk in the safetensors format (https://github.com/huggingface/safetensors):
 * an 8-byte little-endian header length N, N bytes of JSON header
 *   { "<name>": { "dtype": "F32", "shape": [...], "data_offsets": [begin, end] }, ...,
 *     "__metadata__": { string: string } }
 * then the raw little-endian tensor bytes. Python reads it with `safetensors.torch.load_file`.
 * Names are the module's dotted parameter and buffer names ("trunk.0.weight"). Conv weights are
 * stored as tfjs holds them, [kh, kw, in, out]; Linear weights as [in, out].
 */
import { tf } from "../tf.ts";
import type { Module } from "./module.ts";
import { writeFileAtomic } from "../report/atomic.ts";
import { UserError } from "../cli/errors.ts";

export interface NamedArrays {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

export function encodeSafetensors(
  tensors: Iterable<[string, { shape: number[]; data: Float32Array }]>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const [name, { shape, data }] of tensors) {
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(data);
    offset += data.byteLength;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8); // keep the data 8-byte aligned, as the spec advises
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Uint8Array, path = "<bytes>"): NamedArrays {
  const fail = (why: string) => new UserError(`${path}: not a valid safetensors file (${why}); delete it and rerun`);
  if (bytes.length < 8) throw fail("too short");
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  if (8 + n > bytes.length) throw fail("header runs past the end");
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  } catch {
    throw fail("header is not JSON");
  }
  const base = 8 + n;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as unknown as Record<string, string>;
      continue;
    }
    if (entry.dtype !== "F32") throw fail(`tensor ${name} has dtype ${entry.dtype}, only F32 is supported`);
    const [b, e] = entry.data_offsets;
    if (base + e > bytes.length || e - b !== 4 * entry.shape.reduce((x, y) => x * y, 1)) {
      throw fail(`tensor ${name} is truncated`);
    }
    const data = new Float32Array(e - b >> 2);
    new Uint8Array(data.buffer).set(bytes.subarray(base + b, base + e));
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

/** Reads every parameter and buffer back from the backend (one await per tensor). */
export async function readState(module: Module): Promise<[string, { shape: number[]; data: Float32Array }][]> {
  const out: [string, { shape: number[]; data: Float32Array }][] = [];
  for (const [name, v] of module.namedState()) {
    out.push([name, { shape: v.shape, data: (await v.data()) as Float32Array }]);
  }
  return out;
}

/** Writes a module's parameters and buffers to a safetensors file (atomically). */
export async function saveState(module: Module, path: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(await readState(module), metadata));
}

/** Assigns saved values to a module built with the same architecture; names and shapes must match. */
export function loadStateInto(module: Module, state: NamedArrays, path = "<state>"): void {
  const own = module.namedState();
  const missing = own.filter(([n]) => !state.tensors.has(n)).map(([n]) => n);
  const extra = [...state.tensors.keys()].filter((n) => !own.some(([m]) => m === n));
  if (missing.length || extra.length) {
    throw new Error(
      `${path} does not match this model: missing [${missing.join(", ")}], unexpected [${extra.join(", ")}]; ` +
        "was it saved from a different architecture?",
    );
  }
  // Check every shape before assigning anything, so a bad file leaves the model untouched.
  for (const [name, v] of own) {
    const { shape } = state.tensors.get(name)!;
    if (shape.join() !== v.shape.join()) {
      throw new Error(`${path}: ${name} has shape [${shape}] but the model expects [${v.shape}]`);
    }
  }
  for (const [name, v] of own) {
    const { shape, data } = state.tensors.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(data, shape)));
  }
}

/** Loads a safetensors file written by `saveState` into a module of the same architecture. */
export async function loadState(module: Module, path: string): Promise<Record<string, string>> {
  const state = decodeSafetensors(await Deno.readFile(path), path);
  loadStateInto(module, state, path);
  return state.metadata;
}
