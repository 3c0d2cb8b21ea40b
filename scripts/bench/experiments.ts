/**
 * One training step of each experiment's model, timed on the current tfjs backend, for
 * `deno task bench` (`--experiments` runs only these). Inputs are random tensors of each
 * experiment's shape: the arithmetic of a step does not depend on the values. A step is what the
 * experiment's training loop does per batch — forward, backward, optimiser update — and every
 * measurement waits for the parameters' values at the end, so queued device work is counted.
 */
import { tf } from "../../lib/tf.ts";
import { Rng } from "../../lib/random/rng.ts";
import { Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from "../../lib/nn/mod.ts";
import type { Optimizer } from "../../lib/train/optimizer.ts";
import { Adam } from "../../lib/train/adam.ts";
import { SGD } from "../../lib/train/sgd.ts";
import { AdaGrad } from "../../lib/train/adagrad.ts";
import { crossEntropy } from "../../lib/train/losses.ts";
import { ScratchAdaGrad } from "../../lib/scratch/adagrad.ts";
import { ScratchClassifier } from "../../lib/scratch/classifier.ts";
import { buildConvNet } from "../uva/convnet_model.ts";
import { setWasmThreads, wasmThreads } from "../../lib/tf/wasm_heap.ts";
import { LeNet } from "../adversarial/lenet.ts";
import { pgdTrainingObjective } from "../adversarial/robust/pgd_training.ts";
import { buildAutodiff, buildScratch, SMALL_NET } from "../cnn_scratch/architectures.ts";
import { autodiffObjective } from "../cnn_scratch/train_twins.ts";
import { autodiffStep, type TrainStep } from "../../lib/train/loop.ts";
import type { SetRows } from "../../lib/scratch/classifier.ts";

/** One row of latest.json's `experiments` (a stable shape: other tools read it). */
export interface ExperimentTiming {
  name: string;
  backend: string;
  threads: number;
  batchSize: number;
  msPerStep: number;
}

interface StepBench {
  name: string;
  batchSize: number;
  /** Builds the model; returns one step, a sync point and the cleanup. */
  setup(): { step: () => void; sync: () => Promise<unknown>; dispose: () => void };
}

function images(n: number, side = 28): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  return {
    x: tf.randomUniform([n, side, side, 1], 0, 1, "float32", 1) as tf.Tensor4D,
    labels: tf.tensor1d(Array.from({ length: n }, (_, i) => i % 10), "int32"),
  };
}

/** forward → cross-entropy → tape gradients → optimiser, as lib/train/loop.ts's autodiffStep. */
function autodiffBench(
  name: string,
  batchSize: number,
  build: () => { model: Sequential; optimizer: (params: tf.Variable[]) => Optimizer },
): StepBench {
  return {
    name,
    batchSize,
    setup() {
      const { model, optimizer } = build();
      model.train(true);
      const params = model.parameters(), opt = optimizer(params), { x, labels } = images(batchSize);
      return {
        step: () =>
          tf.tidy(() => {
            const { grads } = tf.variableGrads(() => crossEntropy(model.forward(x), labels) as tf.Scalar, params);
            opt.step(params.map((p) => grads[p.name]));
          }),
        sync: () => params[0].data(),
        dispose: () => (opt.dispose(), model.dispose(), tf.dispose([x, labels])),
      };
    },
  };
}

/** The basics CNN: conv 5×5×32 same → ReLU → pool 2 → conv 5×5×64 same → ReLU → pool 2 → 1024 → 10. */
function basicsCnn(rng: Rng): Sequential {
  return new Sequential(
    new Conv2d(1, 32, 5, rng, { padding: "same" }),
    new ReLU(),
    new MaxPool2d(2),
    new Conv2d(32, 64, 5, rng, { padding: "same" }),
    new ReLU(),
    new MaxPool2d(2),
    new Flatten(),
    new Linear(7 * 7 * 64, 1024, rng),
    new ReLU(),
    new Linear(1024, 10, rng),
  );
}

/** The README's Keras-style example (examples/keras_mnist.ts): two conv 5×5 → ReLU → pool 2 blocks, 512 → 10. */
function readmeCnn(rng: Rng): Sequential {
  const block = (from: number, to: number) => [new Conv2d(from, to, 5, rng), new ReLU(), new MaxPool2d(2)];
  return new Sequential(...block(1, 16), ...block(16, 32), new Flatten(), new Linear(512, 10, rng));
}

const adversarialPgd10: StepBench = {
  name: "adversarial-pgd10",
  batchSize: 64,
  setup() {
    const rng = new Rng("bench-adversarial");
    const model = new LeNet({ height: 28, width: 28, channels: 1, classes: 10, widthFactor: 1 }, rng);
    const params = model.parameters(), opt = new Adam(params, 1e-3), { x, labels } = images(64);
    // Madry et al.'s MNIST ball, 10 steps of 2.5·ε/10.
    const objective = pgdTrainingObjective((v) => model.forward(v), {
      threat: { epsilon: 0.3, range: { min: 0, max: 1 } },
      steps: 10,
      stepSize: 0.075,
      rng,
    });
    return {
      step: () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => objective({ imagesNHWC: x, labels }, true).loss as tf.Scalar,
            params,
          );
          opt.step(params.map((p) => grads[p.name]));
        }),
      sync: () => params[0].data(),
      dispose: () => (opt.dispose(), model.dispose(), tf.dispose([x, labels])),
    };
  },
};

/**
 * One of cnn-scratch's twins through the step the experiment trains it with, on 50 images as one
 * batch of rows: forward, loss and correct count, backward, AdaGrad, the same work for both twins.
 */
function cnnScratchBench(
  name: string,
  build: () => { step: TrainStep<SetRows>; sync: () => Promise<unknown>; dispose: () => void },
): StepBench {
  return {
    name,
    batchSize: 50,
    setup() {
      const { step, sync, dispose } = build(), { x, labels } = images(50);
      const set = { imagesNHWC: x, labels }, rows = Int32Array.from({ length: 50 }, (_, i) => i);
      return {
        step: () => tf.tidy(() => void step.train({ set, rows })),
        sync,
        dispose: () => (dispose(), tf.dispose([x, labels])),
      };
    },
  };
}

/** The autodiff twin: lib/train's autodiffStep on the twin's objective. */
const cnnScratchAutodiff = cnnScratchBench("cnn-scratch-autodiff", () => {
  const model = buildAutodiff(SMALL_NET, new Rng("bench-scratch-twin"));
  model.train(true);
  const params = model.parameters(), optimizer = new AdaGrad(params, 0.01);
  return {
    step: autodiffStep({ params, objective: autodiffObjective(model), optimizer }),
    sync: () => params[0].data(),
    dispose: () => (optimizer.dispose(), model.dispose()),
  };
});

/** The hand-written layers (lib/scratch): ScratchClassifier's step. */
const cnnScratchHandwritten = cnnScratchBench("cnn-scratch-handwritten", () => {
  const net = buildScratch(SMALL_NET, new Rng("bench-scratch")), optimizer = new ScratchAdaGrad(0.01);
  return {
    step: new ScratchClassifier(net, optimizer).trainStep(),
    sync: () => net.layers.find((l) => l.params.length > 0)!.params[0].data(),
    dispose: () => (optimizer.dispose(), net.dispose()),
  };
});

export const EXPERIMENT_BENCHES: StepBench[] = [
  autodiffBench("uva-convnet", 32, () => ({
    model: buildConvNet([28, 28, 1], 10, new Rng("bench-uva")),
    optimizer: (p) => new Adam(p, 1e-4),
  })),
  autodiffBench("basics-cnn", 32, () => ({
    model: basicsCnn(new Rng("bench-basics")),
    optimizer: (p) => new SGD(p, 0.01),
  })),
  adversarialPgd10,
  cnnScratchAutodiff,
  cnnScratchHandwritten,
  autodiffBench("readme-cnn", 64, () => ({
    model: readmeCnn(new Rng("bench-readme")),
    optimizer: (p) => new Adam(p, 1e-3),
  })),
];

/**
 * Median ms per step under each of `settings` (e.g. a thread count): a warm-up step under each
 * (kernel setup, pipeline compilation), then rounds of one step under each in turn, so that a
 * machine whose speed drifts skews all of them alike, until about `budgetMs` has passed (at least
 * `minRounds`, at most 30).
 */
export async function timeExperiment(
  bench: StepBench,
  budgetMs: number,
  minRounds = 3,
  settings: (() => Promise<void>)[] = [async () => {}],
): Promise<number[]> {
  const { step, sync, dispose } = bench.setup();
  const once = async () => {
    const t0 = performance.now();
    step();
    await sync();
    return performance.now() - t0;
  };
  try {
    for (const use of settings) await use(), await once();
    const times: number[][] = settings.map(() => []);
    const started = performance.now();
    while (times[0].length < 30 && (times[0].length < minRounds || performance.now() - started < budgetMs)) {
      for (const [i, use] of settings.entries()) {
        await use();
        times[i].push(await once());
      }
    }
    return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
  } finally {
    dispose();
  }
}

/**
 * Thread counts to time on `backend`: wasm runs its kernels on 1 and on 2 threads
 * (lib/wasm/heap_threads.ts) where the machine has two cores; the other backends have one setting.
 */
function threadCounts(backend: string): number[] {
  return backend === "wasm" && navigator.hardwareConcurrency >= 2 ? [1, 2] : [1];
}

/** Steps that take minutes on the pure-JS cpu backend (its convolution gradients) and on software WebGPU. */
const TOO_SLOW_OFF_WASM = ["uva-convnet", "basics-cnn"];

/**
 * Every experiment's step on the current backend at each thread count; `slow` backends skip
 * TOO_SLOW_OFF_WASM. With `reference`, PyTorch's step of each experiment is timed right after ours
 * and pushed there (while PyTorch is available), so that a ratio spans seconds of a drifting
 * machine, not the whole run.
 */
export async function benchExperiments(
  backend: string,
  opts: { quick: boolean; slow: boolean; reference?: ExperimentTiming[] },
): Promise<ExperimentTiming[]> {
  const rows: ExperimentTiming[] = [];
  const initial = wasmThreads();
  try {
    // Thread counts step by step in turn, so a noisy machine skews both alike.
    for (const bench of EXPERIMENT_BENCHES) {
      if (opts.slow && TOO_SLOW_OFF_WASM.includes(bench.name)) {
        console.log(`  ${bench.name}: skipped on ${backend} (minutes per step)`);
        continue;
      }
      const counts = threadCounts(backend);
      const perStep = await timeExperiment(
        bench,
        (opts.quick || opts.slow ? 1000 : 4000) * counts.length,
        opts.quick || opts.slow ? 1 : 3,
        counts.map((threads) => () => backend === "wasm" ? setWasmThreads(threads) : Promise.resolve()),
      );
      counts.forEach((threads, i) => {
        const msPerStep = perStep[i];
        console.log(
          `  ${bench.name} (batch ${bench.batchSize}, ${threads} thread${threads > 1 ? "s" : ""}): ${
            msPerStep.toFixed(msPerStep < 10 ? 2 : 1)
          } ms/step`,
        );
        rows.push({ name: bench.name, backend, threads, batchSize: bench.batchSize, msPerStep });
      });
      if (opts.reference) {
        const theirs = await pytorchReference(opts.quick, bench.name);
        if (!theirs) opts.reference = undefined;
        else opts.reference.push(...theirs);
      }
    }
  } finally {
    if (backend === "wasm") await setWasmThreads(initial);
  }
  return rows;
}

/**
 * The same steps in PyTorch (scripts/bench/pytorch_steps.py, one thread; `only`: one experiment's),
 * when Debian's python3 has torch; null otherwise. Only a reference for ratios measured in one run.
 */
export async function pytorchReference(quick: boolean, only?: string): Promise<ExperimentTiming[] | null> {
  const script = new URL("./pytorch_steps.py", import.meta.url).pathname;
  const env = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MALLOC_MMAP_THRESHOLD_: "67108864" };
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [script, ...(quick ? ["--quick"] : []), ...(only ? ["--only", only] : [])],
      env,
    })
      .output();
    if (!out.success) {
      const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
      console.log(`PyTorch reference skipped: ${why}`);
      return null;
    }
    const rows = JSON.parse(new TextDecoder().decode(out.stdout)) as ExperimentTiming[];
    for (const r of rows) {
      console.log(`  pytorch ${r.name} (batch ${r.batchSize}, 1 thread): ${r.msPerStep.toFixed(2)} ms`);
    }
    return rows;
  } catch {
    return null;
  }
}

/** latest.json with only its `experiments` (and PyTorch reference) replaced, for `--experiments`. */
export async function withExperiments(path: string, doc: Record<string, unknown>): Promise<Record<string, unknown>> {
  try {
    const previous = JSON.parse(await Deno.readTextFile(path)) as Record<string, unknown>;
    return { ...previous, experiments: doc.experiments, pytorchReference: doc.pytorchReference };
  } catch {
    return doc;
  }
}
