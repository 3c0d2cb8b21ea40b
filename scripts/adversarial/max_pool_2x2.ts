/**
 * 2×2 max pooling with stride 2 (PyTorch's MaxPool2d(2), floor mode) whose gradient is built from
 * fast elementwise ops. The project's wasm backend routes MaxPoolGrad through the pure-JS cpu
 * kernel (lib/tf/wasm_training_kernels.ts: wasm's own kernel misroutes gradients in non-positive
 * windows), which is far slower than all the rest of a LeNet input gradient — and attacks take
 * one input gradient per step. For non-overlapping windows the gradient is exact and simple:
 * view x as [n, h/2, w/2, c, 4] windows; the upstream gradient goes to the first maximum of each
 * window (tfjs' and PyTorch's tie rule), i.e. dx = oneHot(argmax) · dy.
 */
import { tf } from "../../lib/tf.ts";

/** [n, h, w, c] (h, w even) → [n, h/2, w/2, c, 4]: the four entries of every window last. */
function windows(x: tf.Tensor4D): tf.Tensor {
  const [n, h, w, c] = x.shape;
  return tf.transpose(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [0, 1, 3, 5, 2, 4]).reshape([n, h / 2, w / 2, c, 4]);
}

/** The inverse of `windows`. */
function fromWindows(win: tf.Tensor, shape: [number, number, number, number]): tf.Tensor4D {
  const [n, h, w, c] = shape;
  return tf.reshape(tf.transpose(tf.reshape(win, [n, h / 2, w / 2, c, 2, 2]), [0, 1, 4, 2, 5, 3]), shape);
}

// customGrad passes the inputs and then the save function as one variadic list.
const evenMaxPool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  save([x]);
  return {
    value: tf.maxPool(x, 2, 2, "valid"),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const xs = saved[0] as tf.Tensor4D;
      const firstMax = tf.oneHot(tf.argMax(windows(xs), -1), 4);
      return fromWindows(tf.mul(firstMax, tf.expandDims(dy, -1)), xs.shape);
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/** MaxPool2d(2) on NHWC: odd trailing rows/columns are dropped (floor mode). */
export function maxPool2x2(x: tf.Tensor): tf.Tensor4D {
  const [, h, w] = x.shape;
  const even = h % 2 || w % 2 ? tf.slice(x, [0, 0, 0, 0], [-1, h - (h % 2), w - (w % 2), -1]) : x;
  return evenMaxPool(even as tf.Tensor4D);
}
