/**
 * The UvA scripts count optimisation steps, not epochs: every `evalFreq` steps they evaluate on the
 * whole test set. One row per evaluation; the training numbers are the means over the minibatches
 * of the period that ended there (not a separate pass over the training set).
 */
export interface StepRow {
  /** Optimisation steps done when this row was measured. */
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** Wall time of the period, training and evaluation. */
  seconds: number;
}

export interface StepTrainingResult {
  history: StepRow[];
  /** Why training stopped early (a non-finite loss), or null. */
  stopped: string | null;
}

export function formatStepRow(r: StepRow): string {
  return `step ${r.step}: train loss ${r.trainLoss.toFixed(4)} acc ${r.trainAccuracy.toFixed(4)}, ` +
    `test loss ${r.testLoss.toFixed(4)} acc ${r.testAccuracy.toFixed(4)}`;
}
