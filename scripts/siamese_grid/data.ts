/** Each round's pair sets, drawn once from `--seed` + round and shared by every run of that round (≈3 MB a round). */
import { loadMnist } from "../../lib/data/mnist.ts";
import { makePairs, normalizePairs } from "./pairs.ts";
import { PairTensors } from "./pair_tensors.ts";
import { Rng } from "../../lib/random/rng.ts";

export interface RoundData {
  train: PairTensors;
  test: PairTensors;
}

export class RoundDataCache {
  #cache = new Map<string, RoundData>();

  async get(
    c: { seed: number; round: number; trainSize: number; testSize: number; normalize: boolean },
  ): Promise<RoundData> {
    const { seed, round, trainSize, testSize, normalize } = c;
    const key = `${seed}/${round}/${trainSize}/${testSize}/${normalize}`;
    let data = this.#cache.get(key);
    if (!data) {
      const mnist = await loadMnist();
      const rng = Rng.derive(seed, "pairs", round);
      const train = makePairs(mnist.train, trainSize, rng), test = makePairs(mnist.test, testSize, rng);
      if (normalize) normalizePairs(train, test);
      data = { train: new PairTensors(train), test: new PairTensors(test) };
      this.#cache.set(key, data);
    }
    return data;
  }

  dispose(): void {
    for (const d of this.#cache.values()) {
      d.train.dispose();
      d.test.dispose();
    }
    this.#cache.clear();
  }
}
