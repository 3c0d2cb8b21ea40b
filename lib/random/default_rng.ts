/**
 * The generator layers draw from when a script passes none: one module-level Rng, seeded 0 at
 * start-up, so a script without any `rng` argument is still reproducible, and `setSeed(flags.seed)`
 * reseeds every later draw. Layers built with an explicit `rng` never touch it.
 */
import { Rng } from "./rng.ts";

let current = new Rng(0);

/** Reseeds the default generator: layers built afterwards draw from `Rng(seed)`. */
export function setSeed(seed: number | string): void {
  current = new Rng(seed);
}

/** The default generator (what a layer uses when no `rng` is given). */
export function defaultRng(): Rng {
  return current;
}
