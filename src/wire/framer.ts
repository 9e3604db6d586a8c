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
 */
import { PduError } from "../errors.js";
import { decodePdu, pduLength } from "./decode.js";
import { BHS_LENGTH, COMMON, MAX_DATA_SEGMENT_LENGTH } from "./layout.js";
import { u24 } from "./byte-reader.js";
import { isKnownOpcode, OPCODE_MASK } from "./opcodes.js";
import type { DigestOptions, Pdu } from "./types.js";

const EMPTY = new Uint8Array(0);
/** A partial PDU up to this length gets its whole buffer at once. */
const EAGER = 1 << 20;

/** Options of {@link PduFramer}. All may be changed between PDUs (e.g. digests after login). */
export interface FramerOptions extends DigestOptions {
  /** Largest DataSegmentLength accepted (our MaxRecvDataSegmentLength); default 2^24-1. */
  maxDataSegmentLength?: number;
}

/** Where a PDU sat in the stream. */
export interface FrameInfo {
  /** Stream offset of the PDU's first byte. */
  offset: number;
  /** Bytes on the wire, digests and padding included. */
  length: number;
  /** The PDU's bytes as received. */
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
  /** Stream offset of the next PDU's first byte. */
  offset = 0;
  /** The PDU being assembled (its first `held` bytes are valid). */
  private buf: Uint8Array = EMPTY;
  private held = 0;
  private need = 0;
  private failed: PduError | undefined;

  constructor(opts: FramerOptions = {}) {
    this.headerDigest = opts.headerDigest ?? false;
    this.dataDigest = opts.dataDigest ?? false;
    this.maxDataSegmentLength = opts.maxDataSegmentLength ?? MAX_DATA_SEGMENT_LENGTH;
  }

  /** Bytes received but not yet part of a whole PDU. */
  get buffered(): number {
    return this.held;
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
          this.deliver(chunk.subarray(i, i + len), onPdu, onError);
          i += len;
          continue;
        }
        this.need = len;
      }
      const want = (this.need || BHS_LENGTH) - this.held;
      const take = Math.min(want, n - i);
      this.append(chunk, i, take);
      i += take;
      if (this.need === 0 && this.held === BHS_LENGTH) this.need = this.frameLength(this.buf, 0);
      if (this.need !== 0 && this.held === this.need) {
        const bytes = this.buf.length === this.held ? this.buf : this.buf.subarray(0, this.held);
        this.buf = EMPTY;
        this.held = 0;
        this.need = 0;
        this.deliver(bytes, onPdu, onError);
      }
    }
  }

  /** Copy `take` bytes of `chunk` at `i` into the partial PDU, growing its buffer by doubling. */
  private append(chunk: Uint8Array, i: number, take: number): void {
    const size = this.held + take;
    if (size > this.buf.length) {
      // Up to 1 MiB is taken at once (a Data-In of 256 KiB would otherwise be copied seven
      // times while doubling); beyond that the buffer doubles, following what has arrived.
      const cap = this.need === 0 ? BHS_LENGTH : Math.min(this.need, Math.max(size, this.buf.length * 2, EAGER));
      const next = new Uint8Array(Math.max(cap, size));
      next.set(this.buf.subarray(0, this.held));
      this.buf = next;
    }
    this.buf.set(chunk.subarray(i, i + take), this.held);
    this.held = size;
  }

  /** Drop any partial PDU and clear a failure, e.g. to resynchronise at a new boundary. */
  reset(offset = this.offset): void {
    this.buf = EMPTY;
    this.held = 0;
    this.need = 0;
    this.failed = undefined;
    this.offset = offset;
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
      if (!(e instanceof PduError) || e.code !== "ERR_PDU_DIGEST") throw this.fail(e as PduError);
      if (onError) return onError(e, info);
      throw e;
    }
    onPdu(pdu, info);
  }
}
