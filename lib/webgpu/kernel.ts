/** A kernel of the lockstep engine: its work-table fields and WGSL body (after PRELUDE and the field constants). */
import type { Fields } from "./table.ts";
import { PRELUDE } from "./prelude.ts";

export interface Kernel {
  name: string;
  fields: Fields<string>;
  /** Defines `fn main` (entry point, workgroup size WORKGROUP). */
  body: string;
}

export function kernelSource(k: Kernel): string {
  return `${PRELUDE}\n${k.fields.wgsl}\n${k.body}`;
}

/** The entry point's signature: this thread's item e and index t, or return when idle. */
export const MAIN = /* wgsl */ `
@compute @workgroup_size(WORKGROUP)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let it = item(wid, nwg, lid);
  if (it.x == NONE) { return; }
  let e = it.x;
  let t = it.y;
`;
