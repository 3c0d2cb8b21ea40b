/** Numeric comparison helpers shared by the foundation's tests (no tfjs import: plain arrays only). */
import assert from "node:assert/strict";

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |actual − expected| / max |expected| (the error relative to the array's scale). */
export function scaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  assert.equal(actual.length, expected.length, "length mismatch");
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst / Math.max(maxAbs(expected), 1e-30);
}

/**
 * Asserts max |actual − expected| ≤ tol · max |expected|: a relative tolerance on the array as a
 * whole, which is what float32 summation-order differences and finite differences control (an
 * element-wise relative test fails spuriously on entries that cancel to nearly zero).
 */
export function assertScaledClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(actual[i])) assert.fail(`${label}: element ${i} is ${actual[i]}`);
  }
  const err = scaledError(actual, expected);
  if (!(err <= tol)) {
    let at = 0;
    for (let i = 0; i < actual.length; i++) {
      if (Math.abs(actual[i] - expected[i]) > Math.abs(actual[at] - expected[at])) at = i;
    }
    assert.fail(
      `${label}: scaled error ${err.toExponential(2)} > ${tol} (worst at ${at}: ${actual[at]} vs ${expected[at]}, ` +
        `scale ${maxAbs(expected).toExponential(2)})`,
    );
  }
  // An all-zero result equal to an all-zero reference would pass vacuously; callers compare real signals.
}

/** Element-wise |a − e| ≤ atol + rtol·|e|. */
export function assertAllClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { rtol = 1e-5, atol = 1e-6, label = "" }: { rtol?: number; atol?: number; label?: string } = {},
): void {
  assert.equal(actual.length, expected.length, `${label}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (!(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      assert.fail(`${label}: element ${i}: ${a} vs expected ${e} (rtol ${rtol}, atol ${atol})`);
    }
  }
}

/** Bitwise equality of two float arrays (NaN equals NaN, +0 ≠ −0 is ignored). */
export function assertBitwiseEqual(a: ArrayLike<number>, b: ArrayLike<number>, label: string): void {
  assert.equal(a.length, b.length, `${label}: length`);
  for (let i = 0; i < a.length; i++) {
    if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) {
      assert.fail(`${label}: element ${i} differs: ${a[i]} vs ${b[i]}`);
    }
  }
}
