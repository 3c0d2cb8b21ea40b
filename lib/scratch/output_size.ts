/**
 * Output size of a sliding window (convolution or pooling) along one axis:
 *   out = ⌊(in + 2·padding − kernel) / stride⌋ + 1
 * (Dumoulin & Visin 2016, "A guide to convolution arithmetic", relationship 6). The seed's layer used
 * (in + 2p − k + 1) // s instead, which agrees only for stride 1: for in 20, k 3, s 2 it gives 9 by
 * luck but for in 7, k 3, s 2 it gives 2 where the window fits 3 times.
 */

/** A size given once for both axes, or as [height, width]. */
export type Size2 = number | readonly [number, number];

/** [height, width] of a Size2. */
export function pair(size: Size2): [number, number] {
  return typeof size === "number" ? [size, size] : [size[0], size[1]];
}

export function windowOutputLength(inLength: number, kernel: number, stride = 1, padding = 0): number {
  for (
    const [name, v, min] of [["input", inLength, 1], ["kernel", kernel, 1], ["stride", stride, 1], [
      "padding",
      padding,
      0,
    ]] as const
  ) {
    if (!Number.isInteger(v) || v < min) throw new Error(`${name} size must be an integer ≥ ${min}, got ${v}`);
  }
  const padded = inLength + 2 * padding;
  if (kernel > padded) {
    throw new Error(`a window of ${kernel} does not fit an input of ${inLength} with padding ${padding}`);
  }
  return Math.floor((padded - kernel) / stride) + 1;
}

/** [outHeight, outWidth] of a window sliding over [height, width]. */
export function windowOutputSize(
  inSize: readonly [number, number],
  kernel: Size2,
  stride: Size2 = 1,
  padding: Size2 = 0,
): [number, number] {
  const [kh, kw] = pair(kernel), [sh, sw] = pair(stride), [ph, pw] = pair(padding);
  return [windowOutputLength(inSize[0], kh, sh, ph), windowOutputLength(inSize[1], kw, sw, pw)];
}
