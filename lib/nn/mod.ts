/** Layers and models on autodiff. */
export { Layer, Module } from "./module.ts";
export { Linear } from "./linear.ts";
export { Conv2d, type Padding } from "./conv2d.ts";
export { AvgPool2d, MaxPool2d } from "./pool.ts";
export { Dropout, dropoutMask } from "./dropout.ts";
export { ELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh } from "./activations.ts";
export { Flatten } from "./flatten.ts";
export { Sequential } from "./sequential.ts";
export { BatchNorm } from "./batchnorm.ts";
export { decodeSafetensors, encodeSafetensors, loadState, loadStateInto, readState, saveState } from "./state.ts";
