/**
 * Projection onto the feasible set of an L∞ attack: the box [x − ε, x + ε] ∩ [min, max].
 *
 * Both sets are boxes, so their intersection is the box [max(x − ε, min), min(x + ε, max)] and the
 * Euclidean projection onto it is an elementwise clip. Clipping to the ε-ball first and the valid
 * range second gives exactly that clip whenever x itself is valid (the intersection is non-empty).
 */
import { tf } from "../tf.ts";
import type { LinfThreat, ValueRange } from "./threat_model.ts";

/** Elementwise clip to the valid range. */
export function clipToRange<T extends tf.Tensor>(x: T, range: ValueRange): T {
  return tf.clipByValue(x, range.min, range.max) as T;
}

/** Projects `candidate` onto the ε-ball around `clean` and then onto the valid range. */
export function projectLinf<T extends tf.Tensor>(candidate: T, clean: T, threat: LinfThreat): T {
  return tf.tidy(() => {
    const lower = tf.sub(clean, threat.epsilon), upper = tf.add(clean, threat.epsilon);
    return clipToRange(tf.minimum(tf.maximum(candidate, lower), upper), threat.range) as T;
  });
}
