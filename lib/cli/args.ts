/**
 * Command-line flags on node:util's parseArgs (built in, so no JSR download for std/cli). Each flag
 * has a type, a default and a help line; `--help` prints them all, and an unknown flag or a bad
 * value prints the problem and the usage and exits with status 2.
 */
import { parseArgs } from "node:util";
import { BACKENDS } from "../tf.ts";

type Kind = "string" | "number" | "int" | "boolean" | "numbers" | "ints" | "strings";
type ValueOf<K extends Kind> = K extends "string" ? string
  : K extends "number" | "int" ? number
  : K extends "boolean" ? boolean
  : K extends "numbers" | "ints" ? number[]
  : string[];

export interface FlagSpec<K extends Kind = Kind> {
  // (builders below infer K; write specs with them rather than as literals)
  type: K;
  default: ValueOf<K>;
  help: string;
  choices?: readonly string[];
  /** Checked after parsing, e.g. (v) => v > 0; return an error text or true. */
  check?: (value: ValueOf<K>) => true | string;
}

// deno-lint-ignore no-explicit-any
export type FlagSpecs = Record<string, FlagSpec<any>>;
export type Flags<S extends FlagSpecs> = { [K in keyof S]: ValueOf<S[K]["type"]> };

export class UsageError extends Error {}

type Extra<K extends Kind> = Partial<Pick<FlagSpec<K>, "choices" | "check">>;
const make = <K extends Kind>(type: K) => (value: ValueOf<K>, help: string, extra: Extra<K> = {}): FlagSpec<K> => ({
  type,
  default: value,
  help,
  ...extra,
});

/**
 * Typed flag specs: `flag.int(5, "rounds", { check: positive })`, or `flag({ type: "int", default: 5,
 * help: "rounds" })`. Either form keeps each entry's literal type, which a table written as a plain
 * object literal loses (its `type` widens to string and every value would be typed string[]).
 */
export const flag = Object.assign(<K extends Kind>(spec: FlagSpec<K>): FlagSpec<K> => spec, {
  string: make("string"),
  number: make("number"),
  int: make("int"),
  boolean: (help: string): FlagSpec<"boolean"> => ({ type: "boolean", default: false, help }),
  numbers: make("numbers"),
  ints: make("ints"),
  strings: make("strings"),
});

export const positive = (v: number): true | string => v > 0 || "must be > 0";

/** The flags every experiment takes. */
export function commonFlags(experiment: string) {
  return {
    out: flag.string(`results/${experiment}`, "directory for results JSON and SVG figures"),
    quick: flag.boolean("a tiny run of a few seconds to a minute (smoke test)"),
    seed: flag.int(0, "seed for every random choice (init, data order, pairs, dropout)"),
    backend: flag.string("auto", "auto = WebGPU on a real GPU, else wasm, else cpu", { choices: BACKENDS }),
  };
}

function parseValue(name: string, spec: FlagSpec, raw: string | boolean): unknown {
  const bad = (what: string) => new UsageError(`--${name}: ${what}, got '${raw}'`);
  const num = (s: string, int: boolean) => {
    const v = Number(s.trim());
    if (s.trim() === "" || !Number.isFinite(v) || (int && !Number.isInteger(v))) {
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
    const def = s.type === "boolean" ? "" : ` (default: ${Array.isArray(s.default) ? s.default.join(",") : s.default})`;
    const choices = s.choices ? ` [${s.choices.join("|")}]` : "";
    return [`  --${name}${arg}`, `${s.help}${choices}${def}`];
  });
  const width = Math.max(...rows.map(([a]) => a.length)) + 2;
  return `${description}\n\nUsage: ${command} [flags]\n\nFlags:\n${
    rows.map(([a, b]) => a.padEnd(width) + b).join("\n")
  }\n  --help${" ".repeat(width - 8)}show this help\n`;
}

/** Parses `args`; throws UsageError on bad input and returns null after printing help. */
export function parseFlags<S extends FlagSpecs>(
  specs: S,
  args: string[],
  command: string,
  description: string,
): Flags<S> | null {
  const options: Record<string, { type: "string" | "boolean" }> = { help: { type: "boolean" } };
  for (const [name, s] of Object.entries(specs)) options[name] = { type: s.type === "boolean" ? "boolean" : "string" };
  let parsed;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (e) {
    // Keep Node's hint lines too (e.g. "use --seed=-4" for negative values).
    throw new UsageError((e as Error).message.trim());
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
 * The entry point scripts use: parse Deno.args, print help and exit 0, or print the problem and
 * the usage and exit 2.
 */
export function cli<S extends FlagSpecs>(specs: S, command: string, description: string, args = Deno.args): Flags<S> {
  try {
    const flags = parseFlags(specs, args, command, description);
    if (flags === null) Deno.exit(0);
    return flags;
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`error: ${e.message}\n\n${usage(command, description, specs)}`);
    Deno.exit(2);
  }
}

/** Whether `--name` (or `--name=…`, `--no-name`) appears in `args`: lets presets like --quick yield to explicit flags. */
export function wasGiven(name: string, args = Deno.args): boolean {
  return args.some((a) => a === `--${name}` || a.startsWith(`--${name}=`) || a === `--no-${name}`);
}
