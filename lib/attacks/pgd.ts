/**
 * Projected gradient descent on the cross-entropy, L∞ (Madry et al. 2018, §2.1 and eq. 3): from a
 * uniformly random point of the ε-ball (or the clean input), `steps` sign steps of size α, each
 * projected onto the ε-ball and the valid range. Madry et al.'s MNIST protocol is ε = 0.3, 40 steps
 * of 0.01, random start; the robustness library's rule of thumb α = 2.5·ε/steps lets the iterate
 * cross the ball from any start within the step budget.
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";
import { crossEntropy } from "../train/losses.ts";
import type { Classifier } from "./classifier.ts";
import { detached } from "./detached.ts";
import { uniformStart } from "./random_start.ts";
import { signGradientAscent } from "./sign_ascent.ts";
import type { LinfThreat } from "./threat_model.ts";

/** Options of `pgd`: steps, step size, random start. */
export interface PgdOptions {
  steps: number;
  /** Step size α in network-input units. */
  stepSize: number;
  /** Random start in the ε-ball from this generator; null starts at the clean input. */
  randomStart: Rng | null;
}

/** α = 2.5·ε/steps (Madry et al.'s `robustness` library default). */
export function defaultStepSize(epsilon: number, steps: number): number {
  return 2.5 * epsilon / steps;
}

/** PGD adversarial inputs maximising CE(f(x′), labels); ε = 0 returns a copy of the inputs. */
export function pgd(
  model: Classifier,
  inputs: tf.Tensor,
  labels: tf.Tensor,
  threat: LinfThreat,
  opts: PgdOptions,
): tf.Tensor {
  if (threat.epsilon === 0) return inputs.clone();
  const loss = (x: tf.Tensor) => crossEntropy(model(x), labels);
  return detached(() =>
    tf.tidy(() => {
      const start = opts.randomStart ? uniformStart(inputs, threat, opts.randomStart) : inputs;
      return signGradientAscent(loss, inputs, start, threat, opts);
    })
  );
}
