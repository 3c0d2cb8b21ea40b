import { tf } from "../tf.ts";
import { Layer } from "./module.ts";

/** max(x, 0). */
export class ReLU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

/** PyTorch's default negative slope is 0.01 (tfjs' is 0.2). */
export class LeakyReLU extends Layer {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.leakyRelu(x, this.negativeSlope);
  }
}

/** ELU with α = 1 (tfjs' elu has no α). */
export class ELU extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.elu(x);
  }
}

/** tanh(x). */
export class Tanh extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tanh(x);
  }
}

/** 1 / (1 + e^−x). */
export class Sigmoid extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}

/** e^xᵢ / Σⱼ e^xⱼ over the last axis. */
export class Softmax extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.softmax(x);
  }
}
