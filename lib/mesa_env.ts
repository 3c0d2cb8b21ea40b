/**
 * What Mesa's Vulkan drivers need before the first WebGPU adapter request. Without
 * XDG_RUNTIME_DIR (a container, cron, CI, Slurm) they print "XDG_RUNTIME_DIR is invalid or not
 * set" twice per process; a private directory of our own satisfies them. Set only when unset, and
 * read by the driver when the adapter is first requested, so every requester calls this first.
 */
export function ensureRuntimeDir(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "tsdl-xdg-" }));
  } catch {
    // Without env or write permission Mesa only prints its warning.
  }
}
