/**
 * The lockstep engine: every model's parameters, Adam moments, activations and data resident in
 * a handful of buffers, created once; kernels compiled once against one bind group layout; a
 * program (a training step, an evaluation chunk) is a list of dispatches, one per kernel and stage
 * for all models together, each with its own work table (table.ts). Steps are encoded many to a
 * command buffer with their scalars in uniform slots (dynamic offsets), and nothing is read back
 * until `readOutcomes`: each read is a full device sync (≥ 10 ms in Deno).
 */
import { UserError } from "../cli/errors.ts";
import { checked, type GpuDevice } from "./device.ts";
import { buildTable, type WorkItem } from "./table.ts";
import { type Kernel, kernelSource } from "./kernel.ts";
import { bindGroupLayout, STEP_STRIDE, type StepScalars, STORAGE, type StorageName, writeStep } from "./prelude.ts";

/** One model's item of a kernel at a stage; items of equal stage and kernel share a dispatch. */
export interface Launch {
  /** Execution order, compared element by element; equal stages of different models run together. */
  stage: number[];
  kernel: Kernel;
  item: WorkItem;
}

interface Dispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  x: number;
  y: number;
}

export type Program = Dispatch[];

export interface LockstepInit {
  params: Float32Array;
  data: Float32Array;
  ints: Uint32Array;
  /** Floats of activations and scratch, and of per-example outcomes. */
  work: number;
  outcomes: number;
  /** Uniform slots: the most steps encoded between two `writeSteps`. */
  slots: number;
  kernels: Kernel[];
}

export interface Counters {
  dispatches: number;
  commandBuffers: number;
  readbacks: number;
}

/** Dispatches per command buffer: many steps each, few command buffers per process. */
const DISPATCHES_PER_COMMAND_BUFFER = 20_000;

/** A buffer over the device's binding limit: train fewer models at once. */
export class TooLargeForDevice extends UserError {}

export class Lockstep {
  readonly counters: Counters = { dispatches: 0, commandBuffers: 0, readbacks: 0 };
  readonly #steps: ArrayBuffer;

  private constructor(
    readonly gpu: GpuDevice,
    readonly buffers: Record<StorageName | "step", GPUBuffer>,
    readonly layout: GPUBindGroupLayout,
    readonly pipelines: Map<string, GPUComputePipeline>,
    readonly slots: number,
  ) {
    this.#steps = new ArrayBuffer(slots * STEP_STRIDE);
  }

  static async create(gpu: GpuDevice, init: LockstepInit): Promise<Lockstep> {
    const { device } = gpu;
    const floats = (n: number) => Math.max(16, 4 * n);
    const limit = device.limits.maxStorageBufferBindingSize;
    const sizes: Record<Exclude<StorageName, "tab">, number> = {
      params: floats(init.params.length),
      mom1: floats(init.params.length),
      mom2: floats(init.params.length),
      work: floats(init.work),
      data: floats(init.data.length),
      ints: floats(init.ints.length),
      outcomes: floats(init.outcomes),
    };
    for (const [name, bytes] of Object.entries(sizes)) {
      if (bytes > limit) {
        throw new TooLargeForDevice(
          `webgpu engine: ${name} needs ${(bytes / 2 ** 20).toFixed(0)} MiB, over this GPU's ${
            (limit / 2 ** 20).toFixed(0)
          } MiB a binding; train fewer runs at once (--shard i/n)`,
        );
      }
    }
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
    const buffers = await checked(device, "allocating buffers", () => {
      const make = (size: number, usage = storage) => device.createBuffer({ size, usage });
      return {
        ...Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, make(size)])),
        tab: make(16),
        step: make(init.slots * STEP_STRIDE, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST),
      } as Record<StorageName | "step", GPUBuffer>;
    });
    device.queue.writeBuffer(buffers.params, 0, init.params);
    device.queue.writeBuffer(buffers.data, 0, init.data);
    device.queue.writeBuffer(buffers.ints, 0, init.ints);
    const layout = bindGroupLayout(device);
    const pipelineLayout = device.createPipelineLayout({ bindGroupLayouts: [layout] });
    const pipelines = new Map<string, GPUComputePipeline>();
    for (const k of init.kernels) {
      const pipeline = await checked(device, `compiling ${k.name}`, () =>
        device.createComputePipeline({
          label: k.name,
          layout: pipelineLayout,
          compute: { module: device.createShaderModule({ code: kernelSource(k) }), entryPoint: "main" },
        }));
      pipelines.set(k.name, pipeline);
    }
    return new Lockstep(gpu, buffers, layout, pipelines, init.slots);
  }

  /** Groups launches by stage and kernel into dispatches, in stage order; tables uploaded once. */
  async program(launches: Launch[]): Promise<Program> {
    const groups = new Map<string, { stage: number[]; kernel: Kernel; items: WorkItem[] }>();
    for (const l of launches) {
      const key = `${l.stage.join(".")}/${l.kernel.name}`;
      const g = groups.get(key) ?? { stage: l.stage, kernel: l.kernel, items: [] };
      g.items.push(l.item);
      groups.set(key, g);
    }
    const ordered = [...groups.values()].sort((a, b) =>
      compareStages(a.stage, b.stage) || a.kernel.name.localeCompare(b.kernel.name)
    );
    const { device } = this.gpu;
    return await checked(device, "building work tables", () =>
      ordered.map((g) => {
        const table = buildTable(g.items, device.limits.maxComputeWorkgroupsPerDimension);
        const tab = device.createBuffer({
          size: table.data.byteLength,
          usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
        });
        device.queue.writeBuffer(tab, 0, table.data);
        const pipeline = this.pipelines.get(g.kernel.name);
        if (!pipeline) throw new Error(`webgpu engine: kernel ${g.kernel.name} was not compiled`);
        return { pipeline, bindGroup: this.#bindGroup(tab), x: table.x, y: table.y };
      }));
  }

  #bindGroup(tab: GPUBuffer): GPUBindGroup {
    const b = this.buffers;
    return this.gpu.device.createBindGroup({
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: b.step, size: 32 } },
        ...STORAGE.map((name, i) => ({ binding: i + 1, resource: { buffer: name === "tab" ? tab : b[name] } })),
      ],
    });
  }

  /** Scalars of the next steps, slot by slot (one write; encode them with `run`). */
  writeSteps(steps: StepScalars[]): void {
    if (steps.length > this.slots) throw new UserError(`webgpu engine: ${steps.length} steps > ${this.slots} slots`);
    const view = new DataView(this.#steps);
    steps.forEach((s, i) => writeStep(view, i, s));
    this.gpu.device.queue.writeBuffer(this.buffers.step, 0, this.#steps, 0, steps.length * STEP_STRIDE);
  }

  write(name: StorageName, floatOffset: number, values: Float32Array | Uint32Array): void {
    this.gpu.device.queue.writeBuffer(this.buffers[name], floatOffset * 4, values);
  }

  /** Encodes and submits each (program, uniform slot) in order, many to a command buffer; no waiting. */
  run(sequence: { program: Program; slot: number }[]): void {
    const { device } = this.gpu;
    let encoder = device.createCommandEncoder(), pass = encoder.beginComputePass(), inBuffer = 0;
    const submit = () => {
      pass.end();
      device.queue.submit([encoder.finish()]);
      this.counters.commandBuffers++;
    };
    for (const { program, slot } of sequence) {
      if (inBuffer + program.length > DISPATCHES_PER_COMMAND_BUFFER && inBuffer > 0) {
        submit();
        encoder = device.createCommandEncoder();
        pass = encoder.beginComputePass();
        inBuffer = 0;
      }
      for (const d of program) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup, [slot * STEP_STRIDE]);
        pass.dispatchWorkgroups(d.x, d.y);
      }
      inBuffer += program.length;
      this.counters.dispatches += program.length;
    }
    submit();
  }

  /** Copies of `floats` floats of buffers from their start: one device sync for all of them. */
  async read(parts: { name: StorageName; floats: number }[]): Promise<Float32Array[]> {
    const { device } = this.gpu;
    const encoder = device.createCommandEncoder();
    const staging = parts.map(({ name, floats }) => {
      const size = Math.max(16, 4 * floats);
      const s = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      encoder.copyBufferToBuffer(this.buffers[name], 0, s, 0, size);
      return s;
    });
    device.queue.submit([encoder.finish()]);
    this.counters.commandBuffers++;
    this.counters.readbacks++;
    await Promise.all(staging.map((s) => s.mapAsync(GPUMapMode.READ)));
    this.gpu.check();
    return staging.map((s, i) => {
      const out = new Float32Array(s.getMappedRange().slice(0, 4 * parts[i].floats));
      s.unmap();
      s.destroy();
      return out;
    });
  }

  destroy(): void {
    for (const b of Object.values(this.buffers)) b.destroy();
    this.gpu.device.destroy();
  }
}

function compareStages(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d) return d;
  }
  return 0;
}
