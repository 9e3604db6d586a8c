/**
 * A seeded pseudo-random generator for fuzz tests (xorshift32): the same inputs on every run,
 * so a failure names the seed that reproduces it.
 *
 * @example
 * const r = rng(42);
 * r(); // a number in [0, 1), the same for seed 42 every time
 */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}
