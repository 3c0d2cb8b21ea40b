/**
 * The seed-000 loss of every run on the GPU (native_pair_model.ts, on the host there), one thread
 * per pair:
 *   L = α·BCE(z, t) + w·(CE(d₁, c₁) + CE(d₂, c₂)),   w = (1−α)/2 with aux, else 0
 *   ∂L/∂z = α·(σ(z) − t)/B,   ∂L/∂d = w·(softmax(d) − onehot(c))/B   (written when training)
 * Each pair's loss and whether its comparison is right go to the run's outcome log at its place in
 * the epoch's order, so the host sums an epoch's metrics once, from one read.
 */
import { Fields } from "../../lib/webgpu/table.ts";
import { type Kernel, MAIN } from "../../lib/webgpu/kernel.ts";

export const LOSS_FIELDS = new Fields(
  [
    "threads",
    "B",
    "logit",
    "dLogit",
    "target",
    "classes",
    "order",
    "digits",
    "dDigits",
    "alpha",
    "ce",
    "out",
    "training",
  ] as const,
  ["alpha", "ce"],
);

export const PAIR_LOSS: Kernel = {
  name: "pair_loss",
  fields: LOSS_FIELDS,
  body: MAIN + /* wgsl */ `
  let r = t;
  let B = f32(field(e, F_B));
  let training = field(e, F_training) == 1u;
  let alpha = fieldf(e, F_alpha);
  let ce = fieldf(e, F_ce);
  let pair = ints[field(e, F_order) + step.base + r];
  let label01 = f32(ints[field(e, F_target) + pair]);
  let z = work[field(e, F_logit) + r];
  var loss = alpha * (max(z, 0.0) - z * label01 + log(1.0 + exp(-abs(z))));
  if (training) { work[field(e, F_dLogit) + r] = alpha * (1.0 / (1.0 + exp(-z)) - label01) / B; }
  let digits = field(e, F_digits);
  if (digits != NONE) {
    for (var side = 0u; side < 2u; side++) {
      let d = digits + r * 20u + side * 10u;
      let g = field(e, F_dDigits) + r * 20u + side * 10u;
      if (ce == 0.0) {
        if (training) { for (var j = 0u; j < 10u; j++) { work[g + j] = 0.0; } }
        continue;
      }
      let label = ints[field(e, F_classes) + 2u * pair + side];
      var top = work[d];
      for (var j = 1u; j < 10u; j++) { top = max(top, work[d + j]); }
      var denom = 0.0;
      for (var j = 0u; j < 10u; j++) { denom = denom + exp(work[d + j] - top); }
      loss = loss + ce * (top + log(denom) - work[d + label]);
      if (training) {
        for (var j = 0u; j < 10u; j++) {
          work[g + j] = ce * (exp(work[d + j] - top) / denom - select(0.0, 1.0, j == label)) / B;
        }
      }
    }
  }
  let at = field(e, F_out) + 2u * (step.base + r);
  outcomes[at] = loss;
  outcomes[at + 1u] = select(0.0, 1.0, select(0.0, 1.0, z > 0.0) == label01);
}
`,
};
