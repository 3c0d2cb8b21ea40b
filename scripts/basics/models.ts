/**
 * The four models of seed 001 ("Keras vs. TensorFlow syntax") and the settings its notebook used for
 * them: plain SGD with Keras' default learning rate 0.01, 10 epochs, a 20% validation split, and
 * batch sizes of 5 (linear regression), 128 (logistic regression, MLP) and 32 (CNN). The MNIST
 * models train on the first 1000 training images, as the seed's low-level cells (and its Keras CNN)
 * did; `--train-size 60000` gives the full set its Keras logistic regression and MLP cells used.
 */
export const MODEL_NAMES = ["linreg", "logreg", "mlp", "cnn"] as const;
export type ModelName = typeof MODEL_NAMES[number];

export const STYLE_NAMES = ["high", "low"] as const;
export type StyleName = typeof STYLE_NAMES[number];

export const STYLE_LABELS: Record<StyleName, string> = {
  high: "high-level (Keras-style)",
  low: "low-level (variables + tape)",
};

export const MODEL_LABELS: Record<ModelName, string> = {
  linreg: "linear regression 1→1",
  logreg: "logistic regression 784→10",
  mlp: "MLP 784→32→10",
  cnn: "CNN conv32-conv64-1024-10",
};

/** Input shape of one example, without the batch dimension (NHWC for the CNN). */
export const INPUT_SHAPES: Record<ModelName, number[]> = {
  linreg: [1],
  logreg: [784],
  mlp: [784],
  cnn: [28, 28, 1],
};

/** The seed's parameter counts (its `model.summary()` outputs). */
export const SEED_PARAMETER_COUNTS: Record<ModelName, number> = {
  linreg: 2,
  logreg: 7_850,
  mlp: 25_450,
  cnn: 832 + 51_264 + 3_212_288 + 10_250,
};

export interface SeedSettings {
  /** Examples before the validation split (points for linreg, MNIST training images otherwise). */
  trainSize: number;
  batchSize: number;
  epochs: number;
  lr: number;
}

/** Per model, what the seed's Keras cells ran (its low-level linreg cell used batch 10; we use one setting for both). */
export const SEED_SETTINGS: Record<ModelName, SeedSettings> = {
  linreg: { trainSize: 100, batchSize: 5, epochs: 10, lr: 0.01 },
  logreg: { trainSize: 1000, batchSize: 128, epochs: 10, lr: 0.01 },
  mlp: { trainSize: 1000, batchSize: 128, epochs: 10, lr: 0.01 },
  cnn: { trainSize: 1000, batchSize: 32, epochs: 10, lr: 0.01 },
};

/** Linear regression predicts a number; the others classify MNIST digits. */
export function isClassifier(model: ModelName): boolean {
  return model !== "linreg";
}
