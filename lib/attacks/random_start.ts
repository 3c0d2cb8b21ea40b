/**
 * The uniform random start of PGD (Madry et al. 2018) and FGSM-RS (Wong et al. 2020): a point drawn
 * uniformly from the ε-ball around the input, projected to the valid range.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { projectLinf } from "./project.ts";
import { uniformNoise } from "./seeded_noise.ts";
import type { LinfThreat } from "./threat_model.ts";

/** x + δ with δ ~ U(−ε, ε)ᵈ, projected to the valid range. */
export function uniformStart(inputs: tf.Tensor, threat: LinfThreat, rng: Rng): tf.Tensor {
  return tf.tidy(() =>
    projectLinf(tf.add(inputs, uniformNoise(inputs.shape, -threat.epsilon, threat.epsilon, rng)), inputs, threat)
  );
}
