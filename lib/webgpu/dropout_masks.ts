/**
 * Dropout masks of a step for every run: one thread per run draws its generator's stream in the
 * order the native engine and lib/nn's Dropout do (layer after layer in forward order, each
 * layer's rows × features row-major), mask = draw ≥ ⌈p·2³²⌉ ? 1/(1−p) : 0. sfc32 has no jump-ahead,
 * so a run's draws stay on one thread; they are a few thousand a step.
 */
import { Fields } from "./table.ts";
import { type Kernel, MAIN } from "./kernel.ts";
import { SFC32 } from "./sfc32.ts";

const fields = new Fields(["threads", "B", "rng", "threshold", "scale", "segments"] as const, ["scale"]);

/** A layer's mask: its work offset and floats per pair (rows per pair × features). */
export interface MaskSegment {
  off: number;
  perPair: number;
}

export function maskItem(
  v: { B: number; rng: number; threshold: number; scale: number; segments: MaskSegment[] },
): { threads: number; fields: number[] } {
  const head = fields.pack({ threads: 1, ...v, segments: v.segments.length });
  return { threads: 1, fields: [...head, ...v.segments.flatMap((s) => [s.off, s.perPair])] };
}

export const DROPOUT_MASKS: Kernel = {
  name: "dropout_masks",
  fields,
  body: SFC32 + MAIN + /* wgsl */ `
  let g = field(e, F_rng);
  var s = vec4<u32>(ints[g], ints[g + 1u], ints[g + 2u], ints[g + 3u]);
  let B = field(e, F_B);
  let threshold = field(e, F_threshold);
  let scale = fieldf(e, F_scale);
  for (var k = 0u; k < field(e, F_segments); k++) {
    let off = field(e, F_segments + 1u + 2u * k);
    let n = field(e, F_segments + 2u + 2u * k) * B;
    for (var i = 0u; i < n; i++) {
      work[off + i] = select(0.0, scale, sfc32(&s) >= threshold);
    }
  }
  ints[g] = s.x;
  ints[g + 1u] = s.y;
  ints[g + 2u] = s.z;
  ints[g + 3u] = s.w;
  _ = t;
}
`,
};
