/**
 * sfc32 (lib/random/rng.ts) in WGSL: the same 32-bit add/xor/shift/rotate step, so a state copied
 * from an `Rng` continues its stream on the GPU draw for draw, and `fillBernoulli`'s masks come out
 * equal: t/2³² ≥ p ⟺ t ≥ ⌈p·2³²⌉.
 */
export const SFC32 = /* wgsl */ `
fn sfc32(s: ptr<function, vec4<u32>>) -> u32 {
  let a = (*s).x;
  let b = (*s).y;
  let c = (*s).z;
  let d = (*s).w;
  let t = a + b + d;
  *s = vec4<u32>(b ^ (b >> 9u), c + (c << 3u), ((c << 21u) | (c >> 11u)) + t, d + 1u);
  return t;
}
`;

/** ⌈p·2³²⌉, the draw a kept unit must reach (p in (0, 1)). */
export function bernoulliThreshold(p: number): number {
  const t = Math.ceil(p * 4294967296);
  if (!(p > 0 && t < 4294967296)) throw new Error(`dropout probability ${p} outside (0, 1)`);
  return t;
}
