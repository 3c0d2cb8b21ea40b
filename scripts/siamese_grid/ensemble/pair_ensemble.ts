/**
 * E seed-000 pair models (siamese with or without weight sharing, or the MLP baseline) trained as
 * one computation. Input [E, B, 14, 14, 2] (each model its own minibatch); outputs [E, B, …].
 */
import { tf } from "../../../lib/tf.ts";
import { Module } from "../../../lib/nn/module.ts";
import { PairMLP, type PairModel, SiameseNet } from "../siamese.ts";
import { StackedSequential } from "./stacked_sequential.ts";

export class PairEnsemble extends Module {
  readonly trunks: StackedSequential[];
  readonly head: StackedSequential;
  readonly models: number;
  readonly kind: "shared" | "two-trunks" | "mlp";

  constructor(members: PairModel[]) {
    super();
    this.models = members.length;
    if (members.every((m) => m instanceof PairMLP)) {
      this.kind = "mlp";
      this.trunks = [];
      this.head = this.addModule("net", new StackedSequential((members as PairMLP[]).map((m) => m.net)));
      return;
    }
    const nets = members as SiameseNet[];
    const trunkCount = nets[0].trunks.length;
    if (!nets.every((m) => m instanceof SiameseNet && m.trunks.length === trunkCount)) {
      throw new Error("an ensemble's members must share one architecture");
    }
    this.kind = trunkCount === 1 ? "shared" : "two-trunks";
    this.trunks = Array.from(
      { length: trunkCount },
      (_, t) => this.addModule(`trunk${t}`, new StackedSequential(nets.map((m) => m.trunks[t]))),
    );
    this.head = this.addModule("combiner", new StackedSequential(nets.map((m) => m.combiner)));
  }

  /** digits: [E, B, 10] each (null for the MLP); logit: [E, B, 1]. */
  forward(pairs: tf.Tensor): { digits1: tf.Tensor | null; digits2: tf.Tensor | null; logit: tf.Tensor } {
    if (this.kind === "mlp") return { digits1: null, digits2: null, logit: this.head.forward(pairs) };
    const [x1, x2] = tf.split(pairs, 2, 4);
    let d1: tf.Tensor, d2: tf.Tensor;
    if (this.kind === "shared") {
      const both = this.trunks[0].forward(tf.concat([x1, x2], 1)); // [E, 2B, 10], as the member's concat on batch
      [d1, d2] = tf.split(both, 2, 1);
    } else {
      d1 = this.trunks[0].forward(x1);
      d2 = this.trunks[1].forward(x2);
    }
    return { digits1: d1, digits2: d2, logit: this.head.forward(tf.concat([d1, d2], 2)) };
  }
}
