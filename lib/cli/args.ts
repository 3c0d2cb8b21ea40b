/**
 * Command-line flags on node:util's parseArgs (built in, so no JSR download for std/cli). Each flag
 * has a type, a default and a help line; `--help` prints them all, and an unknown flag (with a
 * "did you mean") or a bad value prints one line naming it and exits with status 2. Every flag is
 * checked before any work, and an output folder (`output: true`) is created and probed.
 */
import { parseArgs } from "node:util";
import { BACKENDS } from "../tf.ts";
import { UsageError } from "./errors.ts";
import { closest } from "./suggest.ts";
import { installErrorBoundary } from "./boundary.ts";
import { prepareOutDir } from "./out_dir.ts";

export { UsageError } from "./errors.ts";
export { positive } from "./checks.ts";

type Kind = "string" | "number" | "int" | "boolean" | "numbers" | "ints" | "strings";
type ValueOf<K extends Kind> = K extends "string" ? string
  : K extends "number" | "int" ? number
  : K extends "boolean" ? boolean
  : K extends "numbers" | "ints" ? number[]
  : string[];

export interface FlagSpec<K extends Kind = Kind, V extends ValueOf<K> = ValueOf<K>> {
  // (builders below infer K; write specs with them rather than as literals)
  type: K;
  default: V;
  help: string;
  choices?: readonly string[];
  /** Checked after parsing, e.g. (v) => v > 0; return an error text or true. */
  check?: (value: ValueOf<K>) => true | string;
  /** A folder the task writes into: refused when empty, created and probed for writing by `cli`. */
  output?: boolean;
  /** What --help shows as the default when the value itself is not telling (e.g. "one per core (2)"). */
  shown?: string;
}

// deno-lint-ignore no-explicit-any
export type FlagSpecs = Record<string, FlagSpec<any>>;
/** Parsed values; a string flag with `choices` is typed as their union (its spec's `default` type). */
export type Flags<S extends FlagSpecs> = { [K in keyof S]: S[K]["default"] };

type Extra<K extends Kind> = Partial<Pick<FlagSpec<K>, "choices" | "check" | "output" | "shown">>;
const make = <K extends Kind>(type: K) => (value: ValueOf<K>, help: string, extra: Extra<K> = {}): FlagSpec<K> => ({
  type,
  default: value,
  help,
  ...extra,
});

/** A string flag; given `choices`, its value is typed as their union, so `--backend` needs no cast. */
function stringFlag<const C extends readonly string[]>(
  value: C[number],
  help: string,
  extra: Extra<"string"> & { choices: C },
): FlagSpec<"string", C[number]>;
function stringFlag(value: string, help: string, extra?: Extra<"string">): FlagSpec<"string">;
function stringFlag(value: string, help: string, extra: Extra<"string"> = {}): FlagSpec<"string"> {
  return make("string")(value, help, extra);
}

/**
 * Typed flag specs: `flag.int(5, "rounds", { check: positive })`, or `flag({ type: "int", default: 5,
 * help: "rounds" })`. Either form keeps each entry's literal type, which a table written as a plain
 * object literal loses (its `type` widens to string and every value would be typed string[]).
 */
export const flag = Object.assign(<K extends Kind>(spec: FlagSpec<K>): FlagSpec<K> => spec, {
  string: stringFlag,
  number: make("number"),
  int: make("int"),
  boolean: (help: string): FlagSpec<"boolean"> => ({ type: "boolean", default: false, help }),
  numbers: make("numbers"),
  ints: make("ints"),
  strings: make("strings"),
});

/** The flags every experiment takes. */
export function commonFlags(experiment: string) {
  return {
    out: flag.string(`results/${experiment}`, "directory for results JSON and SVG figures", { output: true }),
    quick: flag.boolean("a tiny run of a few seconds to a minute (smoke test)"),
    seed: flag.int(0, "seed for every random choice (init, data order, pairs, dropout)"),
    backend: flag.string("auto", "auto = WebGPU on a real GPU, else wasm, else cpu", { choices: BACKENDS }),
  };
}

function parseValue(name: string, spec: FlagSpec, raw: string | boolean): unknown {
  const bad = (what: string) => new UsageError(`--${name}: ${what}, got '${raw}'`);
  const num = (s: string, int: boolean) => {
    const v = Number(s.trim());
    if (s.trim() === "" || !Number.isFinite(v) || (int && !Number.isSafeInteger(v))) {
      throw bad(int ? "expected an integer" : "expected a number");
    }
    return v;
  };
  switch (spec.type) {
    case "boolean":
      return raw;
    case "number":
    case "int":
      return num(String(raw), spec.type === "int");
    case "numbers":
    case "ints":
      return String(raw).split(",").map((s) => num(s, spec.type === "ints"));
    case "strings":
      return String(raw).split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    default:
      return String(raw);
  }
}

export function usage(command: string, description: string, specs: FlagSpecs): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const arg = s.type === "boolean"
      ? ""
      : ` <${s.type === "numbers" || s.type === "ints" || s.type === "strings" ? "a,b,…" : s.type}>`;
    const value = s.shown ?? (Array.isArray(s.default) ? s.default.join(",") : String(s.default));
    const def = s.type === "boolean" ? "" : ` (default: ${value === "" ? "none" : value})`;
    const choices = s.choices ? ` [${s.choices.join("|")}]` : "";
    return [`  --${name}${arg}`, `${s.help}${choices}${def}`];
  });
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return `${description}\n\nUsage: ${command} [flags]\n\nFlags:\n${
    rows.map(([a, b]) => a.padEnd(width) + b).join("\n")
  }\n  --help${" ".repeat(width - 8)}show this help\n  --debug${
    " ".repeat(width - 9)
  }print the stack trace of an unexpected error (also TSDL_DEBUG=1)\n`;
}

/** `--lr -1` as `--lr=-1`: parseArgs would take "-1" for a flag and call the value missing. */
function joinNegativeValues(specs: FlagSpecs, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : "";
    const next = args[i + 1];
    if (specs[name] && specs[name].type !== "boolean" && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

/** parseArgs' own errors, as one line naming the flag, with a "did you mean" for a typo. */
function rephrase(e: Error & { code?: string }, known: string[]): UsageError {
  const quoted = /'(-{0,2}[^' ]*)/.exec(e.message)?.[1] ?? "";
  const name = quoted.replace(/^-+/, "").split("=")[0];
  switch (e.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
      const guess = closest(name, known);
      return new UsageError(`unknown flag ${quoted}${guess ? ` (did you mean --${guess}?)` : ""}`);
    }
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`unexpected argument '${quoted}' (flags start with --, e.g. --out DIR)`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /does not take an argument/.test(e.message)
        ? new UsageError(`--${name} takes no value (it is a switch: give --${name} alone)`)
        : new UsageError(`--${name} needs a value`);
    default:
      return new UsageError(e.message.trim().split("\n")[0]);
  }
}

/** Parses `args`; throws UsageError on bad input and returns null after printing help. */
export function parseFlags<S extends FlagSpecs>(
  specs: S,
  args: string[],
  command: string,
  description: string,
): Flags<S> | null {
  const options: Record<string, { type: "string" | "boolean" }> = {
    help: { type: "boolean" },
    debug: { type: "boolean" },
  };
  for (const [name, s] of Object.entries(specs)) options[name] = { type: s.type === "boolean" ? "boolean" : "string" };
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(specs, args), options, strict: true, allowPositionals: false });
  } catch (e) {
    throw rephrase(e as Error, [...Object.keys(specs), "help", "debug"]);
  }
  if (parsed.values.help) {
    console.log(usage(command, description, specs));
    return null;
  }
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const raw = parsed.values[name];
    const value = raw === undefined ? s.default : parseValue(name, s, raw);
    if (s.choices) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (!s.choices.includes(String(v))) {
          throw new UsageError(`--${name}: '${v}' is not one of ${s.choices.join(", ")}`);
        }
      }
    }
    const verdict = s.check?.(value as never) ?? true;
    if (verdict !== true) throw new UsageError(`--${name}: ${verdict}`);
    out[name] = value;
  }
  return out as Flags<S>;
}

/**
 * The entry point scripts use: installs the error boundary (lib/cli/boundary.ts), parses Deno.args,
 * prints help and exits 0, or throws the problem to the boundary (one line, exit 2); then creates
 * and probes every output folder, so nothing trains before a bad --out is reported.
 */
export function cli<S extends FlagSpecs>(specs: S, command: string, description: string, args = Deno.args): Flags<S> {
  installErrorBoundary(command, args);
  const flags = parseFlags(specs, args, command, description);
  if (flags === null) Deno.exit(0);
  for (const [name, s] of Object.entries(specs)) {
    if (s.output) prepareOutDir(String(flags[name]), `--${name}`);
  }
  return flags;
}

/** Whether `--name` (or `--name=…`, `--no-name`) appears in `args`: lets presets like --quick yield to explicit flags. */
export function wasGiven(name: string, args = Deno.args): boolean {
  return args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`);
}
