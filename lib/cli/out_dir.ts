/**
 * `--out`: refused when empty, created, and probed with a small write before any work, so an
 * unwritable or missing location fails in one line at start-up, not after training.
 */
import { UserError } from "./errors.ts";

export function prepareOutDir(dir: string, flag = "--out"): void {
  if (dir.trim() === "") throw new UserError(`${flag} is empty: give a folder, e.g. ${flag} results/mine`);
  const probe = `${dir}/.write-probe-${Deno.pid}`;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    Deno.writeTextFileSync(probe, "ok\n");
    Deno.removeSync(probe);
  } catch (e) {
    try {
      Deno.removeSync(probe);
    } catch { /* never written */ }
    const why = e instanceof Error ? e.message.replace(/ \(os error \d+\).*$/, "").toLowerCase() : String(e);
    throw new UserError(`${flag} ${dir} is not a writable folder (${why}); choose another ${flag}`);
  }
}
