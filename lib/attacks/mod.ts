/** Adversarial attacks on any classifier `(inputs) => logits`, under an L∞ threat model in pixel units. */
export type { Classifier } from "./classifier.ts";
export { detached } from "./detached.ts";
export { fgsm, fgsmRandomStart } from "./fgsm.ts";
export { gaussianNoise } from "./gaussian_noise.ts";
export { defaultStepSize, pgd, type PgdOptions } from "./pgd.ts";
export { clipToRange, projectLinf } from "./project.ts";
export { uniformStart } from "./random_start.ts";
export { normalNoise, uniformNoise } from "./seeded_noise.ts";
export { type SignAscentOptions, signGradientAscent } from "./sign_ascent.ts";
export {
  type LinfThreat,
  linfThreat,
  pixelLengthToInput,
  type PixelNormalization,
  pixelToInput,
  SYMMETRIC_PIXELS,
  UNIT_PIXELS,
  validInputRange,
  type ValueRange,
} from "./threat_model.ts";
