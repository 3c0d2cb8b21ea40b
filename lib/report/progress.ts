/**
 * A progress bar with rate and ETA on stderr. On a terminal it redraws one line in place, cut to
 * the terminal's width (a line that wrapped could not be redrawn in place: `\r` returns to the
 * start of the last screen row only); in a log (CI, a pipe, Slurm) it prints a plain line at most
 * every `logEverySeconds`, and at the end.
 */
export interface ProgressOptions {
  /** Unit for the rate ("step", "run", "epoch"). */
  unit?: string;
  logEverySeconds?: number;
  /** Redraw in place; defaults to whether stderr is a terminal. */
  tty?: boolean;
  silent?: boolean;
  /** Terminal width in columns; defaults to `Deno.consoleSize()` (80 when unknown). */
  columns?: number;
}

const encoder = new TextEncoder();
const BAR_WIDTH = 24;

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

  /**
   * The final line, without the bar (it is full). On a terminal too narrow for it, the metrics
   * follow on lines of their own, broken between words, so none is lost and none wraps.
   */
  finish(info?: string): void {
    if (info !== undefined) this.#info = info;
    const now = performance.now();
    if (!this.#tty) return this.#write(this.render(now, { bar: false }) + "\n");
    const columns = this.#columns(), line = this.render(now, { bar: false });
    if (Array.from(line).length < columns || !this.#info) {
      return this.#write("\r\x1b[2K" + fitToWidth(line, columns) + "\n");
    }
    const head = this.#line(this.#stats(now), "", 0, columns);
    const rest = wrapWords(this.#info, columns - 3).map((l) => "  " + fitToWidth(l, columns - 2));
    this.#write("\r\x1b[2K" + [head, ...rest].join("\n") + "\n");
  }

  /**
   * The bar's line. With `width` (a terminal's columns) the bar shrinks, then goes, then the
   * label is shortened, so that the numbers and the running loss stay in view.
   */
  render(now = performance.now(), parts: { bar?: boolean; width?: number } = {}): string {
    return this.#line(this.#stats(now), this.#info, parts.bar === false ? 0 : BAR_WIDTH, parts.width);
  }

  #line(stats: string, info: string, barWidth: number, width?: number): string {
    const tail = ` ${stats}${info ? " " + info : ""}`;
    const full = (bar: number) => `${this.label}${bar > 0 ? " " + this.#bar(bar) : ""}${tail}`;
    if (width === undefined) return full(barWidth);
    const room = width - 2 - Array.from(full(0)).length;
    if (barWidth > 0 && room >= 8) return full(Math.min(barWidth, room));
    const labelRoom = width - 1 - Array.from(tail).length;
    const label = labelRoom >= 12 ? fitToWidth(this.label, labelRoom + 1) : this.label;
    return fitToWidth(label + tail, width);
  }

  #bar(width: number): string {
    const frac = this.total > 0 ? Math.min(this.#done / this.total, 1) : 1;
    const filled = Math.round(frac * width);
    return "█".repeat(filled) + "░".repeat(width - filled);
  }

  /** " 50% 5/10 [0:10<0:10, 2.0 s/step]" */
  #stats(now: number): string {
    const seconds = (now - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(this.#done / this.total, 1) : 1;
    const pct = (100 * frac).toFixed(0).padStart(3);
    const timing = `[${formatDuration(seconds)}<${formatDuration(this.#eta(seconds))}${this.#rateText(seconds)}]`;
    return `${pct}% ${this.#done}/${this.total} ${timing}`;
  }

  /** Remaining seconds: 0 when nothing is left, unknown before the first unit is done. */
  #eta(seconds: number): number {
    if (this.#done >= this.total) return 0;
    return this.#done > 0 ? (this.total - this.#done) * seconds / this.#done : NaN;
  }

  /** ", 12.3 step/s" or ", 4.2 s/run"; nothing before the first unit is done (no rate to tell). */
  #rateText(seconds: number): string {
    if (this.#done === 0 || seconds <= 0) return "";
    const unit = this.opts.unit ?? "it";
    const rate = this.#done / seconds;
    return rate >= 1 ? `, ${rate.toFixed(1)} ${unit}/s` : `, ${(1 / rate).toFixed(1)} s/${unit}`;
  }

  #columns(): number {
    if (this.opts.columns) return this.opts.columns;
    try {
      return Deno.consoleSize().columns || 80;
    } catch {
      return 80;
    }
  }

  #draw(now: number) {
    this.#lastDraw = now;
    this.#write("\r\x1b[2K" + this.render(now, { width: this.#columns() }));
  }

  #write(text: string) {
    if (!this.opts.silent) Deno.stderr.writeSync(encoder.encode(text));
  }
}

/**
 * `line` cut to fit `columns` terminal cells, ending in "…" when cut. One column stays free: a
 * line that fills the last column makes some terminals wrap the cursor to the next row.
 */
export function fitToWidth(line: string, columns: number): string {
  const chars = Array.from(line);
  const room = Math.max(columns - 1, 1);
  return chars.length <= room ? line : chars.slice(0, room - 1).join("") + "…";
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}`
    : `${m}:${String(r).padStart(2, "0")}`;
}

/** Words of `text` in lines of at most `width` characters (a longer word keeps a line of its own). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && Array.from(`${line} ${word}`).length > width) [lines[lines.length], line] = [line, word];
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
