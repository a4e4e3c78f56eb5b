// Deterministic randomness for analyses that draw frames or shuffle them: seeded by a string (usually
// the sample id), so the same sample gets the same draw on every run and machine.

/** FNV-1a over the string's UTF-16 code units: a 32-bit seed from any text. */
export function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededRandom(seed: string): () => number {
  return mulberry32(hashString(seed));
}

/** A Fisher–Yates shuffled copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `count` distinct integers from 0..n-1, in the order drawn. */
export function drawDistinct(n: number, count: number, random: () => number): number[] {
  if (!Number.isInteger(count) || count < 0 || count > n) {
    throw new RangeError(`cannot draw ${count} distinct values from ${n}`);
  }
  return shuffled(
    Array.from({ length: n }, (_, i) => i),
    random,
  ).slice(0, count);
}
