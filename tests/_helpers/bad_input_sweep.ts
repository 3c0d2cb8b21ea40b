/**
 * The bad-input sweep (not a test: `deno run -A tests/_helpers/bad_input_sweep.ts [task …]`): every
 * flag of every task, read from its --help, given a missing, negative, zero, huge, non-numeric and
 * malformed value, each run as a subprocess with --quick into a temporary --out. Prints one line per
 * probe that printed a stack trace or was accepted (exit 0, or still running at the time limit), and
 * the counts; `LEGIT` lists the probes that are sensible settings, not nonsense.
 */
const ROOT = new URL("../..", import.meta.url).pathname;
const TASKS: Record<string, string> = {
  "siamese-grid": "scripts/siamese_grid/main.ts",
  "basics": "scripts/basics/main.ts",
  "uva-mlp-scratch": "scripts/uva/mlp_scratch.ts",
  "uva-mlp": "scripts/uva/mlp.ts",
  "uva-layernorm": "scripts/uva/layernorm.ts",
  "uva-convnet": "scripts/uva/convnet.ts",
  "fetch-cifar10": "scripts/fetch_cifar10.ts",
  "adversarial": "scripts/adversarial/main.ts",
  "cnn-scratch": "scripts/cnn_scratch/main.ts",
  "cnn-calc": "scripts/cnn_calc/main.ts",
  "report": "scripts/report.ts",
  "bench": "scripts/bench/main.ts",
};

/** task:flag=value probes that are legitimate settings (accepted on purpose). */
const LEGIT = new Set([
  "*:seed=0",
  "*:seed=1e12",
  "*:seed=-1",
  "basics:test-size=0",
  "basics:linreg-noise=0",
  "basics:linreg-noise=1e12",
  "uva-mlp:momentum=0",
  "uva-mlp:weight-decay=0",
  "uva-mlp:dropout=0",
  "cnn-scratch:adagrad-eps=0",
  "cnn-scratch:adagrad-initial-accumulator=0",
  "adversarial:ramp-epochs=0",
  "adversarial:beta=0",
  "adversarial:pat-lambda=0",
  "adversarial:pat-bound=0",
  "adversarial:epsilons=0",
  "adversarial:train-epsilon=0",
  "siamese-grid:alpha=0",
  "siamese-grid:dropout=0",
  "uva-layernorm:eps=0",
  "siamese-grid:checkpoint-every=1e12",
  "*:out=nonsense-value",
  "uva-mlp-scratch:dnn-hidden-units=",
  "uva-mlp:dnn-hidden-units=",
]);

interface Flag {
  name: string;
  type: string;
}

async function run(script: string, args: string[], seconds: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, seconds * 1000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code: out.code, timedOut, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function flagsOf(script: string): Promise<Flag[]> {
  const { stdout } = await run(script, ["--help"], 60);
  return [...stdout.matchAll(/^\s+--([\w-]+)(?: <([^>]+)>)?/gm)]
    .map((m) => ({ name: m[1], type: m[2] ?? "boolean" }))
    .filter((f) => !["help", "debug", "quick"].includes(f.name));
}

function valuesFor(f: Flag): (string | null)[] {
  if (f.type === "boolean") return ["yes"];
  if (f.type === "string") return [null, "", "nonsense-value"];
  const list = f.type === "a,b,…";
  return [null, "-1", "0", "1e12", "abc", list ? "1,,2" : "1.5x"];
}

const stackTrace = (text: string) => /^\s+at .+:\d+:\d+\)?$/m.test(text) || /Uncaught/.test(text);

const only = Deno.args.length ? Deno.args : Object.keys(TASKS);
const counts = { probes: 0, rejected: 0, traces: 0, acceptedLegit: 0, acceptedNonsense: 0, longMessages: 0 };
const tmp = await Deno.makeTempDir({ prefix: "sweep-" });
for (const task of only) {
  const script = TASKS[task];
  for (const f of await flagsOf(script)) {
    for (const v of valuesFor(f)) {
      const out = f.name === "out" ? [] : ["--out", `${tmp}/${task}-${f.name}`];
      const given = v === null ? [`--${f.name}`] : f.type === "boolean" ? [`--${f.name}=${v}`] : [`--${f.name}=${v}`];
      const quick = ["fetch-cifar10", "report", "uva-layernorm"].includes(task) ? [] : ["--quick"];
      const extra = task === "report" && f.name === "out" ? ["--only", "basics"] : [];
      const args = [...quick, ...(task === "report" || task === "fetch-cifar10" ? [] : out), ...extra, ...given];
      const r = await run(script, args, 20);
      counts.probes++;
      const label = `${task}:${f.name}=${v ?? "(missing)"}`;
      const lines = r.stderr.trim().split("\n").filter((l) => l.startsWith("error") || /^\(/.test(l));
      if (stackTrace(r.stderr)) {
        counts.traces++;
        console.log(`TRACE    ${label}\n${r.stderr.split("\n").slice(0, 6).join("\n")}`);
      } else if (r.code === 0 || r.timedOut) {
        const legit = LEGIT.has(label) || LEGIT.has(`*:${f.name}=${v}`);
        if (legit) counts.acceptedLegit++;
        else counts.acceptedNonsense++;
        console.log(`${legit ? "legit   " : "ACCEPTED"} ${label} (${r.timedOut ? "still running at 20 s" : "exit 0"})`);
      } else {
        counts.rejected++;
        const all = r.stderr.trim().split("\n"), first = all.findIndex((l) => l.startsWith("error"));
        const errorLines = first < 0 ? all : all.slice(first);
        if (errorLines.length > 2 || lines.length === 0) {
          counts.longMessages++;
          console.log(`LONG     ${label} (exit ${r.code})\n${r.stderr.split("\n").slice(0, 6).join("\n")}`);
        } else console.log(`ok       ${label}: ${lines[0]}`);
      }
    }
  }
}
await Deno.remove(tmp, { recursive: true });
// `--out nonsense-value` is a relative folder: the probes made it in the repository.
await Deno.remove(`${ROOT}/nonsense-value`, { recursive: true }).catch(() => {});
console.log(JSON.stringify(counts));
