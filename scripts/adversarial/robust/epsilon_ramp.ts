/**
 * A linear warm-up of the training ε: step t of training attacks with ε·min(1, (t+1)/T), and step
 * sizes scaled alike. Small networks adversarially trained at MNIST's ε = 0.3 from the first step
 * tend to collapse to a constant prediction (Madry et al. 2018, §5 on capacity: the smallest
 * networks fail at ε = 0.3); ramping ε up is the usual remedy (Gowal et al. 2019, IBP, §5; Zhang
 * et al. 2020, CROWN-IBP). With T = 0 the full ε is used from the start.
 */
import type { LinfThreat } from "../../../lib/attacks/threat_model.ts";

export class EpsilonRamp {
  #step = 0;

  constructor(readonly rampSteps: number) {
    if (!(Number.isInteger(rampSteps) && rampSteps >= 0)) {
      throw new Error(`ramp steps must be an integer ≥ 0, got ${rampSteps}`);
    }
  }

  /** The fraction of the full ε for the next training step; advances the step count. */
  next(): number {
    const fraction = this.rampSteps === 0 ? 1 : Math.min(1, (this.#step + 1) / this.rampSteps);
    this.#step++;
    return fraction;
  }
}

/** The threat with ε scaled by `fraction` (the valid range is unchanged). */
export function scaledThreat(threat: LinfThreat, fraction: number): LinfThreat {
  return { epsilon: threat.epsilon * fraction, range: threat.range };
}

/** ε fraction for this training step: from the ramp, or 1 without one. */
export function rampFraction(ramp: EpsilonRamp | undefined): number {
  return ramp ? ramp.next() : 1;
}
