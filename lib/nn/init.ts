/**
 * PyTorch's default initialisation, so results compare with the PyTorch notebooks:
 * weights kaiming_uniform_(a=√5) → U(±gain·√(3/fan_in)) with gain = √(2/(1+a²)) = √(1/3), i.e.
 * U(±1/√fan_in); biases U(±1/√fan_in) (torch.nn.Linear/Conv2d.reset_parameters).
 */
import { tf } from "../tf.ts";
import type { Rng } from "../random/rng.ts";

export function uniformTensor(shape: number[], bound: number, rng: Rng): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(new Float32Array(size), -bound, bound), shape);
}

export function pytorchDefaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}
