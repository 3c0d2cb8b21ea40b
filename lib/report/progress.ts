/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line in place; in a log
 * (CI, a pipe, Slurm) it prints a plain line at most every `logEverySeconds`, and at the end.
 */
export interface ProgressOptions {
  /** Unit for the rate ("step", "run", "epoch"). */
  unit?: string;
  logEverySeconds?: number;
  /** Redraw in place; defaults to whether stderr is a terminal. */
  tty?: boolean;
  silent?: boolean;
}

const encoder = new TextEncoder();

export class Progress {
  #done = 0;
  #start = performance.now();
  #lastDraw = 0;
  #lastLog = 0;
  #info = "";
  readonly #tty: boolean;

  constructor(readonly label: string, readonly total: number, readonly opts: ProgressOptions = {}) {
    this.#tty = opts.tty ?? Deno.stderr.isTerminal();
    this.#lastLog = this.#start;
  }

  get done(): number {
    return this.#done;
  }

  /** Advance by `n` and optionally replace the trailing info text (e.g. "loss 0.31"). */
  tick(n = 1, info?: string): void {
    this.#done += n;
    if (info !== undefined) this.#info = info;
    const now = performance.now();
    if (this.#tty) {
      if (now - this.#lastDraw > 100 || this.#done >= this.total) this.#draw(now);
    } else if ((now - this.#lastLog) / 1000 >= (this.opts.logEverySeconds ?? 30)) {
      this.#lastLog = now;
      this.#write(this.render(now) + "\n");
    }
  }

  set info(text: string) {
    this.#info = text;
  }

  /** Print a line above the bar without garbling it. */
  log(line: string): void {
    this.#write((this.#tty ? "\r\x1b[2K" : "") + line + "\n");
    if (this.#tty) this.#draw(performance.now());
  }

  finish(info?: string): void {
    if (info !== undefined) this.#info = info;
    this.#write((this.#tty ? "\r\x1b[2K" : "") + this.render(performance.now()) + "\n");
  }

  render(now = performance.now()): string {
    const seconds = (now - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(this.#done / this.total, 1) : 1;
    const width = 24, filled = Math.round(frac * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    const rate = this.#done / Math.max(seconds, 1e-9);
    const eta = this.#done > 0 ? (this.total - this.#done) / rate : NaN;
    const unit = this.opts.unit ?? "it";
    const rateText = rate >= 1 ? `${rate.toFixed(1)} ${unit}/s` : `${(1 / Math.max(rate, 1e-9)).toFixed(1)} s/${unit}`;
    const pct = (100 * frac).toFixed(0).padStart(3);
    return `${this.label} ${bar} ${pct}% ${this.#done}/${this.total} [${formatDuration(seconds)}<${
      formatDuration(eta)
    }, ${rateText}]${this.#info ? " " + this.#info : ""}`;
  }

  #draw(now: number) {
    this.#lastDraw = now;
    this.#write("\r\x1b[2K" + this.render(now));
  }

  #write(text: string) {
    if (!this.opts.silent) Deno.stderr.writeSync(encoder.encode(text));
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`
    : `${m}:${String(r).padStart(2, "0")}`;
}
