/**
 * Work tables: one dispatch serves many independent items (a layer of every run, whatever its
 * shape). Each item is a row of u32 fields; a per-workgroup map says which item a workgroup works
 * on and where its threads start, so items of different sizes share one dispatch without padding
 * every item to the largest. Layout of the table buffer:
 *   [entry offset, first thread] × workgroups (padded to x·y) | items' fields | one empty item
 * Field 0 of every item is its thread count; a thread at or past it returns.
 */
export const WORKGROUP = 64;
/** "No buffer" in an offset field. */
export const NONE = 0xffffffff;

/** Named u32 fields of one kind of item; `float` ones carry an f32's bits. */
export class Fields<N extends string> {
  constructor(readonly names: readonly N[], readonly floats: readonly N[] = []) {}

  /** WGSL constants `F_<name>`, the field indices. */
  get wgsl(): string {
    return this.names.map((n, i) => `const F_${n} = ${i}u;`).join("\n");
  }

  pack(values: Record<N, number>): number[] {
    return this.names.map((n) => {
      const v = values[n];
      if (v === undefined || !Number.isFinite(v)) throw new Error(`work table: field ${n} is ${v}`);
      return this.floats.includes(n) ? f32Bits(v) : v >>> 0;
    });
  }
}

const scratch = new DataView(new ArrayBuffer(4));
function f32Bits(x: number): number {
  scratch.setFloat32(0, x, true);
  return scratch.getUint32(0, true);
}

export interface WorkItem {
  threads: number;
  /** Packed fields, threads first. */
  fields: number[];
}

export interface Table {
  data: Uint32Array;
  /** Workgroups to dispatch, x · y ≥ the workgroups the items need. */
  x: number;
  y: number;
}

export function buildTable(items: WorkItem[], maxPerDimension = 65535): Table {
  const map: number[] = [];
  const starts: number[] = [];
  let offset = 0;
  for (const item of items) {
    if (item.fields[0] !== item.threads) throw new Error("work table: field 0 must be the thread count");
    starts.push(offset);
    offset += item.fields.length;
  }
  const width = Math.max(0, ...items.map((i) => i.fields.length));
  items.forEach((item, i) => {
    for (let t = 0; t < item.threads; t += WORKGROUP) map.push(i, t);
  });
  const groups = Math.max(1, map.length / 2);
  const x = Math.min(groups, maxPerDimension), y = Math.ceil(groups / x);
  const header = 2 * x * y, empty = header + offset;
  const data = new Uint32Array(empty + Math.max(width, 1));
  for (let w = 0; w < x * y; w++) {
    const item = w < map.length / 2 ? map[2 * w] : -1;
    data[2 * w] = item < 0 ? empty : header + starts[item];
    data[2 * w + 1] = item < 0 ? 0 : map[2 * w + 1];
  }
  items.forEach((item, i) => data.set(item.fields, header + starts[i]));
  return { data, x, y };
}
