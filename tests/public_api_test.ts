/**
 * lib/mod.ts is the public surface: every export has a doc comment (`deno doc` reads well) and is
 * used by an example or a test, so nothing there is dead or unexplained; and its CLI flags are typed
 * without casts (a `--backend` value is a BackendChoice).
 */
import assert from "node:assert/strict";
import { type BackendChoice, cli, commonFlags, flag } from "../lib/mod.ts";

/** Exports documented elsewhere: tfjs' own namespace (its doc is lib/mod.ts's module comment). */
const UNDOCUMENTED_BY_DESIGN = new Set(["tf"]);

interface DocSymbol {
  name: string;
  declarations: { kind: string; jsDoc?: { doc?: string } }[];
}

/** Types are used wherever their values are; the usage check is for what a script calls or builds. */
const isType = (s: DocSymbol) => s.declarations.every((d) => d.kind === "interface" || d.kind === "typeAlias");

async function readExports(): Promise<DocSymbol[]> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["doc", "--json", "lib/mod.ts"], stdout: "piped" })
    .output();
  assert.ok(out.success, "deno doc lib/mod.ts failed");
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  return Object.values(doc.nodes as Record<string, { symbols: DocSymbol[] }>)[0].symbols;
}

/** One `deno doc` run shared by the tests below. */
const exportsOfMod = ((cached?: Promise<DocSymbol[]>) => () => cached ??= readExports())();

async function sourcesUnder(dir: string): Promise<string> {
  let text = "";
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".ts")) text += await Deno.readTextFile(`${dir}/${entry.name}`);
    else if (entry.isDirectory) text += await sourcesUnder(`${dir}/${entry.name}`);
  }
  return text;
}

Deno.test("every export of lib/mod.ts has a doc comment", async () => {
  const symbols = await exportsOfMod();
  assert.ok(symbols.length > 50, `only ${symbols.length} exports found`);
  const bare = symbols.filter((s) => !UNDOCUMENTED_BY_DESIGN.has(s.name))
    .filter((s) => !s.declarations.some((d) => d.jsDoc?.doc?.trim()))
    .map((s) => s.name);
  assert.deepEqual(bare, [], `add a /** one-line */ comment to: ${bare.join(", ")}`);
});

Deno.test("every value lib/mod.ts exports is used by an example or a test", async () => {
  const users = (await sourcesUnder("examples")) + (await sourcesUnder("tests"));
  const values = (await exportsOfMod()).filter((s) => !isType(s)).map((s) => s.name);
  assert.ok(values.includes("SequentialModel") && values.includes("fit"));
  const unused = values.filter((name) => !new RegExp(`\\b${name}\\b`).test(users));
  assert.deepEqual(unused, [], `use these in an example or a test, or drop them from lib/mod.ts: ${unused.join(", ")}`);
});

Deno.test("flags need no casts: --backend is a BackendChoice, a string flag with choices their union", () => {
  const flags = cli(
    { ...commonFlags("x"), mode: flag.string("fast", "mode", { choices: ["fast", "slow"] }) },
    "x",
    "test",
    ["--backend", "cpu", "--mode", "slow", "--out", "/tmp"],
  );
  const backend: BackendChoice = flags.backend;
  const mode: "fast" | "slow" = flags.mode;
  assert.deepEqual([backend, mode], ["cpu", "slow"]);
});
