/**
 * The four seed-001 models in the low-level ("TensorFlow") style: named tf.Variables and a forward
 * function of plain tf ops, as the seed's `W_conv1`, `b_conv1`, `tf.nn.conv2d`, … cells. Variables
 * are created in the order lib/nn's layers create theirs (weight then bias, layer by layer), which
 * lets the "pytorch" initialiser reproduce the high-level model's starting point.
 */
import { tf } from "../../lib/tf.ts";
import type { ModelName } from "./models.ts";
import type { Initializer } from "./initial_values.ts";

export interface ExplicitModel {
  /** Trainable variables by name, in creation order. */
  variables: Record<string, tf.Variable>;
  /** Outputs (logits for the classifiers) of a batch. */
  forward(x: tf.Tensor): tf.Tensor;
}

export function buildExplicitModel(model: ModelName, init: Initializer): ExplicitModel {
  switch (model) {
    case "linreg":
      return linearRegression(init);
    case "logreg":
      return logisticRegression(init);
    case "mlp":
      return multilayerPerceptron(init);
    case "cnn":
      return convolutionalNetwork(init);
  }
}

/** ŷ = x·W + b, W: [1, 1]. */
function linearRegression(init: Initializer): ExplicitModel {
  const W = init.weight([1, 1], 1), b = init.bias([1], 1);
  return { variables: { W, b }, forward: (x) => tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b) };
}

/** logits = x·W + b, W: [784, 10]; softmax lives in the loss. */
function logisticRegression(init: Initializer): ExplicitModel {
  const W = init.weight([784, 10], 784), b = init.bias([10], 784);
  return { variables: { W, b }, forward: (x) => tf.add(tf.matMul(x as tf.Tensor2D, W as tf.Tensor2D), b) };
}

/** logits = relu(x·W₁ + b₁)·W₂ + b₂. */
function multilayerPerceptron(init: Initializer): ExplicitModel {
  const W1 = init.weight([784, 32], 784), b1 = init.bias([32], 784);
  const W2 = init.weight([32, 10], 32), b2 = init.bias([10], 32);
  return {
    variables: { W1, b1, W2, b2 },
    forward: (x) => {
      const hidden = tf.relu(tf.add(tf.matMul(x as tf.Tensor2D, W1 as tf.Tensor2D), b1)) as tf.Tensor2D;
      return tf.add(tf.matMul(hidden, W2 as tf.Tensor2D), b2);
    },
  };
}

/**
 * [n, 28, 28, 1] → conv 5×5×32 "same" + ReLU → max-pool 2 → [n, 14, 14, 32] → conv 5×5×64 "same"
 * + ReLU → max-pool 2 → [n, 7, 7, 64] → flatten 3136 → 1024 + ReLU → 10.
 */
function convolutionalNetwork(init: Initializer): ExplicitModel {
  const W_conv1 = init.weight([5, 5, 1, 32], 5 * 5 * 1), b_conv1 = init.bias([32], 5 * 5 * 1);
  const W_conv2 = init.weight([5, 5, 32, 64], 5 * 5 * 32), b_conv2 = init.bias([64], 5 * 5 * 32);
  const W_fc1 = init.weight([7 * 7 * 64, 1024], 7 * 7 * 64), b_fc1 = init.bias([1024], 7 * 7 * 64);
  const W_fc2 = init.weight([1024, 10], 1024), b_fc2 = init.bias([10], 1024);
  const convRelu = (x: tf.Tensor4D, W: tf.Variable, b: tf.Variable) =>
    tf.relu(tf.add(tf.conv2d(x, W as tf.Tensor4D, 1, "same"), b)) as tf.Tensor4D;
  const maxPool2x2 = (x: tf.Tensor4D) => tf.maxPool(x, 2, 2, "same");
  return {
    variables: { W_conv1, b_conv1, W_conv2, b_conv2, W_fc1, b_fc1, W_fc2, b_fc2 },
    forward: (x) => {
      const pool1 = maxPool2x2(convRelu(x as tf.Tensor4D, W_conv1, b_conv1));
      const pool2 = maxPool2x2(convRelu(pool1, W_conv2, b_conv2));
      const flat = tf.reshape(pool2, [-1, 7 * 7 * 64]) as tf.Tensor2D;
      const fc1 = tf.relu(tf.add(tf.matMul(flat, W_fc1 as tf.Tensor2D), b_fc1)) as tf.Tensor2D;
      return tf.add(tf.matMul(fc1, W_fc2 as tf.Tensor2D), b_fc2);
    },
  };
}

export function explicitParameterCount(model: ExplicitModel): number {
  return Object.values(model.variables).reduce((n, v) => n + v.size, 0);
}

export function disposeExplicitModel(model: ExplicitModel): void {
  for (const v of Object.values(model.variables)) v.dispose();
}
