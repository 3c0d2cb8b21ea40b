/**
 * A convolution with a different filter per model, for E models in one computation.
 *
 * im2col (Chellapilla et al. 2006): the k×k shifted views of the (padded) input, concatenated on
 * the channel axis, turn each model's convolution into one matrix product; a batched matMul then
 * does all models at once:
 *   patches[e, n·oh·ow, (i·k + j)·cin + ci] = x[e·N + n, oh + i, ow + j, ci]
 *   y[e] = patches[e] · W[e],   W[e] = filter[e] reshaped [k·k·cin, cout]
 * The (i, j, ci) order matches tfjs' filter layout [kh, kw, in, out], so W is a plain reshape of
 * each member's own filter. Only slices, concat, pad and matMul are used: every backend has them
 * and their gradients natively (wasm has no grouped or per-model convolution).
 */
import { tf } from "../../../lib/tf.ts";

/**
 * @param xENHWC  [E·N, H, W, cin] activations, model-major (rows e·N … e·N+N−1 belong to model e)
 * @param wEKC    [E, kh·kw·cin, cout] filters
 * @param bE1C    [E, 1, cout] biases, or null
 * @returns [E·N, OH, OW, cout]
 */
export function stackedConv2d(
  xENHWC: tf.Tensor4D,
  wEKC: tf.Tensor3D,
  bE1C: tf.Tensor3D | null,
  models: number,
  kernel: [number, number],
  padding: number,
): tf.Tensor4D {
  const [kh, kw] = kernel;
  const x = padding > 0 ? tf.pad(xENHWC, [[0, 0], [padding, padding], [padding, padding], [0, 0]]) : xENHWC;
  const [rows, h, w, cin] = x.shape;
  const oh = h - kh + 1, ow = w - kw + 1;
  if (oh < 1 || ow < 1) throw new Error(`stacked conv: ${kh}×${kw} kernel larger than the ${h}×${w} input`);
  const views: tf.Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) views.push(tf.slice(x, [0, i, j, 0], [rows, oh, ow, cin]));
  }
  const patches = tf.reshape(views.length === 1 ? views[0] : tf.concat(views, 3), [
    models,
    (rows / models) * oh * ow,
    kh * kw * cin,
  ]);
  let y: tf.Tensor3D = tf.matMul(patches as tf.Tensor3D, wEKC);
  if (bE1C) y = tf.add(y, bE1C);
  return tf.reshape(y, [rows, oh, ow, wEKC.shape[2]]);
}
