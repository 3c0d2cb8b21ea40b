/**
 * The four seed-001 models in the high-level style: lib/nn layers in a Keras-style SequentialModel.
 * Models end in logits (Keras' Dense(10, activation="softmax") + categorical_crossentropy becomes
 * Linear + cross-entropy from logits: same function, stabler). Keras' Conv2D/Dense fuse their
 * activation; here ReLU is its own parameter-free layer, so the summary has one more row per
 * activation and the same totals.
 */
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU } from "../../lib/nn/mod.ts";
import type { Layer } from "../../lib/nn/module.ts";
import type { Rng } from "../../lib/random/rng.ts";
import { SequentialModel } from "../../lib/keras/sequential_model.ts";
import { INPUT_SHAPES, type ModelName } from "./models.ts";

/** Layers in creation order; the low-level style draws its initial values in the same order. */
export function highLevelLayers(model: ModelName, rng: Rng): Layer[] {
  switch (model) {
    case "linreg":
      return [new Linear(1, 1, rng)];
    case "logreg":
      return [new Linear(784, 10, rng)];
    case "mlp":
      return [new Linear(784, 32, rng), new ReLU(), new Linear(32, 10, rng)];
    case "cnn":
      return [
        new Conv2d(1, 32, 5, rng, { padding: "same" }),
        new ReLU(),
        new MaxPool2d(2, 2, "same"),
        new Conv2d(32, 64, 5, rng, { padding: "same" }),
        new ReLU(),
        new MaxPool2d(2, 2, "same"),
        new Flatten(),
        new Linear(7 * 7 * 64, 1024, rng),
        new ReLU(),
        new Linear(1024, 10, rng),
      ];
  }
}

export function buildHighLevelModel(model: ModelName, rng: Rng): SequentialModel {
  return new SequentialModel(INPUT_SHAPES[model], highLevelLayers(model, rng));
}
