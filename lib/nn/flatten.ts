import { tf } from "../tf.ts";
import { Layer } from "./module.ts";

/** [n, ...] → [n, prod(...)]. NHWC order, so a following Linear sees (h, w, c)-ordered features. */
export class Flatten extends Layer {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.reshape(x, [x.shape[0], -1]);
  }
}
