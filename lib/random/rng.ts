/**
 * Seeded pseudo-random numbers: every random choice in the project (initialisation, shuffles,
 * pair draws, dropout masks) flows from here, so the same `--seed` gives the same numbers on every
 * backend. tfjs' own initialisers ignore their seed (tfjs#7104), hence our own generator.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128-bit state, passes PractRand,
 * and its state is four uint32s, which checkpoints save to resume a run bit-exactly.
 */
export type RngState = [number, number, number, number];

/** The seeded generator every random choice comes from (sfc32; its state is saved in checkpoints). */
export class Rng {
  #s: Uint32Array;
  #spareNormal: number | null = null;

  constructor(seed: number | string) {
    const h = hash32x4(String(seed));
    this.#s = new Uint32Array(h);
    for (let i = 0; i < 12; i++) this.nextUint32(); // decorrelate nearby seeds
  }

  /** An independent stream named `label`, derived from this one's seed material (not its position). */
  static derive(seed: number | string, ...labels: (string | number)[]): Rng {
    return new Rng([seed, ...labels].join("/"));
  }

  nextUint32(): number {
    const s = this.#s;
    const t = (s[0] + s[1] + s[3]) >>> 0;
    s[3] = (s[3] + 1) >>> 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) >>> 0;
    s[2] = ((s[2] << 21) | (s[2] >>> 11)) >>> 0;
    s[2] = (s[2] + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /**
   * out[i] = next() ≥ p ? value : 0 for i < n: the very draws of n calls to next(), in order, but
   * branch-free and on local state (several times faster; dropout masks draw thousands per step).
   * Exact, because for a 32-bit draw t, t/2³² ≥ p ⟺ t ≥ ⌈p·2³²⌉.
   */
  fillBernoulli(out: { [i: number]: number }, n: number, p: number, value: number): void {
    const s = this.#s, threshold = Math.ceil(p * 4294967296);
    let a = s[0] | 0, b = s[1] | 0, c = s[2] | 0, d = s[3] | 0;
    for (let i = 0; i < n; i++) {
      const t = (a + b + d) | 0; // the sfc32 step of nextUint32, in int32 arithmetic
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (((c << 21) | (c >>> 11)) + t) | 0;
      out[i] = value * +((t >>> 0) >= threshold);
    }
    s[0] = a;
    s[1] = b;
    s[2] = c;
    s[3] = d;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller; the second value is kept for the next call). */
  normal(): number {
    if (this.#spareNormal !== null) {
      const z = this.#spareNormal;
      this.#spareNormal = null;
      return z;
    }
    const u = 1 - this.next(), v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    this.shuffleInPlace(p);
    return p;
  }

  shuffleInPlace<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  fillUniform(out: Float32Array, lo: number, hi: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = lo + (hi - lo) * this.next();
    return out;
  }

  fillNormal(out: Float32Array, mean = 0, std = 1): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  getState(): { s: RngState; spare: number | null } {
    return { s: Array.from(this.#s) as RngState, spare: this.#spareNormal };
  }

  setState(state: { s: RngState; spare: number | null }): void {
    this.#s.set(state.s);
    this.#spareNormal = state.spare;
  }
}

/** cyrb128: a string hash to four 32-bit words, used only to seed sfc32. */
function hash32x4(str: string): RngState {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  return [(h1 ^ h2 ^ h3 ^ h4) >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}
