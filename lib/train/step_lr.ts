/** StepLR (torch.optim.lr_scheduler.StepLR): lr(epoch) = lr₀ · γ^⌊epoch / stepSize⌋, epochs from 0. */
export function stepLR(lr0: number, gamma: number, stepSize = 1): (epoch: number) => number {
  return (epoch) => lr0 * gamma ** Math.floor(epoch / stepSize);
}
