/**
 * An independent byte builder for tests: big-endian fields appended in order, the way the
 * RFC draws them. It shares no code with src/wire (no byte-writer, no encoder), so bytes
 * built here can serve as expected values for the codec [pg-protocol testing/buffer-list.ts].
 *
 * @example
 * const bhs = new PduBuilder().u8(0x20).u8(0x80).u16(0).u8(0).u24(0).u64(0n).u32(0xffffffff)
 *   .u32(0x1234).u32(1).u32(2).u32(3).bytes(new Uint8Array(12)).build();
 */
export class PduBuilder {
  private readonly out: number[] = [];

  u8(x: number): this {
    check(x, 0xff);
    this.out.push(x);
    return this;
  }

  u16(x: number): this {
    check(x, 0xffff);
    this.out.push(x >>> 8, x & 0xff);
    return this;
  }

  u24(x: number): this {
    check(x, 0xffffff);
    this.out.push(x >>> 16, (x >>> 8) & 0xff, x & 0xff);
    return this;
  }

  u32(x: number): this {
    check(x, 0xffffffff);
    this.out.push(Math.floor(x / 0x1000000) & 0xff, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
    return this;
  }

  /** 32 bits least significant byte first: how CRC32C digests go on the wire. */
  u32le(x: number): this {
    check(x, 0xffffffff);
    this.out.push(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, Math.floor(x / 0x1000000) & 0xff);
    return this;
  }

  u64(x: bigint): this {
    if (x < 0n || x > 0xffffffffffffffffn) throw new RangeError(`u64 out of range: ${x}`);
    for (let shift = 56n; shift >= 0n; shift -= 8n) this.out.push(Number((x >> shift) & 0xffn));
    return this;
  }

  bytes(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.out.push(b[i]);
    return this;
  }

  /** Zero bytes up to the next multiple of four (data segment and AHS padding). */
  pad4(): this {
    while (this.out.length % 4 !== 0) this.out.push(0);
    return this;
  }

  /** Bytes so far. */
  get length(): number {
    return this.out.length;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}

function check(x: number, max: number): void {
  if (!Number.isInteger(x) || x < 0 || x > max) throw new RangeError(`${x} does not fit in 0..${max}`);
}

/**
 * CRC32C computed one bit at a time, straight from the definition (RFC 7143 §13.1 generator
 * 0x11EDC6F41, register preset to all ones, bits taken least significant first, result
 * complemented). Slow and obvious: the reference the fast implementations are tested against.
 * `crc` continues an earlier result.
 */
export function crc32cRef(bytes: Uint8Array, crc = 0): number {
  let reg = ~crc >>> 0;
  for (const byte of bytes) {
    for (let bit = 0; bit < 8; bit++) {
      const mix = (reg ^ (byte >>> bit)) & 1;
      reg >>>= 1;
      if (mix) reg = (reg ^ 0x82f63b78) >>> 0;
    }
  }
  return ~reg >>> 0;
}
