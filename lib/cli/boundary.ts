/**
 * The error boundary every task runs inside (installed by `cli`): an error that reaches the top
 * prints one or two lines — what happened, which file or flag, what to do — and exits non-zero.
 * Expected failures (bad flags, missing or damaged data, unwritable or full disks, out of memory)
 * get their own advice; anything else is a bug, reported the same way with a pointer to
 * `--debug` / `TSDL_DEBUG=1`, which print the stack trace instead.
 */
import { UsageError, UserError } from "./errors.ts";

let installed = false;
let debug = false;
let helpCommand = "";

/** Whether stack traces are wanted: `--debug` or TSDL_DEBUG=1 in the environment. */
export function debugRequested(args: readonly string[] = Deno.args): boolean {
  return args.includes("--debug") || /^(1|true|yes)$/i.test(Deno.env.get("TSDL_DEBUG") ?? "");
}

export function installErrorBoundary(command: string, args: readonly string[] = Deno.args): void {
  debug = debugRequested(args);
  helpCommand = command;
  if (installed) return;
  installed = true;
  globalThis.addEventListener("error", (e) => {
    e.preventDefault();
    fail(e.error ?? e.message);
  });
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    fail(e.reason);
  });
}

function fail(error: unknown): never {
  if (debug) console.error(error);
  const { lines, code } = explain(error, helpCommand);
  if (!debug) console.error(lines.join("\n"));
  Deno.exit(code);
}

/** The one or two lines and exit status for an error that reached the top. */
export function explain(error: unknown, command = ""): { lines: string[]; code: number } {
  const message = firstLine(error instanceof Error ? error.message : String(error));
  if (error instanceof UsageError) {
    return { lines: [`error: ${message}`, `(${command ? `${command} ` : ""}--help lists every flag)`], code: 2 };
  }
  if (error instanceof UserError || (error instanceof Error && error.name === "DataFileError")) {
    return { lines: [`error: ${message}`], code: 1 };
  }
  if (isDiskFull(error)) {
    return {
      lines: [
        `error: no space left on the device (${message})`,
        "free some space and rerun the same command: finished results are kept and resumed from",
      ],
      code: 1,
    };
  }
  if (
    error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotADirectory || error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.NotCapable
  ) {
    return { lines: [`error: ${message}`, "check that path (and that --out is a writable folder)"], code: 1 };
  }
  if (isOutOfMemory(error)) {
    return {
      lines: [`error: out of memory (${message})`, "use a smaller --batch-size or fewer/smaller inputs"],
      code: 1,
    };
  }
  return {
    lines: [
      `error: ${message}`,
      "this is a bug: rerun with --debug (or TSDL_DEBUG=1) for the stack trace and report it",
    ],
    code: 70,
  };
}

function firstLine(text: string): string {
  const line = text.trim().split("\n")[0];
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
}

function isDiskFull(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  return (e as { code?: string }).code === "ENOSPC" || /no space left on device|os error 28\b/i.test(e.message);
}

function isOutOfMemory(e: unknown): boolean {
  return e instanceof RangeError &&
    /Memory\.grow|allocation failed|Invalid typed array length|Array buffer|out of memory/i.test(e.message);
}
