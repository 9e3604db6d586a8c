/**
 * Turns a byte stream, split at any point, into PDUs. It knows lengths and nothing else:
 * BHS (48) + TotalAHSLength*4 + header digest + DataSegmentLength + padding + data digest.
 *
 * Memory: bytes of a PDU that spans chunks are copied into a buffer that grows with what has
 * arrived (taken whole up to 1 MiB, then doubling, never past the PDU's length), so what is
 * held is at most 1 MiB more than what was received, never what a header claims; a DataSegmentLength above `maxDataSegmentLength` is refused as
 * soon as the BHS is in. Because partial PDUs are copied, the caller may reuse its chunk
 * buffer after `push()` returns; a PDU that arrived whole in one chunk is passed as a view of
 * that chunk, valid while the caller's chunk is (copy what you keep).
 *
 * Data placement: a large PDU that spans chunks need not be assembled at all. Once its header
 * is in, a `placer` may name where its data segment goes (the read command's own buffer, as
 * libiscsi reads Data-In into the task's iovecs); the data is then copied there, or not copied
 * at all when the chunk already is that memory ({@link readTarget} says which memory to read
 * into next), and the PDU is decoded with its data as a view of the destination. When the
 * placer gives room after the data (more of the same command's data is to come there), the
 * read that ends the data goes on into that room with the next header, which is copied out at
 * once: a large read costs one read(2) per Data-In instead of two.
 */
import { PduError } from "../errors.js";
import { decodePdu, decodePlacedPdu, pduLength } from "./decode.js";
import { BHS_LENGTH, COMMON, DIGEST_LENGTH, MAX_DATA_SEGMENT_LENGTH } from "./layout.js";
import { u24, u32le } from "./byte-reader.js";
import { crc32c } from "./crc32c.js";
import { isKnownOpcode, OPCODE_MASK } from "./opcodes.js";
import type { DigestOptions, Pdu } from "./types.js";

const EMPTY = new Uint8Array(0);
/** A partial PDU up to this length gets its whole buffer at once. */
const EAGER = 1 << 20;
/** Data segments shorter than this are assembled with their header, never placed. */
const PLACE_MIN = 16 * 1024;
/**
 * What may follow a data segment up to the end of the next PDU's basic header: padding,
 * data digest, BHS, header digest. The most a read past placed data takes (see {@link Placer}).
 */
export const PLACE_ROOM = 3 + DIGEST_LENGTH + BHS_LENGTH + DIGEST_LENGTH;

/** Options of {@link PduFramer}. All may be changed between PDUs (e.g. digests after login). */
export interface FramerOptions extends DigestOptions {
  /** Largest DataSegmentLength accepted (our MaxRecvDataSegmentLength); default 2^24-1. */
  maxDataSegmentLength?: number;
  /** Where the data segment of a large PDU spanning chunks goes (see {@link Placer}). */
  placer?: Placer;
}

/**
 * Asked, once the header of a PDU with a large data segment is in (header digest checked),
 * where its `dataLength` bytes go: a Uint8Array of at least that length, or undefined to let
 * the framer assemble the PDU as usual. The first `dataLength` bytes receive the data; bytes
 * beyond them are room the framer may read what follows in the stream into (padding, data
 * digest, the next header: at most {@link PLACE_ROOM} bytes), copying it out before the next
 * read: give room only in memory that nothing else reads until it is written again (the rest
 * of the same read). `header` is valid during the call only.
 */
export type Placer = (header: Uint8Array, dataLength: number) => Uint8Array | undefined;

/** Where a PDU sat in the stream. */
export interface FrameInfo {
  /** Stream offset of the PDU's first byte. */
  offset: number;
  /** Bytes on the wire, digests and padding included. */
  length: number;
  /**
   * The PDU's bytes as received; for a PDU whose data segment was placed, its header,
   * padding and data digest only (the data is the PDU's `data`, in the placer's memory).
   */
  bytes: Uint8Array;
}

export type OnPdu = (pdu: Pdu, info: FrameInfo) => void;
/** Called for errors that leave the stream in step (a digest mismatch); framing goes on. */
export type OnPduError = (err: PduError, info: FrameInfo) => void;

/**
 * @example
 * const framer = new PduFramer({ maxDataSegmentLength: 262144 });
 * socket.on("data", (chunk) => framer.push(chunk, (pdu) => handle(pdu)));
 * // after the final Login Response:
 * framer.headerDigest = true;
 */
export class PduFramer {
  headerDigest: boolean;
  dataDigest: boolean;
  maxDataSegmentLength: number;
  placer: Placer | undefined;
  /** Stream offset of the next PDU's first byte. */
  offset = 0;
  /**
   * The PDU being assembled: its first `held` bytes are valid. When its data segment is
   * placed, `buf` holds the header, then the padding and data digest, and `dest` the data.
   */
  private buf: Uint8Array = EMPTY;
  private held = 0;
  private need = 0;
  /** Header length (BHS, AHS, header digest) of the PDU being assembled when it may be placed, else 0. */
  private placeAt = 0;
  /** Of a PDU that may be placed, the bytes `buf` keeps: the header, then the padding and data digest. */
  private kept = 0;
  private dest: Uint8Array | undefined;
  /** What the placer gave: `dest`, or a longer view starting with it whose tail is room (see {@link Placer}). */
  private given: Uint8Array | undefined;
  private placed = 0;
  /** The last PDU was placed; {@link readTarget} then asks for the next header alone, into `headerBuf`. */
  private lastPlaced = false;
  private readonly headerBuf = new Uint8Array(PLACE_ROOM);
  private failed: PduError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.headerDigest = opts.headerDigest ?? false;
    this.dataDigest = opts.dataDigest ?? false;
    this.maxDataSegmentLength = opts.maxDataSegmentLength ?? MAX_DATA_SEGMENT_LENGTH;
    this.placer = opts.placer;
  }

  /** Bytes received but not yet part of a whole PDU. */
  get buffered(): number {
    return this.held + this.placed;
  }

  /**
   * Where the next bytes of the stream belong when they are the rest of a placed data
   * segment: read into this memory and push the view, and they are not copied at all.
   */
  readTarget(): Uint8Array | undefined {
    const d = this.dest;
    // After a placed data segment the next PDU is likely another (a large read comes in
    // several Data-In): read the padding and digest left, then just the next header, so that
    // its data too can be read where it belongs.
    const next = BHS_LENGTH + (this.headerDigest ? DIGEST_LENGTH : 0);
    if (d !== undefined && this.placed < d.length) {
      // With room after the data, the same read takes the padding, digest and next header too.
      const end = this.need - this.placeAt + next;
      return this.given!.length >= end ? this.given!.subarray(this.placed, end) : d.subarray(this.placed);
    }
    if (d !== undefined) return this.headerBuf.subarray(0, this.need - this.held - this.placed + next);
    if (this.lastPlaced && this.need === 0) return this.headerBuf.subarray(0, next - this.held);
    return undefined;
  }

  /**
   * The destination of the data being placed is no longer to be written (its command ended):
   * what was placed is copied aside and the rest of the PDU goes there, to be decoded as usual.
   * With `dest`, only when that is the destination in use.
   */
  divert(dest?: Uint8Array): void {
    const d = this.dest;
    if (d === undefined || this.placed === d.length || (dest !== undefined && dest !== this.given)) return;
    const aside = new Uint8Array(d.length);
    aside.set(d.subarray(0, this.placed));
    this.dest = aside;
    this.given = aside;
  }

  /**
   * Feed the next chunk of the stream; `onPdu` runs for each complete PDU in order.
   * A digest mismatch goes to `onError` when given (framing continues past that PDU), else
   * is thrown. An unknown opcode or an oversize length is thrown and poisons the framer
   * (the boundary of the next PDU is unknown); later pushes throw the same error until
   * {@link reset}.
   */
  push(chunk: Uint8Array, onPdu: OnPdu, onError?: OnPduError): void {
    if (this.failed) throw this.failed;
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.held === 0 && n - i >= BHS_LENGTH) {
        // Fast path: the whole BHS is in this chunk; a whole PDU is passed without a copy.
        const len = this.frameLength(chunk, i);
        if (n - i >= len) {
          this.lastPlaced = false;
          this.deliver(chunk.subarray(i, i + len), onPdu, onError);
          i += len;
          continue;
        }
        this.begin(chunk, i, len);
      }
      const dest = this.dest;
      let take: number;
      if (dest !== undefined && this.placed < dest.length) {
        take = Math.min(dest.length - this.placed, n - i);
        // Read straight into the destination (readTarget): nothing to copy.
        if (chunk.buffer !== dest.buffer || chunk.byteOffset + i !== dest.byteOffset + this.placed) {
          dest.set(chunk.subarray(i, i + take), this.placed);
        }
        this.placed += take;
      } else {
        // Up to the end of the header first when the data may be placed, else up to the end.
        const stop = this.need === 0 ? BHS_LENGTH : dest === undefined && this.placeAt > this.held ? this.placeAt : this.need - this.placed;
        take = Math.min(stop - this.held, n - i);
        this.append(chunk, i, take);
      }
      i += take;
      if (this.need === 0 && this.held === BHS_LENGTH) this.begin(this.buf, 0, this.frameLength(this.buf, 0));
      if (this.placeAt !== 0 && this.held === this.placeAt && this.dest === undefined) this.place();
      if (this.need !== 0 && this.held + this.placed === this.need) this.complete(onPdu, onError);
    }
  }

  /** A PDU of `len` bytes starts at `b[i]` and spans chunks: may its data segment be placed? */
  private begin(b: Uint8Array, i: number, len: number): void {
    this.need = len;
    const dsl = u24(b, i, COMMON.dataSegmentLength);
    this.placeAt = this.placer !== undefined && dsl >= PLACE_MIN
      ? BHS_LENGTH + b[i + COMMON.totalAHSLength[0]] * 4 + (this.headerDigest ? DIGEST_LENGTH : 0)
      : 0;
    this.kept = len - dsl;
  }

  /** The header is in: ask the placer for the data segment's destination. */
  private place(): void {
    const header = this.held === this.buf.length ? this.buf : this.buf.subarray(0, this.held);
    const dsl = u24(header, 0, COMMON.dataSegmentLength);
    const given = this.headerDigest && !headerDigestOk(header) ? undefined : this.placer!(header, dsl);
    if (given !== undefined && given.length >= dsl) {
      this.dest = given.length === dsl ? given : given.subarray(0, dsl);
      this.given = given;
    } else {
      this.placeAt = 0; // assembled as usual (a bad header digest is reported when it is decoded)
    }
  }

  /** The PDU being assembled is whole: decode it from `buf` (and `dest`), start afresh. */
  private complete(onPdu: OnPdu, onError: OnPduError | undefined): void {
    const bytes = this.buf.length === this.held ? this.buf : this.buf.subarray(0, this.held);
    const dest = this.dest;
    const headerLength = this.placeAt;
    this.clear();
    this.lastPlaced = dest !== undefined;
    if (dest === undefined) return this.deliver(bytes, onPdu, onError);
    this.deliverPlaced(bytes, headerLength, dest, onPdu, onError);
  }

  /** Copy `take` bytes of `chunk` at `i` into the partial PDU, growing its buffer by doubling. */
  private append(chunk: Uint8Array, i: number, take: number): void {
    const size = this.held + take;
    if (size > this.buf.length) {
      // Up to 1 MiB is taken at once (a Data-In of 256 KiB would otherwise be copied seven
      // times while doubling); beyond that the buffer doubles, following what has arrived.
      // Sized to what the PDU keeps, so that it is whole without a subarray: a buffer of 64
      // bytes or less lives in V8's heap, and a view of it moves it out (an allocation and a
      // copy per PDU, measured as the largest allocation of 1 MiB reads).
      const cap = this.need === 0 ? BHS_LENGTH
        : this.placeAt !== 0 ? (size <= this.placeAt ? this.placeAt : this.kept) // the header; then padding, digest
        : Math.min(this.need, Math.max(size, this.buf.length * 2, EAGER));
      const next = new Uint8Array(Math.max(cap, size));
      next.set(this.held === this.buf.length ? this.buf : this.buf.subarray(0, this.held));
      this.buf = next;
    }
    this.buf.set(chunk.subarray(i, i + take), this.held);
    this.held = size;
  }

  /** Drop any partial PDU and clear a failure, e.g. to resynchronise at a new boundary. */
  reset(offset = this.offset): void {
    this.clear();
    this.lastPlaced = false;
    this.failed = undefined;
    this.offset = offset;
  }

  /** No PDU being assembled. */
  private clear(): void {
    this.buf = EMPTY;
    this.held = 0;
    this.need = 0;
    this.placeAt = 0;
    this.kept = 0;
    this.dest = undefined;
    this.given = undefined;
    this.placed = 0;
  }

  /** Validate the BHS at `b[i]` and return the PDU's length on the wire. */
  private frameLength(b: Uint8Array, i: number): number {
    const opcode = b[i] & OPCODE_MASK;
    if (!isKnownOpcode(opcode)) {
      throw this.fail(new PduError("ERR_PDU_OPCODE", `unknown opcode 0x${opcode.toString(16).padStart(2, "0")}`, this.offset, "Opcode"));
    }
    const dsl = u24(b, i, COMMON.dataSegmentLength);
    if (dsl > this.maxDataSegmentLength) {
      throw this.fail(new PduError(
        "ERR_PDU_TOO_LONG",
        `DataSegmentLength ${dsl} exceeds MaxRecvDataSegmentLength ${this.maxDataSegmentLength}`,
        this.offset, "DataSegmentLength",
      ));
    }
    return pduLength(i === 0 ? b : b.subarray(i, i + BHS_LENGTH), this);
  }

  private fail(err: PduError): PduError {
    this.failed = err;
    return err;
  }

  private deliver(bytes: Uint8Array, onPdu: OnPdu, onError: OnPduError | undefined): void {
    const info: FrameInfo = { offset: this.offset, length: bytes.length, bytes };
    this.offset += bytes.length;
    let pdu: Pdu;
    try {
      pdu = decodePdu(bytes, { headerDigest: this.headerDigest, dataDigest: this.dataDigest, offset: info.offset });
    } catch (e) {
      return this.decodeError(e, info, onError);
    }
    onPdu(pdu, info);
  }

  private deliverPlaced(rest: Uint8Array, headerLength: number, data: Uint8Array, onPdu: OnPdu, onError: OnPduError | undefined): void {
    const info: FrameInfo = { offset: this.offset, length: rest.length + data.length, bytes: rest };
    this.offset += info.length;
    let pdu: Pdu;
    try {
      pdu = decodePlacedPdu(rest, headerLength, data, { headerDigest: this.headerDigest, dataDigest: this.dataDigest, offset: info.offset });
    } catch (e) {
      return this.decodeError(e, info, onError);
    }
    onPdu(pdu, info);
  }

  /** A digest mismatch goes to `onError` (the stream is still in step); anything else poisons the framer. */
  private decodeError(e: unknown, info: FrameInfo, onError: OnPduError | undefined): void {
    if (!(e instanceof PduError) || e.code !== "ERR_PDU_DIGEST") throw this.fail(e as PduError);
    if (onError) return onError(e, info);
    throw e;
  }
}

/** The header digest that ends `header` matches its BHS and AHS. */
function headerDigestOk(header: Uint8Array): boolean {
  const end = header.length - DIGEST_LENGTH;
  return crc32c(header, 0, 0, end) === u32le(header, end);
}
