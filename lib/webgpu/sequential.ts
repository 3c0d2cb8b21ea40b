/**
 * A lib/nn Sequential compiled to the lockstep engine's kernels, as lib/native/sequential.ts does
 * for the native engine: Conv2d, Linear and MaxPool2d become ops, a LeakyReLU and a Dropout right
 * after one are fused into it, Flatten is free (NHWC rows are already flat). Parameters are placed
 * in the native engine's flat layout (each tensor from a multiple of 4 floats, weight then bias),
 * so checkpoints of both engines hold the same tensors. Anything else is refused by name.
 */
import { UserError } from "../cli/errors.ts";
import { Conv2d, Dropout, Flatten, LeakyReLU, Linear, MaxPool2d, type Sequential } from "../nn/mod.ts";
import type { Rng } from "../random/rng.ts";
import type { Kernel } from "./kernel.ts";
import type { Source } from "./prelude.ts";
import { sourceFields } from "./prelude.ts";
import { NONE, WORKGROUP, type WorkItem } from "./table.ts";
import { DENSE_BACKWARD_ADAM, DENSE_FIELDS, DENSE_FORWARD } from "./dense.ts";
import { CONV_FIELDS, CONV_FORWARD, CONV_INPUT_GRAD, CONV_WEIGHT_ADAM } from "./conv.ts";
import { POOL_BACKWARD, POOL_FIELDS, POOL_FORWARD } from "./pool.ts";
import type { MaskSegment } from "./dropout_masks.ts";

/** Hands out floats of the activations buffer. */
export interface WorkAllocator {
  floats(n: number): number;
}

/** One model's flat parameters (native layout) at `base` of the engine's parameter buffer. */
export class FlatParams {
  readonly values: Float32Array;
  #next = 0;
  constructor(readonly base: number, floats: number) {
    this.values = new Float32Array(floats);
  }

  /** Floats of the flat layout for tensors of these sizes (lib/native/layer.ts ParameterSlots). */
  static floatsFor(sizes: number[]): number {
    return sizes.reduce((n, s) => n + Math.ceil(s / 4) * 4, 0);
  }

  place(values: Float32Array): number {
    const at = this.#next;
    this.values.set(values, at);
    this.#next += Math.ceil(values.length / 4) * 4;
    return this.base + at;
  }
}

/** Where a step's op reads, and the rows it works on: B pairs × mult rows per pair. */
export interface OpContext {
  B: number;
  mult: number;
  training: boolean;
  x: Source;
  /** Where the input's gradient goes (NONE for data), and whether it adds to what is there. */
  dx: number;
  dxAdd: boolean;
}

/** An output layout other than compact rows: element (r, j) at y + (r % B)·rs + (r / B)·bs + j. */
export interface MappedOutput {
  y: number;
  dy: number;
  rs: number;
  bs: number;
}

export interface StagedItem {
  stage: number[];
  kernel: Kernel;
  item: WorkItem;
}

interface Op {
  outSize: number;
  y: number;
  dy: number;
  mask: number;
  /** The output's row and block strides at B pairs. */
  strides(B: number): [rs: number, bs: number];
  forward(c: OpContext): { kernel: Kernel; item: WorkItem };
  backward(c: OpContext): { kernel: Kernel; item: WorkItem }[];
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export class GpuSequential {
  readonly ops: Op[] = [];
  readonly outShape: number[];
  /** The generator and probability of its dropout layers (all alike), or null without dropout. */
  dropout: { p: number; rng: Rng } | null = null;

  /**
   * `maxRows` rows for forward passes (training or evaluation), `trainRows` for what only training
   * keeps (pre-activations, masks, gradients); `output` maps the last op's output.
   */
  constructor(
    seq: Sequential,
    inShape: number[],
    params: FlatParams,
    work: WorkAllocator,
    rows: { max: number; train: number },
    output?: MappedOutput,
  ) {
    let shape = inShape;
    const layers = seq.layers;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      if (layer instanceof Flatten) {
        shape = [size(shape)];
        continue;
      }
      let act: number | null = null, p = 0;
      if (layers[i + 1] instanceof LeakyReLU && !(layer instanceof MaxPool2d)) {
        act = (layers[++i] as LeakyReLU).negativeSlope;
      }
      if (layers[i + 1] instanceof Dropout) {
        const d = layers[++i] as Dropout;
        if (this.dropout && (this.dropout.p !== d.p || this.dropout.rng !== d.rng)) {
          throw new UserError("webgpu engine: dropout layers with different p or generators; use --engine native");
        }
        if (d.p > 0) this.dropout = { p: d.p, rng: d.rng };
        p = d.p;
      }
      const last = !layers.slice(i + 1).some((l) => !(l instanceof Flatten));
      const out = last ? output : undefined;
      const op = this.#compile(layer, shape, act, p > 0, params, work, rows, out);
      this.ops.push(op.op);
      shape = op.outShape;
    }
    this.outShape = shape;
  }

  #compile(
    layer: unknown,
    shape: number[],
    act: number | null,
    dropout: boolean,
    params: FlatParams,
    work: WorkAllocator,
    rows: { max: number; train: number },
    output?: MappedOutput,
  ): { op: Op; outShape: number[] } {
    const bufs = (outSize: number, keepPre: boolean) => ({
      y: output?.y ?? work.floats(rows.max * outSize),
      dy: output?.dy ?? work.floats(rows.train * outSize),
      pre: keepPre ? work.floats(rows.train * outSize) : NONE,
      mask: dropout ? work.floats(rows.train * outSize) : NONE,
    });
    const strides = (outSize: number) => (B: number): [number, number] =>
      output ? [output.rs, output.bs] : [outSize, B * outSize];
    if (output && !(layer instanceof Linear)) {
      throw new UserError(`webgpu engine: ${layer} cannot write a mapped output; use --engine native`);
    }
    if (layer instanceof Linear) {
      if (size(shape) !== layer.inFeatures) {
        throw new UserError(`webgpu engine: ${layer} receives ${size(shape)} features`);
      }
      const w = params.place(weights(layer.weight)), b = params.place(weights(layer.bias));
      const inF = layer.inFeatures, outF = layer.outFeatures, buf = bufs(outF, act !== null);
      const op: Op = {
        outSize: outF,
        ...buf,
        strides: strides(outF),
        forward: (c) => ({
          kernel: DENSE_FORWARD,
          item: this.#dense(c, op, buf, inF, outF, w, b, act, c.B * c.mult * outF),
        }),
        backward: (
          c,
        ) => [{
          kernel: DENSE_BACKWARD_ADAM,
          item: this.#dense(c, op, buf, inF, outF, w, b, act, (inF + 1) * WORKGROUP),
        }],
      };
      return { op, outShape: [outF] };
    }
    if (layer instanceof Conv2d) {
      const [kh, kw] = layer.kernelSize, pad = layer.opts.padding ?? 0, stride = layer.opts.stride ?? 1;
      if (kh !== kw || typeof pad !== "number" || stride !== 1 || shape.length !== 3) {
        throw new UserError(`webgpu engine: unsupported ${layer} on input [${shape}]; use --engine native`);
      }
      const [H, W, C] = shape, K = kh, CO = layer.outChannels;
      const OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
      if (OH < 1 || OW < 1) throw new UserError(`conv ${K}×${K} leaves no pixels of a ${H}×${W} input`);
      const w = params.place(weights(layer.weight)), b = params.place(weights(layer.bias));
      const outSize = OH * OW * CO, buf = bufs(outSize, act !== null);
      const geometry = { H, W, C, K, pad, OH, OW, CO, w, b };
      const item = (c: OpContext, threads: number) => ({
        threads,
        fields: CONV_FIELDS.pack({
          threads,
          B: c.B,
          rows: c.B * c.mult,
          ...geometry,
          ...sourceFields("x", c.x),
          y: buf.y,
          dy: buf.dy,
          pre: c.training ? buf.pre : NONE,
          mask: c.training ? buf.mask : NONE,
          act: act === null ? 0 : 1,
          slope: act ?? 0,
          dx: c.dx,
        } as never),
      });
      const op: Op = {
        outSize,
        ...buf,
        strides: strides(outSize),
        forward: (c) => ({ kernel: CONV_FORWARD, item: item(c, c.B * c.mult * outSize) }),
        backward: (c) => [
          ...(c.dx === NONE ? [] : [{ kernel: CONV_INPUT_GRAD, item: item(c, c.B * c.mult * H * W * C) }]),
          { kernel: CONV_WEIGHT_ADAM, item: item(c, K * K * C * CO + CO) },
        ],
      };
      return { op, outShape: [OH, OW, CO] };
    }
    if (layer instanceof MaxPool2d) {
      const { kernelSize: K, stride, padding } = layer;
      if (typeof K !== "number" || stride !== K || padding !== 0 || shape.length !== 3) {
        throw new UserError(`webgpu engine: unsupported ${layer}; use --engine native`);
      }
      const [H, W, C] = shape, OH = Math.floor(H / K), OW = Math.floor(W / K);
      if (OH < 1) throw new UserError(`max pool ${K} of a ${H}×${W} input leaves no pixels`);
      const outSize = OH * OW * C, buf = { ...bufs(outSize, false), arg: work.floats(rows.train * outSize) };
      const item = (c: OpContext, threads: number) => {
        if (c.x.mode !== "work" || c.x.cs !== 1) throw new UserError("webgpu engine: max pool must follow a layer");
        return {
          threads,
          fields: POOL_FIELDS.pack({
            threads,
            rows: c.B * c.mult,
            H,
            W,
            C,
            K,
            OH,
            OW,
            x: c.x.off,
            y: buf.y,
            dy: buf.dy,
            arg: c.training ? buf.arg : NONE,
            mask: c.training ? buf.mask : NONE,
            dx: c.dx,
          }),
        };
      };
      const op: Op = {
        outSize,
        ...buf,
        strides: strides(outSize),
        forward: (c) => ({ kernel: POOL_FORWARD, item: item(c, c.B * c.mult * outSize) }),
        backward: (c) => [{ kernel: POOL_BACKWARD, item: item(c, c.B * c.mult * H * W * C) }],
      };
      return { op, outShape: [OH, OW, C] };
    }
    throw new UserError(`webgpu engine: no kernel for ${layer} (or one not after a layer); use --engine native`);
  }

  #dense(
    c: OpContext,
    op: Op,
    buf: { pre: number; mask: number },
    inF: number,
    outF: number,
    w: number,
    b: number,
    act: number | null,
    threads: number,
  ): WorkItem {
    const [yRs, yBs] = op.strides(c.B);
    return {
      threads,
      fields: DENSE_FIELDS.pack({
        threads,
        B: c.B,
        rows: c.B * c.mult,
        inF,
        outF,
        w,
        b,
        ...sourceFields("x", c.x),
        y: op.y,
        dy: op.dy,
        yRs,
        yBs,
        pre: c.training ? buf.pre : NONE,
        mask: c.training ? buf.mask : NONE,
        act: act === null ? 0 : 1,
        slope: act ?? 0,
        dx: c.dx,
        dxAdd: c.dxAdd ? 1 : 0,
      } as never),
    };
  }

  /** The context of op i: op 0 reads `input`, the others the previous op's compact output. */
  #context(
    i: number,
    B: number,
    mult: number,
    training: boolean,
    input: OpContext["x"],
    inputGrad: Pick<OpContext, "dx" | "dxAdd">,
  ): OpContext {
    if (i === 0) return { B, mult, training, x: input, ...inputGrad };
    const prev = this.ops[i - 1], [rs, bs] = prev.strides(B);
    return {
      B,
      mult,
      training,
      x: { mode: "work", off: prev.y, rs, bs, cs: 1, order: 0 },
      dx: prev.dy,
      dxAdd: false,
    };
  }

  /** Forward items at stages [phase, i]. */
  forward(phase: number, B: number, mult: number, training: boolean, input: Source): StagedItem[] {
    return this.ops.map((op, i) => ({
      stage: [phase, i],
      ...op.forward(this.#context(i, B, mult, training, input, { dx: NONE, dxAdd: false })),
    }));
  }

  /** Backward (fused Adam) items at stages [phase, depth from the output, sub-pass]. */
  backward(
    phase: number,
    B: number,
    mult: number,
    input: Source,
    inputGrad: Pick<OpContext, "dx" | "dxAdd">,
  ): StagedItem[] {
    const n = this.ops.length;
    return this.ops.flatMap((op, i) =>
      op.backward(this.#context(i, B, mult, true, input, inputGrad)).map((k, sub) => ({
        stage: [phase, n - 1 - i, sub],
        ...k,
      }))
    );
  }

  /** Dropout masks in the order of the forward pass, floats per pair at `mult` rows a pair. */
  maskSegments(mult: number): MaskSegment[] {
    return this.ops.filter((op) => op.mask !== NONE).map((op) => ({ off: op.mask, perPair: mult * op.outSize }));
  }

  /** The last op's output (logits) and its gradient buffer. */
  get output(): { y: number; dy: number } {
    const last = this.ops[this.ops.length - 1];
    return { y: last.y, dy: last.dy };
  }
}

function weights(v: { dataSync(): unknown } | null): Float32Array {
  if (!v) throw new UserError("webgpu engine: layers without bias are not supported");
  return v.dataSync() as Float32Array;
}
