/**
 * Seeded randomness for everything a run draws (split, shuffles, dropout masks, augmentation),
 * so the same settings and seed give the same run.
 */

/** A seeded generator of floats in [0, 1). */
export type Rng = () => number;

/** mulberry32, mixed so that nearby seeds give unrelated streams. */
export function createRng(seed: number): Rng {
  let a = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 31-bit integer seed drawn from `rng` (for TF.js ops that take a seed). */
export function nextSeed(rng: Rng): number {
  return Math.floor(rng() * 0x7fffffff);
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

/** FNV-1a over a string, as an unsigned 32-bit integer (for seeds derived from ids). */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Incremental 64-bit hash (two independent 32-bit lanes) over strings and numeric arrays. Used
 * for cache keys, where a collision would silently reuse stale activations, so 32 bits is too few.
 */
export class Hasher {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;

  /** Mixes a string in. */
  text(s: string): this {
    for (let i = 0; i < s.length; i++) this.word(s.charCodeAt(i));
    return this.word(0xffff);
  }

  /** Mixes raw 32-bit words (e.g. a Float32Array's bits) in. */
  words(data: Uint32Array): this {
    for (let i = 0; i < data.length; i++) this.word(data[i]);
    return this.word(data.length);
  }

  private word(w: number): this {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    let k = Math.imul(w, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    this.b ^= Math.imul(k, 0x1b873593);
    this.b = Math.imul((this.b << 13) | (this.b >>> 19), 5) + 0xe6546b64;
    return this;
  }

  /** The hash as 16 hex digits. */
  digest(): string {
    const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
    return hex(this.a) + hex(this.b);
  }
}
