/**
 * Float buffers in one WebAssembly.Memory of our own, for kernels that take byte pointers. The
 * memory grows as buffers are allocated, which detaches earlier views; a `FloatBuffer` therefore
 * re-creates its view when the memory has moved on, so holding one is always safe.
 */
export class Arena {
  readonly memory = new WebAssembly.Memory({ initial: 1 });
  /** Byte 0 stays unused, so a kernel can take pointer 0 as "none". */
  #usedBytes = 16;

  /** n floats, zeroed, 16-byte aligned (the SIMD kernels read 4 floats at a time). */
  floats(n: number): FloatBuffer {
    const ptr = Math.ceil(this.#usedBytes / 16) * 16;
    const end = ptr + 4 * Math.ceil(n / 4) * 4;
    const missing = end + 16 - this.memory.buffer.byteLength; // a vector read past the last buffer stays in bounds
    if (missing > 0) this.memory.grow(Math.ceil(missing / 65536));
    this.#usedBytes = end;
    return new FloatBuffer(this.memory, ptr, n);
  }

  get bytes(): number {
    return this.#usedBytes;
  }
}

export class FloatBuffer {
  #view: Float32Array;

  constructor(readonly memory: WebAssembly.Memory, readonly ptr: number, readonly length: number) {
    this.#view = new Float32Array(memory.buffer, ptr, length);
  }

  /** A Float32Array over the buffer (valid until the arena next grows). */
  get f(): Float32Array {
    if (this.#view.buffer !== this.memory.buffer) {
      this.#view = new Float32Array(this.memory.buffer, this.ptr, this.length);
    }
    return this.#view;
  }

  /** The same bytes as int32s (index buffers). */
  get ints(): Int32Array {
    return new Int32Array(this.memory.buffer, this.ptr, this.length);
  }

  /** The floats [start, start+n) as a FloatBuffer of their own (same memory). */
  slice(start: number, n: number): FloatBuffer {
    return new FloatBuffer(this.memory, this.ptr + 4 * start, n);
  }
}
