/**
 * Read buffers carved from shared slabs, as Node's Buffer pool does for small buffers but
 * with a larger slab: one 4 KiB ArrayBuffer per 4 KiB read costs about 1 us and, counted as
 * external memory, drives full garbage collections (measured: 19 in 3 s of 4 KiB reads at
 * QD32). A slab is freed when the last view into it is dropped.
 */
const SLAB = 1 << 20;
/** Reads larger than this get their own buffer (a slab would waste too much). */
const SMALL = 64 * 1024;

let slab: Uint8Array = new Uint8Array(0);
let used = 0;

/**
 * `n` bytes, uninitialised, 8-byte aligned in a shared slab (or alone when large).
 *
 * @example
 * const buf = allocReadBuffer(4096); // a view of a 1 MiB slab
 */
export function allocReadBuffer(n: number): Uint8Array {
  if (n > SMALL) return new Uint8Array(Buffer.allocUnsafeSlow(n).buffer);
  if (used + n > slab.length) {
    // Plain Uint8Arrays (uninitialised memory, no zero fill): Buffer#slice() would not copy.
    slab = new Uint8Array(Buffer.allocUnsafeSlow(SLAB).buffer);
    used = 0;
  }
  const out = slab.subarray(used, used + n);
  used = (used + n + 7) & ~7;
  return out;
}
