/**
 * Preloaded (`deno run --preload`) where no small disk can be mounted: every write of a run file
 * fails as a full disk does (ENOSPC), so tests can see how a task reports it.
 */
const writeTextFile = Deno.writeTextFile;
Deno.writeTextFile = ((path: string | URL, data: string | ReadableStream<string>, options?: Deno.WriteFileOptions) => {
  if (String(path).includes("/runs/")) {
    return Promise.reject(Object.assign(new Error("No space left on device (os error 28)"), { code: "ENOSPC" }));
  }
  return writeTextFile(path, data, options);
}) as typeof Deno.writeTextFile;
