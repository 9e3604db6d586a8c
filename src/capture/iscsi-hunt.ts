/**
 * Finding a PDU boundary where none is known: the capture starts inside a stream, a gap
 * swallowed the next header, a header was insane, or the port is not a target port. Like
 * Wireshark, a candidate must pass the per-opcode header rules (iscsi-sanity.ts); unlike a
 * single-header test, it must also chain: the header one PDU length further on must pass
 * them too (same sender), or the PDU must end exactly where the available bytes end (at a
 * gap or the end of the stream). Digests, when not known from the login, are guessed per
 * candidate from CRC32C: a header (or data segment) followed by its own CRC32C has one.
 *
 * Memory: the bytes scanned past are dropped; what is kept is at most one candidate's
 * length plus a header (`window`), or 47 bytes when no candidate is pending.
 */
import { u32le } from "../wire/byte-reader.js";
import { crc32c } from "../wire/crc32c.js";
import { BHS_LENGTH, DIGEST_LENGTH, pad4 } from "../wire/layout.js";
import { OPCODE_MASK } from "../wire/opcodes.js";
import { dataSegmentLength, plausibleHeader } from "./iscsi-sanity.js";
import type { Frame } from "./types.js";

/** Digest settings of a connection, shared by its two streams. */
export interface DigestState {
  header: boolean | undefined;
  data: boolean | undefined;
  /** "login": from the negotiation in the capture (trusted); "crc": guessed (may be revised). */
  source: "login" | "crc" | undefined;
}

/** A header found, with the digests its length was computed with. */
export interface Candidate {
  /** Stream offset of the header. */
  at: number;
  opcode: number;
  headerDigest: boolean;
  /** undefined when the PDU has no data segment (the data digest could not be seen). */
  dataDigest: boolean | undefined;
}

const NEED = -1;
const REJECT = -2;

/**
 * @example
 * const h = new Hunter(offset, { maxDataSegmentLength: 262144, fromTarget: true, digests });
 * h.push(bytes);
 * const c = h.find(false); // a chained header, or undefined (more bytes may tell)
 */
export class Hunter {
  /** Stream offset where hunting began (the first byte that may be skipped). */
  readonly start: number;
  #buf = new Uint8Array(4096);
  #len = 0;
  /** Stream offset of #buf[0]. */
  #base: number;
  #scan = 0;
  /** Which frame each stretch of the buffer came from: [stream offset, frame], in order. */
  #pieces: Array<[number, Frame]> = [];
  #startFrame: Frame | undefined;
  #pending = false;
  readonly #maxDsl: number;
  readonly #window: number;
  readonly #fromTarget: boolean | undefined;
  readonly #digests: DigestState;

  constructor(start: number, opts: { maxDataSegmentLength: number; fromTarget: boolean | undefined; digests: DigestState }) {
    this.start = start;
    this.#base = start;
    this.#maxDsl = opts.maxDataSegmentLength;
    this.#fromTarget = opts.fromTarget;
    this.#digests = opts.digests;
    this.#window = BHS_LENGTH + 1020 + 2 * DIGEST_LENGTH + opts.maxDataSegmentLength + 3 + BHS_LENGTH;
  }

  /** The frame of the first byte pushed (where skipped bytes began). */
  get startFrame(): Frame | undefined {
    return this.#startFrame;
  }

  /** A candidate waits for more bytes: a PDU reported later may come from earlier frames. */
  get pending(): boolean {
    return this.#pending;
  }

  /** Stream offset just past the last byte pushed. */
  get end(): number {
    return this.#base + this.#len;
  }

  push(bytes: Uint8Array, frame: Frame): void {
    if (bytes.length === 0) return;
    this.#startFrame ??= frame;
    const last = this.#pieces.at(-1);
    if (last === undefined || last[1] !== frame) this.#pieces.push([this.end, frame]);
    if (this.#len + bytes.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#len + bytes.length, this.#buf.length * 2));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
  }

  /**
   * The first chained header, or undefined. With `final` no more bytes will come before a
   * gap or the end: a candidate that ends exactly at the last byte is accepted.
   */
  find(final: boolean): Candidate | undefined {
    const b = this.#buf;
    let p = this.#scan;
    this.#pending = false;
    for (; p + BHS_LENGTH <= this.#len; p++) {
      if (!plausibleHeader(b, p, this.#maxDsl, this.#fromTarget)) continue;
      const c = this.#judge(p, final);
      if (c === NEED) {
        this.#pending = true;
        break;
      }
      if (c !== REJECT) {
        this.#scan = p;
        return c;
      }
    }
    if (final && p + BHS_LENGTH > this.#len) p = this.#len;
    this.#scan = Math.min(p, this.#len);
    this.#compact();
    return undefined;
  }

  /** The bytes from stream offset `at` to the end, cut where they came from different frames. */
  rest(at: number): Array<[number, Uint8Array, Frame]> {
    const out: Array<[number, Uint8Array, Frame]> = [];
    const p = this.#pieces;
    for (let i = 0; i < p.length; i++) {
      const from = Math.max(p[i][0], at);
      const to = i + 1 < p.length ? p[i + 1][0] : this.end;
      if (to > from) out.push([from, this.#buf.subarray(from - this.#base, to - this.#base), p[i][1]]);
    }
    return out;
  }

  /** Drop what was scanned past, keeping the bytes from the scan position on. */
  #compact(): void {
    const s = this.#scan;
    if (s === 0) return;
    this.#buf.copyWithin(0, s, this.#len);
    this.#len -= s;
    this.#base += s;
    this.#scan = 0;
    let keep = 0;
    while (keep + 1 < this.#pieces.length && this.#pieces[keep + 1][0] <= this.#base) keep++;
    if (keep > 0) this.#pieces = this.#pieces.slice(keep);
    if (this.#buf.length > 65536 && this.#len < this.#buf.length / 4) this.#buf = this.#buf.slice(0, Math.max(4096, this.#len * 2));
  }

  /** Can a PDU start at `p`? A candidate, NEED (more bytes will tell) or REJECT. */
  #judge(p: number, final: boolean): Candidate | typeof NEED | typeof REJECT {
    const b = this.#buf;
    const avail = this.#len - p;
    const op = b[p] & OPCODE_MASK;
    const dsl = dataSegmentLength(b, p);
    const headerEnd = BHS_LENGTH + b[p + 4] * 4;
    const login = op === 0x03 || op === 0x23;
    const trust = this.#digests.source === "login";
    let hd = false;
    if (!login && trust) hd = this.#digests.header === true;
    else if (!login) {
      if (avail >= headerEnd + DIGEST_LENGTH) hd = crc32c(b, 0, p, p + headerEnd) === u32le(b, p + headerEnd);
      else if (!final) return NEED;
    }
    const dataEnd = headerEnd + (hd ? DIGEST_LENGTH : 0) + dsl + pad4(dsl);
    let dd: boolean | undefined;
    if (login || dsl === 0) dd = undefined;
    else if (trust) dd = this.#digests.data === true;
    else if (avail >= dataEnd + DIGEST_LENGTH) dd = crc32c(b, 0, p + dataEnd - dsl - pad4(dsl), p + dataEnd) === u32le(b, p + dataEnd);
    else if (!final && dataEnd + DIGEST_LENGTH + BHS_LENGTH <= this.#window) return NEED;
    else dd = false;
    const len = dataEnd + (dd ? DIGEST_LENGTH : 0);
    const c: Candidate = { at: this.#base + p, opcode: op, headerDigest: hd, dataDigest: dd };
    if (avail >= len + BHS_LENGTH) return plausibleHeader(b, p + len, this.#maxDsl, (op & 0x20) !== 0) ? c : REJECT;
    if (final) return avail === len ? c : REJECT;
    return len + BHS_LENGTH <= this.#window ? NEED : REJECT;
  }
}
