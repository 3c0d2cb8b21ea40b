/**
 * Three classic image classifiers as layer descriptions (seed 004, problem 9), with the usual
 * modern conventions for counting: full channel connectivity, one bias per filter or unit,
 * parameter-free pooling.
 */
import type { NetworkSpec } from "./layer_spec.ts";

/**
 * LeNet-5 (LeCun, Bottou, Bengio & Haffner 1998, fig. 2): 32×32 input, C1 6@5×5, S2, C3 16@5×5, S4,
 * C5 120@5×5 (a convolution whose output is 1×1), F6 84, output 10. The paper's C3 connects each map
 * to a subset of S2's maps (1,516 weights) and its S2/S4 have trainable coefficients; counted here as
 * the fully connected, parameter-free-pooling LeNet everyone reimplements: 61,706 parameters.
 */
export const LENET5: NetworkSpec = {
  name: "LeNet-5",
  source: "LeCun et al. 1998, fig. 2 (full C3 connectivity, parameter-free subsampling)",
  input: [32, 32, 1],
  layers: [
    { name: "C1", kind: "conv", filters: 6, kernel: 5 },
    { name: "S2", kind: "avgpool", window: 2 },
    { name: "C3", kind: "conv", filters: 16, kernel: 5 },
    { name: "S4", kind: "avgpool", window: 2 },
    { name: "C5", kind: "conv", filters: 120, kernel: 5 },
    { name: "flatten", kind: "flatten" },
    { name: "F6", kind: "dense", units: 84 },
    { name: "output", kind: "dense", units: 10 },
  ],
};

/**
 * AlexNet (Krizhevsky, Sutskever & Hinton 2012, fig. 2) on one device: the paper's two GPU halves
 * merged (no grouped convolutions), 227×227 input (the paper's "224" does not give its 55×55 maps),
 * overlapping 3×3 stride-2 max pooling: 62,378,344 parameters.
 */
export const ALEXNET: NetworkSpec = {
  name: "AlexNet",
  source: "Krizhevsky et al. 2012, fig. 2, single-device (ungrouped) variant",
  input: [227, 227, 3],
  layers: [
    { name: "conv1", kind: "conv", filters: 96, kernel: 11, stride: 4 },
    { name: "pool1", kind: "maxpool", window: 3, stride: 2 },
    { name: "conv2", kind: "conv", filters: 256, kernel: 5, padding: 2 },
    { name: "pool2", kind: "maxpool", window: 3, stride: 2 },
    { name: "conv3", kind: "conv", filters: 384, kernel: 3, padding: 1 },
    { name: "conv4", kind: "conv", filters: 384, kernel: 3, padding: 1 },
    { name: "conv5", kind: "conv", filters: 256, kernel: 3, padding: 1 },
    { name: "pool5", kind: "maxpool", window: 3, stride: 2 },
    { name: "flatten", kind: "flatten" },
    { name: "fc6", kind: "dense", units: 4096 },
    { name: "fc7", kind: "dense", units: 4096 },
    { name: "fc8", kind: "dense", units: 1000 },
  ],
};

/** VGG-16 (Simonyan & Zisserman 2015, table 1, configuration D): 138,357,544 parameters. */
export const VGG16: NetworkSpec = {
  name: "VGG-16",
  source: "Simonyan & Zisserman 2015, table 1, configuration D",
  input: [224, 224, 3],
  layers: [
    ...vggBlock(1, 64, 2),
    ...vggBlock(2, 128, 2),
    ...vggBlock(3, 256, 3),
    ...vggBlock(4, 512, 3),
    ...vggBlock(5, 512, 3),
    { name: "flatten", kind: "flatten" },
    { name: "fc6", kind: "dense", units: 4096 },
    { name: "fc7", kind: "dense", units: 4096 },
    { name: "fc8", kind: "dense", units: 1000 },
  ],
};

/** `convs` 3×3 same-padded convolutions of `filters` channels, then a 2×2 max pool. */
function vggBlock(block: number, filters: number, convs: number): NetworkSpec["layers"] {
  return [
    ...Array.from({ length: convs }, (_, i) => ({
      name: `conv${block}_${i + 1}`,
      kind: "conv" as const,
      filters,
      kernel: 3,
      padding: 1,
    })),
    { name: `pool${block}`, kind: "maxpool" as const, window: 2 },
  ];
}

export const FAMOUS_NETWORKS: readonly NetworkSpec[] = [LENET5, ALEXNET, VGG16];
