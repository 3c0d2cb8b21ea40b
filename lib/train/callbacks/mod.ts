/** Callbacks for `fit`: early stopping, checkpoint-best, reduce-on-plateau, CSV logging, per-step schedules. */
export type { Callback, FitContext } from "./callback.ts";
export { type MonitorKey, type MonitorOptions } from "./monitor.ts";
export { EarlyStopping, type EarlyStoppingOptions } from "./early_stopping.ts";
export { CheckpointBest } from "./checkpoint_best.ts";
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from "./reduce_lr_on_plateau.ts";
export { CsvLogger, historyCsv } from "./csv_logger.ts";
export { LearningRateScheduler } from "./lr_scheduler.ts";
