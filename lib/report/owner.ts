/**
 * Which process wrote a temporary file or holds a claim — `pid@host` — and whether it still runs.
 * Only processes on this host can be checked (Linux: /proc/<pid>); one on another host is assumed
 * alive, so a shared results folder never loses another machine's in-flight work.
 */
export const HOST = (() => {
  try {
    return Deno.hostname().replace(/[^\w.]/g, "_");
  } catch {
    return "localhost";
  }
})();

export function ownerTag(pid = Deno.pid): string {
  return `${pid}@${HOST}`;
}

/** False only when `tag` names a process of this host that is gone. */
export function ownerAlive(tag: string): boolean {
  const m = /^(\d+)@([\w.]+)$/.exec(tag.trim());
  if (!m || m[2] !== HOST) return true;
  if (Number(m[1]) === Deno.pid) return true;
  try {
    const stat = Deno.readTextFileSync(`/proc/${m[1]}/stat`);
    return !/^\d+ \(.*\) [ZX] /.test(stat); // a zombie has finished too
  } catch (e) {
    return !(e instanceof Deno.errors.NotFound);
  }
}
