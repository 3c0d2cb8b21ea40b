/**
 * The notes every result carries: where this experiment departs from the seed notebook (003) and
 * from the papers, and why.
 */
import type { ExperimentConfig } from "./config.ts";
import type { Method } from "./methods.ts";

export function experimentNotes(config: ExperimentConfig, method: Method): string[] {
  const c = config;
  const notes = [
    `ε, step sizes and noise σ are in [0, 1] pixel units; the network sees ${
      c.normalization === "symmetric" ? "x = (p − 0.5)/0.5 ∈ [−1, 1] (the seed's normalisation)" : "x = p ∈ [0, 1]"
    }, so attacks use ε/std and project onto the ε-ball and that valid range (the seed clamped normalised data to [0, 1]).`,
    `Budget for 2 CPU cores: ${c.trainSize} training images, ${c.epochs} epochs, Adam lr ${c.lr}, batch ${c.batchSize}; ` +
    `training attacks ε = ${c.trainEpsilon} with ${c.trainSteps} steps of ${+c.trainStepSize.toFixed(
      4,
    )}, ε ramped up ` +
    `linearly over the first ${c.rampEpochs} epoch(s) (small nets adversarially trained at full ε from the start collapse ` +
    "to a constant prediction here). Published MNIST models train 100 epochs on 60k images with PGD-40 (Madry; TRADES).",
    c.init === "standard"
      ? "The robust methods start from the standard-trained weights (adversarial fine-tuning, Gupta et al. 2020; Jeddi " +
        "et al. 2020): at this budget training from scratch reaches far less robustness."
      : "Every method trains from the same random initialisation.",
    `Evaluation on the first ${c.testSize} test images: FGSM (no random start) and PGD-${c.evalSteps} (step ` +
    `${c.evalStepFactor}ε/${c.evalSteps}, uniform random start, ${c.evalRestarts} restart(s), cross-entropy). An example ` +
    "is robust only if correct clean and at every adversarial point (AutoAttack's convention); for PGD the ε grid is walked " +
    "upwards and an example broken at a smaller ε counts as broken at larger ones (its adversarial point is in the larger " +
    "ball). All methods see the same noise draws and random starts.",
    "Seed bug fixed: its 'adversarial' evaluation added Gaussian noise; here Gaussian noise σ = ε is reported under its " +
    "own name, next to FGSM and PGD.",
    "Architecture: the seed's SimpleCNN (LeNet-style, conv 6/16 × width factor, FC 120-84); on 28×28 inputs its " +
    "flattened features are 16·4·4.",
  ];
  const specific: Partial<Record<Method, string>> = {
    fgsm:
      `FGSM-RS (Wong et al. 2020): uniform start in the ε-ball, one step of ${c.fgsmStepFactor}ε; early stop when ` +
      `PGD accuracy on a fixed training batch drops by > ${c.guardMaxDrop} (catastrophic overfitting guard).`,
    pgd: "PGD adversarial training (Madry et al. 2018) with a uniform random start.",
    trades:
      `TRADES as published: CE(f(x),y) + β·KL(f(x)‖f(x′)), β = ${c.tradesBeta}, x′ from ${c.trainSteps} sign steps ` +
      `maximising the KL from x + ${c.tradesStartNoise}·N(0,1); the seed used one FGSM step on CE instead.`,
    perceptual:
      "Perceptual AT: no pretrained ImageNet weights are available here, so the frozen feature extractor is " +
      "this experiment's standard-trained LeNet (its two conv blocks), trained first; LPIPS-style distance with unit " +
      `layer weights. The adversary maximises CE − λ·max(0, d − η) (λ = ${c.patLambda}, η = ${c.patBound}) with sign ` +
      "steps inside the L∞ ball (Laidlaw et al. 2021's Lagrangian form; they take normalised-gradient steps without the " +
      "box); the seed's feature penalty in the training loss had zero gradient.",
    robal: "Class-reweighted PGD AT: the reweighting part of RoBal (Wu et al. 2021) only — inverse-frequency class " +
      "weights on the adversarial cross-entropy, no cosine classifier or margins." +
      (c.imbalance > 1
        ? ` The training subset is long-tailed with ρ = ${c.imbalance}.`
        : " The training subset is balanced (use --imbalance to make the weights matter)."),
  };
  return specific[method] ? [...notes, specific[method]!] : notes;
}
