/**
 * Per-step learning-rate schedules: functions from the number of optimisation steps done s (0-based)
 * to a learning rate, for `LearningRateScheduler`. They compose: `warmupCosine` is a linear warm-up
 * followed by cosine decay. Step decay per step is `stepLR` (lib/train/step_lr.ts) counted in steps;
 * reduce-on-plateau depends on metrics and is a callback (ReduceLROnPlateau).
 */

/** Linear warm-up (Goyal et al. 2017): lr·(s+1)/W for s < W, then lr. */
export function linearWarmup(lr: number, warmupSteps: number): (step: number) => number {
  return (s) => s < warmupSteps ? lr * (s + 1) / warmupSteps : lr;
}

/**
 * Cosine decay over `steps` (SGDR without restarts, Loshchilov & Hutter 2017, eq. 5):
 *   lr(s) = minLr + ½(lr − minLr)(1 + cos(π·min(s, T)/T)).
 */
export function cosineDecay(lr: number, steps: number, minLr = 0): (step: number) => number {
  return (s) => minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(s, steps) / steps));
}

/** `warmupSteps` of linear warm-up, then cosine decay to `minLr` over the remaining steps. */
export function warmupCosine(
  lr: number,
  opts: { steps: number; warmupSteps: number; minLr?: number },
): (step: number) => number {
  const warm = linearWarmup(lr, opts.warmupSteps);
  const decay = cosineDecay(lr, Math.max(opts.steps - opts.warmupSteps, 1), opts.minLr ?? 0);
  return (s) => s < opts.warmupSteps ? warm(s) : decay(s - opts.warmupSteps);
}
