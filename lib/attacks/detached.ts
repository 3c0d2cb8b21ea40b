/**
 * Running an attack without recording it on an enclosing gradient tape — the equivalent of
 * PyTorch's `x_adv.detach()` / `torch.no_grad()` around the attack in adversarial training.
 *
 * Adversarial training runs the attack inside the training objective, i.e. inside
 * `tf.variableGrads`. tfjs records nested `tf.grad` calls on the same tape (for higher-order
 * gradients), so without this the outer backward pass would walk back through every attack step
 * and the attack's own backward passes — their gradient is exactly zero (sign() has zero
 * derivative) but it is computed anyway, at several times the cost of the step. The adversarial
 * example is a constant of the training loss by definition (Madry et al. 2018, eq. 2.1: the inner
 * max is evaluated, then the outer min is differentiated at that point; Danskin's theorem).
 *
 * tfjs has no public "pause the tape" call, so this saves the engine's tape state, runs `f` as if
 * no gradient were being recorded (a nested tf.grad then starts and disposes its own tape), and
 * restores the outer tape. Tensors returned by `f` therefore have no tape history.
 */
import { tf } from "../tf.ts";

interface TapeState {
  gradientDepth: number;
  activeTape: unknown;
}

export function detached<T extends tf.TensorContainer>(f: () => T): T {
  const state = tf.engine().state as unknown as TapeState;
  const saved = { gradientDepth: state.gradientDepth, activeTape: state.activeTape };
  state.gradientDepth = 0;
  state.activeTape = null;
  try {
    return f();
  } finally {
    state.gradientDepth = saved.gradientDepth;
    state.activeTape = saved.activeTape;
  }
}
