// Seeded randomness, so a random selection (and the sample of images shown) can be repeated
// exactly: the same seed and population give the same points on every machine.

/** mulberry32: a tiny, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct items of `population` (an array), chosen by a partial Fisher–Yates shuffle:
 * only the first `count` slots are shuffled, so drawing 10 of 70,000 is cheap.
 */
export function sample(population, count, seed) {
  const pool = Array.from(population);
  const k = Math.max(0, Math.min(count | 0, pool.length));
  const rand = mulberry32(seed);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    const tmp = pool[i];
    pool[i] = pool[j];
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}
