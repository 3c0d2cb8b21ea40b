/**
 * The README's Slurm job array on a real Slurm: a single-node cluster (Debian's slurm-wlm and munge,
 * configured in a temporary folder: no cgroups, proctrack/linuxproc, task/none) runs the README's
 * `#SBATCH --array` script over a small grid, then the README's merge command; the merged summary
 * must equal one process's. Skips, saying why, only where Slurm is not installed; where
 * TSDL_REQUIRE_SLURM=1 (.ci/run sets it once it has installed the packages) a missing Slurm fails.
 */
import assert from "node:assert/strict";
import { dirname } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const TOOLS = ["munged", "slurmctld", "slurmd", "sbatch", "scontrol"];
const TINY = "--k 3 --channels 2,4 --hidden 8 --alpha 0.5,1 --rounds 2 --epochs 2 --train-size 40 --test-size 40";

function which(tool: string): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    try {
      if (Deno.statSync(`${dir}/${tool}`).isFile) return `${dir}/${tool}`;
    } catch { /* not here */ }
  }
  return null;
}

const missing = TOOLS.filter((t) => !which(t));
const required = Deno.env.get("TSDL_REQUIRE_SLURM") === "1";
if (missing.length && !required) {
  console.warn(
    `slurm_test: skipped: ${missing.join(", ")} not installed (sudo apt-get install slurm-wlm munge; .ci/run does)`,
  );
}

async function sh(cmd: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(cmd, { args, env, cwd: ROOT, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The README's job script: the block with `#SBATCH --array`, its --out pointed at `out`, the grid made tiny. */
async function readmeJobScript(out: string): Promise<{ script: string; merge: string }> {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const block = /```sh\n([ \t]*#!\/bin\/bash\n[ \t]*#SBATCH --array[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "README.md has no ```sh block with an #SBATCH --array job script");
  const indent = /^[ \t]*/.exec(block)![0];
  const lines = block.split("\n").map((l) => l.startsWith(indent) ? l.slice(indent.length) : l);
  const job = lines.find((l) => l.includes("siamese-grid --shard"));
  const merge = lines.find((l) => l.includes("deno task report"))?.replace(/^#\s*afterwards, once:\s*/, "");
  assert.ok(job && merge, "the job script runs a --shard and names the report merge");
  const script = lines.filter((l) => !l.includes("deno task report")).join("\n")
    .replace(job, `${job.replace(/--out \S+/, `--out ${out}`)} ${TINY}`);
  return { script, merge: merge.replace(/--out \S+/, `--out ${out}`) };
}

interface Cluster {
  env: Record<string, string>;
  stop: () => Promise<void>;
}

async function startCluster(dir: string): Promise<Cluster> {
  const host = Deno.hostname(), user = (await sh("id", ["-un"])).stdout.trim();
  await Deno.mkdir(`${dir}/munge`, { mode: 0o700 });
  for (const d of ["state", "spool"]) await Deno.mkdir(`${dir}/${d}`);
  await Deno.writeFile(`${dir}/munge/munge.key`, crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o600 });
  const socket = `${dir}/munge/munge.socket`;
  const munge = await sh(which("munged")!, [
    "--force",
    `--socket=${socket}`,
    `--key-file=${dir}/munge/munge.key`,
    `--pid-file=${dir}/munge/munged.pid`,
    `--log-file=${dir}/munge/munged.log`,
    `--seed-file=${dir}/munge/munge.seed`,
  ]);
  assert.equal(munge.code, 0, `munged: ${munge.stderr}`);
  const port = 20000 + Math.floor(Math.random() * 20000);
  await Deno.writeTextFile(
    `${dir}/slurm.conf`,
    [
      "ClusterName=tsdltest",
      `SlurmctldHost=${host}`,
      `SlurmUser=${user}`,
      `SlurmdUser=${user}`,
      `SlurmctldPort=${port}`,
      `SlurmdPort=${port + 1}`,
      "AuthType=auth/munge",
      "CredType=cred/munge",
      `AuthInfo=socket=${socket}`,
      `StateSaveLocation=${dir}/state`,
      `SlurmdSpoolDir=${dir}/spool`,
      `SlurmctldPidFile=${dir}/slurmctld.pid`,
      `SlurmdPidFile=${dir}/slurmd.pid`,
      `SlurmctldLogFile=${dir}/slurmctld.log`,
      `SlurmdLogFile=${dir}/slurmd.log`,
      "ProctrackType=proctrack/linuxproc",
      "TaskPlugin=task/none",
      "SchedulerType=sched/builtin",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_Core",
      "ReturnToService=2",
      "MpiDefault=none",
      "JobAcctGatherType=jobacct_gather/none",
      "AccountingStorageType=accounting_storage/none",
      "JobCompType=jobcomp/none",
      `NodeName=${host} CPUs=${navigator.hardwareConcurrency} State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    ].join("\n") + "\n",
  );
  const env = {
    SLURM_CONF: `${dir}/slurm.conf`,
    PATH: `${dirname(Deno.execPath())}:${Deno.env.get("PATH")}`,
    NO_COLOR: "1",
  };
  const stop = async () => {
    for (const pidFile of ["slurmd.pid", "slurmctld.pid", "munge/munged.pid"]) {
      try {
        Deno.kill(Number(await Deno.readTextFile(`${dir}/${pidFile}`)), "SIGTERM");
      } catch { /* not started or gone */ }
    }
    await new Promise((r) => setTimeout(r, 500));
  };
  for (const daemon of ["slurmctld", "slurmd"]) {
    const r = await sh(which(daemon)!, daemon === "slurmctld" ? ["-i"] : [], env);
    if (r.code !== 0) {
      await stop();
      assert.fail(`${daemon} did not start: ${r.stderr}`);
    }
  }
  for (let i = 0; i < 60; i++) {
    const info = await sh("sinfo", ["-h", "-o", "%t"], env);
    if (/idle|mix|alloc/.test(info.stdout)) return { env, stop };
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(`the node never became idle: ${await Deno.readTextFile(`${dir}/slurmd.log`).catch(() => "")}`);
}

async function summaryOf(dir: string) {
  const s = JSON.parse(await Deno.readTextFile(`${dir}/grid-summary.json`));
  return {
    completedRuns: s.completedRuns,
    configs: s.configs.map(({ secondsPerRun: _, ...rest }: { secondsPerRun: number }) => rest),
  };
}

Deno.test({
  name: "the README's Slurm job array over a small grid, merged by report, equals one process's summary",
  ignore: missing.length > 0 && !required,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assert.deepEqual(missing, [], `TSDL_REQUIRE_SLURM=1 but ${missing.join(", ")} missing`);
    const dir = await Deno.makeTempDir({ prefix: "slurm-" });
    await Deno.chmod(dir, 0o755);
    const cluster = await startCluster(`${dir}`);
    try {
      const out = `${dir}/shared/results/siamese-grid`, single = `${dir}/single`;
      const { script, merge } = await readmeJobScript(out);
      await Deno.writeTextFile(`${dir}/job.sh`, script);
      const submit = await sh(
        "sbatch",
        ["--parsable", `--chdir=${ROOT}`, `--output=${dir}/task-%a.log`, `${dir}/job.sh`],
        cluster.env,
      );
      assert.equal(submit.code, 0, `sbatch: ${submit.stderr}`);
      const job = submit.stdout.trim().split(";")[0];
      let states = "";
      for (let i = 0; i < 600; i++) {
        states = (await sh("scontrol", ["show", "job", job, "-o"], cluster.env)).stdout;
        const tasks = states.trim().split("\n").filter((l) => l.includes("JobState="));
        if (tasks.length && tasks.every((l) => /JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)/.test(l))) {
          break;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      const tasks = states.trim().split("\n").filter((l) => l.includes("JobState="));
      const logs = async () =>
        (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.name.startsWith("task-"))
          .map((e) => Deno.readTextFileSync(`${dir}/${e.name}`)).join("\n---\n");
      assert.equal(tasks.length, 8, `the README's array has 8 tasks: ${states}`);
      for (const t of tasks) assert.match(t, /JobState=COMPLETED .*ExitCode=0:0/, `${t}\n${await logs()}`);

      const [command, ...args] = merge.trim().split(/\s+/);
      assert.equal(command, "deno");
      const merged = await sh(Deno.execPath(), args, { NO_COLOR: "1" });
      assert.equal(merged.code, 0, merged.stderr);
      const one = await sh(Deno.execPath(), [
        "run",
        "-A",
        "scripts/siamese_grid/main.ts",
        ...TINY.split(" "),
        "--workers",
        "1",
        "--out",
        single,
      ]);
      assert.equal(one.code, 0, one.stderr);
      const [a, b] = [await summaryOf(single), await summaryOf(out)];
      assert.equal(a.completedRuns, 8);
      assert.deepEqual(b, a);
      assert.equal(await Deno.stat(`${out}/claims`).then(() => true, () => false), false, "no claims left");
    } finally {
      await cluster.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
