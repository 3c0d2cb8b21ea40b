/**
 * A page opened in a real headless Chromium over the DevTools protocol: console messages,
 * exceptions and failed loads are collected, an expression can be evaluated in the page, and a
 * full-page PNG screenshot taken. Needs Debian's `chromium` (apt-get install chromium).
 */

export interface PageReport<T> {
  /** Console errors, uncaught exceptions and log entries of level error (e.g. a failed load). */
  errors: string[];
  value: T;
  screenshot: Uint8Array;
}

const CHROMIUM_CANDIDATES = ["chromium", "chromium-browser", "google-chrome"];

async function findChromium(): Promise<string> {
  for (const name of CHROMIUM_CANDIDATES) {
    const found = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "piped" }).output();
    if (found.success) return new TextDecoder().decode(found.stdout).trim();
  }
  throw new Error("no chromium on PATH: install it (sudo apt-get install chromium), as .ci/run does");
}

/** Opens `url`, waits for its load event, evaluates `expression` (returning JSON-able data). */
export async function inspectPage<T>(url: string, expression: string, width = 1200): Promise<PageReport<T>> {
  const profile = await Deno.makeTempDir({ prefix: "tsdl-chromium-" });
  const child = new Deno.Command(await findChromium(), {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--hide-scrollbars",
      `--window-size=${width},900`,
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdout: "null",
    stderr: "piped",
    env: { XDG_RUNTIME_DIR: profile },
  }).spawn();
  // A page that never finishes loading fails the test instead of hanging the suite.
  const limit = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    const port = await devToolsPort(child.stderr);
    const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
    const page = targets.find((t: { type: string }) => t.type === "page");
    const session = await DevTools.connect(page.webSocketDebuggerUrl);
    try {
      await session.send("Runtime.enable");
      await session.send("Log.enable");
      await session.send("Page.enable");
      const loaded = session.once("Page.loadEventFired");
      await session.send("Page.navigate", { url });
      await loaded;
      const evaluated = await session.send("Runtime.evaluate", { expression, returnByValue: true });
      const metrics = await session.send("Page.getLayoutMetrics");
      const size = metrics.cssContentSize ?? metrics.contentSize;
      const shot = await session.send("Page.captureScreenshot", {
        format: "png",
        captureBeyondViewport: true,
        clip: { x: 0, y: 0, width: size.width, height: size.height, scale: 1 },
      });
      return {
        errors: session.errors,
        value: evaluated.result.value as T,
        screenshot: Uint8Array.from(atob(shot.data), (c) => c.charCodeAt(0)),
      };
    } finally {
      await session.close();
    }
  } finally {
    clearTimeout(limit);
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/** Reads Chromium's stderr until "DevTools listening on ws://127.0.0.1:PORT/…", then drains the rest. */
async function devToolsPort(stderr: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stderr.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`chromium exited before it listened:\n${text}`);
    text += decoder.decode(value, { stream: true });
    const match = /DevTools listening on ws:\/\/[^:]+:(\d+)\//.exec(text);
    if (match) {
      (async () => {
        while (!(await reader.read()).done) { /* drain, or chromium blocks on a full pipe */ }
      })().catch(() => {});
      return Number(match[1]);
    }
  }
}

// deno-lint-ignore no-explicit-any
type Json = any;

class DevTools {
  #next = 1;
  #pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  #waiters = new Map<string, { resolve: (params: Json) => void; reject: (e: Error) => void }[]>();
  readonly errors: string[] = [];

  private constructor(private ws: WebSocket) {
    ws.onmessage = (event) => this.#receive(JSON.parse(event.data));
    // Chromium killed (the time limit) or crashed: fail whatever is waiting instead of hanging.
    ws.onclose = () => {
      const gone = new Error("chromium closed the DevTools connection");
      for (const { reject } of this.#pending.values()) reject(gone);
      for (const waiters of this.#waiters.values()) for (const { reject } of waiters) reject(gone);
      this.#pending.clear();
      this.#waiters.clear();
    };
  }

  static connect(url: string): Promise<DevTools> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.onopen = () => resolve(new DevTools(ws));
      ws.onerror = () => reject(new Error(`cannot connect to ${url}`));
    });
  }

  send(method: string, params: Json = {}): Promise<Json> {
    const id = this.#next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve, reject) => this.#pending.set(id, { resolve, reject }));
  }

  once(event: string): Promise<Json> {
    return new Promise((resolve, reject) =>
      this.#waiters.set(event, [...(this.#waiters.get(event) ?? []), { resolve, reject }])
    );
  }

  #receive(message: Json) {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error) pending?.reject(new Error(`${message.error.message}`));
      else pending?.resolve(message.result);
      return;
    }
    const { method, params } = message;
    if (method === "Runtime.exceptionThrown") {
      this.errors.push(
        `exception: ${params.exceptionDetails?.exception?.description ?? params.exceptionDetails?.text}`,
      );
    } else if (method === "Runtime.consoleAPICalled" && (params.type === "error" || params.type === "assert")) {
      this.errors.push(`console.${params.type}: ${params.args.map((a: Json) => a.value ?? a.description).join(" ")}`);
    } else if (method === "Log.entryAdded" && params.entry.level === "error") {
      this.errors.push(`${params.entry.source}: ${params.entry.text} ${params.entry.url ?? ""}`.trim());
    }
    const waiters = this.#waiters.get(method);
    if (waiters) {
      this.#waiters.delete(method);
      for (const { resolve } of waiters) resolve(params);
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) return resolve();
      this.ws.addEventListener("close", () => resolve());
      this.ws.close();
    });
  }
}
