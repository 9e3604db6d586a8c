/**
 * The bytes of one PDU that spans TCP segments, gathered until it is whole. Bytes are copied
 * out of the reader's buffers (which are not kept); once the PDU's length is known (its
 * header is in) and it is at most 1 MiB, they go straight into one buffer of that length:
 * one copy per byte and no join. Longer PDUs are kept as parts and joined at the end, so
 * what is held is what arrived, never what a header claims.
 */

/** A PDU up to this long, once its length is known, is gathered into one buffer. */
export const GATHER_MAX = 1 << 20;

/**
 * @example
 * const g = new PduGather();
 * g.hold(segmentTail, 0);          // header not complete yet: length unknown
 * g.hold(nextSegment, 48 + 8192);  // length known now
 * if (g.have === 48 + 8192) decode(g.join());
 */
export class PduGather {
  /** Bytes held. */
  have = 0;
  #parts: Uint8Array[] = [];
  #whole: Uint8Array | undefined;

  /** Keep a copy of `bytes`; `length` is the PDU's wire length once known, else 0. */
  hold(bytes: Uint8Array, length: number): void {
    if (this.#whole === undefined && length > 0 && length <= GATHER_MAX) {
      // Uninitialised (every byte is written before the PDU is decoded): no zero-filling pass.
      const u = Buffer.allocUnsafe(length);
      const whole = new Uint8Array(u.buffer, u.byteOffset, length);
      let o = 0;
      for (const p of this.#parts) {
        whole.set(p, o);
        o += p.length;
      }
      this.#whole = whole;
      this.#parts = [];
    }
    if (this.#whole !== undefined) this.#whole.set(bytes, this.have);
    else this.#parts.push(bytes.slice());
    this.have += bytes.length;
  }

  /** Everything held, as one array (gathering may go on after). */
  join(): Uint8Array {
    const w = this.#whole;
    if (w !== undefined) return this.have === w.length ? w : w.subarray(0, this.have);
    if (this.#parts.length === 1) return this.#parts[0];
    const out = new Uint8Array(this.have);
    let o = 0;
    for (const p of this.#parts) {
      out.set(p, o);
      o += p.length;
    }
    this.#parts = [out];
    return out;
  }

  clear(): void {
    this.#parts = [];
    this.#whole = undefined;
    this.have = 0;
  }
}
