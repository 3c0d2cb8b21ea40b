/**
 * Keras' ModelCheckpoint(save_best_only=True): after every epoch that improves the monitored
 * quantity, the model's weights are written (atomically) to `path` as safetensors, loadable with
 * `loadState` or SequentialModel.load. The metadata names the epoch and the value.
 */
import { encodeSafetensors, saveState } from "../../nn/state.ts";
import { writeFileAtomic } from "../../report/atomic.ts";
import type { HistoryRow } from "../loop.ts";
import type { Callback, FitContext } from "./callback.ts";
import { epochOf, Monitor, type MonitorOptions } from "./monitor.ts";

/** Saves the model's weights whenever the monitored quantity improves (Keras' save_best_only). */
export class CheckpointBest implements Callback {
  readonly monitor: Monitor;
  /** Epochs whose weights were written, in order (1-based). */
  readonly saved: number[] = [];

  constructor(readonly path: string, opts: MonitorOptions = {}) {
    this.monitor = new Monitor("CheckpointBest", opts);
  }

  onTrainBegin(ctx: FitContext): void {
    if (!ctx.module && !ctx.step.state) {
      throw new Error("CheckpointBest needs the model: pass fit `module` (or a step with state)");
    }
    this.monitor.reset();
  }

  async onEpochEnd(row: HistoryRow, ctx: FitContext): Promise<void> {
    const value = this.monitor.value(row), epoch = epochOf(row, ctx.history);
    if (!this.monitor.update(value, epoch)) return;
    const metadata = { epoch: String(epoch), monitor: this.monitor.key, value: String(value) };
    if (ctx.module) await saveState(ctx.module, this.path, metadata);
    else await writeFileAtomic(this.path, encodeSafetensors((await ctx.step.state!()).tensors, metadata));
    this.saved.push(epoch);
  }
}
