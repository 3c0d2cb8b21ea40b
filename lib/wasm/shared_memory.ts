/**
 * A WebAssembly binary that defines its own memory, rewritten to define it shared: the same module,
 * whose memory worker threads can then be handed and work on in place. tfjs-backend-wasm's module
 * (emscripten, single-threaded) defines and exports its heap; made shared, our kernels run on it
 * from several threads without copying a tensor (lib/wasm/heap_threads.ts). Nothing else in the
 * module changes: memory instructions mean the same on shared and unshared memory, and a module
 * that never waits or notifies needs no atomics.
 *
 * Binary format (WebAssembly core spec §5.5): sections are (id: byte, size: u32 LEB128, content);
 * the memory section (id 5) is a vector of limits, each a flag byte (0: min; 1: min and max;
 * 3: min, max and shared) and LEB128 page counts. A shared memory must state its maximum.
 */

/** The largest memory wasm32 addresses: 65,536 pages of 64 KiB. */
export const MAX_MEMORY_PAGES = 65536;

/** `binary` with its one memory made shared (maximum as declared, else MAX_MEMORY_PAGES); null when it defines no unshared 32-bit memory. */
export function withSharedMemory(binary: Uint8Array): Uint8Array<ArrayBuffer> | null {
  if (binary.length < 8 || binary[0] !== 0 || binary[1] !== 0x61 || binary[2] !== 0x73 || binary[3] !== 0x6d) {
    return null;
  }
  for (let at = 8; at < binary.length;) {
    const id = binary[at];
    const [size, sizeEnd] = readLeb(binary, at + 1);
    const content = sizeEnd, end = content + size;
    if (id === 5) {
      const [count, limitsAt] = readLeb(binary, content);
      const flags = binary[limitsAt];
      if (count !== 1 || (flags !== 0 && flags !== 1)) return null;
      const [min, minEnd] = readLeb(binary, limitsAt + 1);
      const [max] = flags === 1 ? readLeb(binary, minEnd) : [MAX_MEMORY_PAGES];
      const section = [1, 3, ...leb(min), ...leb(max)];
      return Uint8Array.from([
        ...binary.subarray(0, at + 1),
        ...leb(section.length),
        ...section,
        ...binary.subarray(end),
      ]);
    }
    at = end;
  }
  return null;
}

/**
 * Runs `start` (which instantiates a module from bytes through WebAssembly.instantiate, as
 * emscripten's loader does) with every module it instantiates that way given a shared memory.
 */
export async function instantiatingShared<T>(start: () => Promise<T>): Promise<T> {
  const instantiate = WebAssembly.instantiate;
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).instantiate = (source: unknown, imports?: WebAssembly.Imports) => {
    const bytes = source instanceof ArrayBuffer
      ? new Uint8Array(source)
      : ArrayBuffer.isView(source)
      ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength)
      : null;
    const shared = bytes && withSharedMemory(bytes);
    // deno-lint-ignore no-explicit-any
    return (instantiate as any).call(WebAssembly, shared ?? source, imports);
  };
  try {
    return await start();
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}

function readLeb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0, shift = 0, byte: number;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}
