/**
 * Sparse in-memory block storage: a Map of the 512-byte blocks written so far. A block never
 * written reads as zeros, so a 2 TiB LUN costs nothing until a test writes to it.
 */

export const BLOCK_SIZE = 512;

/**
 * @example
 * const disk = new SparseDisk(2048);
 * disk.write(10, new Uint8Array(1024).fill(7));
 * disk.read(10, 2)[1023]; // 7
 */
export class SparseDisk {
  private readonly blocks = new Map<number, Uint8Array>();

  constructor(readonly blockCount: number) {}

  /** Bytes of `count` blocks from `lba`; the caller checks the range. */
  read(lba: number, count: number): Uint8Array {
    const out = new Uint8Array(count * BLOCK_SIZE);
    for (let i = 0; i < count; i++) {
      const b = this.blocks.get(lba + i);
      if (b) out.set(b, i * BLOCK_SIZE);
    }
    return out;
  }

  /** Write `data` from `lba`; a partial last block keeps the rest of its old contents. */
  write(lba: number, data: Uint8Array): void {
    for (let o = 0; o < data.length; o += BLOCK_SIZE) {
      const n = lba + o / BLOCK_SIZE;
      const piece = data.subarray(o, Math.min(o + BLOCK_SIZE, data.length));
      const block = this.blocks.get(n) ?? new Uint8Array(BLOCK_SIZE);
      block.set(piece);
      this.blocks.set(n, block);
    }
  }

  /** Blocks holding data (for tests that check sparseness). */
  get allocated(): number {
    return this.blocks.size;
  }
}
