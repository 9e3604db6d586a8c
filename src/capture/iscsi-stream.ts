/**
 * One direction of an iSCSI connection: reassembled TCP bytes in, PDUs out. In step, each
 * header gives the next one's offset (RFC 7143 §11.2: 48 + TotalAHSLength*4 + header digest
 * + DataSegmentLength + padding + data digest); a gap inside a PDU whose header was seen
 * keeps it in step (the PDU is delivered with its lost bytes counted, as Wireshark's PDU
 * tracking does); anything else — a gap over a header, an insane header, a stream picked up
 * mid-flight — sends it hunting (iscsi-hunt.ts), and the bytes skipped are reported.
 *
 * Digests: Login PDUs never carry them; other PDUs use the connection's negotiated settings
 * when the login was captured, else the header digest is detected from the first header's
 * CRC32C and the data digest from the first data segment's (Wireshark does the former).
 *
 * A PDU that arrives whole in one segment is decoded in place; one that spans segments is
 * copied once per segment and joined once.
 */
import { PduError } from "../errors.js";
import { BHS_LENGTH } from "../wire/layout.js";
import { OPCODE_MASK } from "../wire/opcodes.js";
import { decodeCaptured, wireLength, type CapturedPdu } from "./iscsi-decode.js";
import { Hunter, type Candidate, type DigestState } from "./iscsi-hunt.js";
import { dataSegmentLength, headerProblem, plausibleHeader } from "./iscsi-sanity.js";
import { PduGather } from "./pdu-gather.js";
import type { Frame, GapReason, MalformedReason } from "./types.js";

/** A PDU as a stream delivers it to its connection. */
export interface StreamPdu extends CapturedPdu {
  opcode: number;
  offset: number;
  length: number;
  dataSegmentLength: number;
  firstFrame: number;
  lost: number;
}

/** What a stream reports to (and learns from) its connection. */
export interface StreamOwner {
  readonly digests: DigestState;
  /** The sender's role, once known. */
  readonly fromTarget: boolean | undefined;
  /** The MaxRecvDataSegmentLength the receiver declared at login, when the login was captured. */
  readonly maxDataSegmentLength: number | undefined;
  pdu(p: StreamPdu, frame: Frame): void;
  malformed(reason: MalformedReason, offset: number, skipped: number, message: string, frame: Frame): void;
  /** The heuristic recognised iSCSI from this stream's first PDU (opcode given). */
  found(opcode: number, frame: Frame): void;
  /** The heuristic gave up on this stream. */
  notFound(): void;
}

/** Limits of a stream (resolved capture options). */
export interface StreamOptions {
  maxPduLength: number;
  huntMaxDataSegmentLength: number;
  probeBytes: number;
}

type Mode = "sync" | "hunt" | "skip" | "off";
const BAD = 0;

/**
 * @example
 * const s = new IscsiStream(owner, opts, { boundary: true, probing: false });
 * s.push(0, bytes, frame);
 * s.end("fin", frame);
 */
export class IscsiStream {
  #mode: Mode = "sync";
  /** Recognition pending (a port that is not a target port): nothing is reported yet. */
  probing: boolean;
  #boundaryProbe: boolean;
  #next = 0;
  /** The PDU being gathered across segments. */
  readonly #g = new PduGather();
  #need = 0;
  #pduStart = 0;
  #firstFrame = 0;
  /** Wire length of the PDU being collected once its header is complete, else 0. */
  #pduLen = 0;
  #lost = 0;
  #lostAt = -1;
  #skipLeft = 0;
  #hunter: Hunter | undefined;
  #huntReason: MalformedReason = "resync";
  #huntDetail = "";
  /** Set by end(): why the stream ended (no more bytes will come). */
  #ending: string | undefined;
  /** While end() feeds the held bytes a last time: a PDU still short is truncated. */
  #flushing = false;
  /** The first frame of bytes end() feeds through again. */
  #refedFirstFrame: number | undefined;
  readonly #owner: StreamOwner;
  readonly #opts: StreamOptions;

  constructor(owner: StreamOwner, opts: StreamOptions, start: { boundary: boolean; probing: boolean }) {
    this.#owner = owner;
    this.#opts = opts;
    this.probing = start.probing;
    this.#boundaryProbe = start.probing && start.boundary;
    if (!start.boundary) this.#startHunt(0, "mid-stream", "");
  }

  /** Bytes at stream offset `offset` (contiguous with what came before, or after a gap). */
  push(offset: number, bytes: Uint8Array, frame: Frame): void {
    if (this.#mode === "off") return;
    if (offset > this.#next) this.gap(this.#next, offset - this.#next, "lost", frame);
    this.#next = offset + bytes.length;
    this.#feed(offset, bytes, frame);
  }

  /** `length` bytes at `offset` are missing from the capture. */
  gap(offset: number, length: number, _reason: GapReason, frame: Frame): void {
    if (this.#mode === "off") return;
    this.#next = offset + length;
    const end = offset + length;
    if (this.#mode === "skip") {
      if (length < this.#skipLeft) return void (this.#skipLeft -= length);
      const after = length - this.#skipLeft;
      this.#mode = "sync";
      if (after > 0) this.#startHunt(end, "resync", "");
      return;
    }
    if (this.#mode === "hunt") {
      this.#huntStep(frame, true);
      if (this.#mode === "hunt") this.#giveUpHunt(frame);
      if ((this.#mode as Mode) !== "off") this.#gapInSync(offset, end, frame);
      return;
    }
    this.#gapInSync(offset, end, frame);
  }

  /** The stream ended (FIN, RST, end of capture). */
  end(why: string, frame: Frame): void {
    if (this.#mode === "off") return;
    this.#ending = why;
    // Hunting may find its footing in what is left, and lose it again: a bounded number of rounds.
    for (let round = 0; round < 64; round++) {
      if (this.#mode === "hunt") {
        this.#huntStep(frame, true);
        if (this.#mode === "hunt") this.#giveUpHunt(frame);
      }
      if (this.#mode !== "sync" || this.#g.have === 0) break;
      const buf = this.#g.join();
      const start = this.#pduStart;
      this.#refedFirstFrame = this.#firstFrame;
      this.#clear();
      this.#flushing = true;
      this.#feed(start, buf, frame);
      this.#flushing = false;
      this.#refedFirstFrame = undefined;
    }
    this.#clear();
    this.#mode = "off";
  }

  /** Hunting holds a candidate that waits for more bytes: PDUs it confirms later come from earlier frames. */
  get waiting(): boolean {
    return this.#mode === "hunt" && !this.probing && this.#hunter!.pending;
  }

  /** Stop without reporting anything more (the connection is not iSCSI after all). */
  stop(): void {
    this.#clear();
    this.#hunter = undefined;
    this.#mode = "off";
  }

  /** The connection was recognised: report from now on (a boundary stream parses what it held). */
  activate(frame: Frame): void {
    this.probing = false;
    this.#boundaryProbe = false;
    if (this.#mode === "hunt") this.#huntStep(frame, false);
  }

  #feed(offset: number, bytes: Uint8Array, frame: Frame): void {
    if (bytes.length === 0) return;
    switch (this.#mode) {
      case "sync": return this.#syncFeed(offset, bytes, frame);
      case "hunt":
        this.#hunter!.push(bytes, frame);
        return this.#huntStep(frame, false);
      case "skip": {
        const take = Math.min(this.#skipLeft, bytes.length);
        this.#skipLeft -= take;
        if (this.#skipLeft === 0) this.#mode = "sync";
        return this.#feed(offset + take, bytes.subarray(take), frame);
      }
      default: return;
    }
  }

  #syncFeed(offset: number, bytes: Uint8Array, frame: Frame): void {
    let i = 0;
    while (i < bytes.length && this.#mode === "sync") {
      if (this.#g.have === 0) {
        const r = this.#parse(bytes, i, offset + i, frame, this.#flushing);
        if (r > 0) {
          i += Math.min(r, bytes.length - i);
          continue;
        }
        if (r === BAD) return this.#feed(offset + i, bytes.subarray(i), frame);
        if (this.#flushing) return this.#truncated(offset + i, bytes.length - i, -r, frame);
        this.#need = -r;
        this.#pduStart = offset + i;
        this.#firstFrame = frame.number;
      }
      const take = Math.min(this.#need - this.#g.have, bytes.length - i);
      this.#g.hold(bytes.subarray(i, i + take), this.#pduLen);
      i += take;
      if (this.#g.have < this.#need) return;
      this.#heldComplete(frame);
    }
    if (i < bytes.length) this.#feed(offset + i, bytes.subarray(i), frame);
  }

  #truncated(at: number, have: number, need: number, frame: Frame): void {
    this.#owner.malformed("truncated", at, have, `the stream ends (${this.#ending}) inside a PDU at offset ${at}: ${have} of ${need} bytes`, frame);
  }

  /** The held bytes reached what the last parse needed: parse again. */
  #heldComplete(frame: Frame): void {
    const buf = this.#g.join();
    const start = this.#pduStart;
    const r = this.#parse(buf, 0, start, frame, false);
    if (r < 0) {
      this.#need = -r;
      return;
    }
    this.#clear();
    if (r === BAD) this.#feed(start, buf, frame);
    else if (r < buf.length) this.#feed(start + r, buf.subarray(r), frame);
  }

  /**
   * The PDU at `b[i]` (stream offset `at`): its wire length once decoded and reported, the
   * bytes needed (negative) when more must come, or BAD (mode changed).
   */
  #parse(b: Uint8Array, i: number, at: number, frame: Frame, final: boolean): number {
    const avail = b.length - i;
    if (avail < BHS_LENGTH) return -BHS_LENGTH;
    if (this.#boundaryProbe && !this.#probeFirst(b, i, frame)) return BAD;
    const problem = headerProblem(b, i, this.#owner.maxDataSegmentLength);
    if (problem !== undefined) {
      this.#startHunt(at, "bad-header", problem);
      return BAD;
    }
    const len = wireLength(b, i, avail, final, this.#owner.digests);
    if (len < 0) {
      this.#pduLen = 0;
      return len;
    }
    if (len > this.#opts.maxPduLength) return this.#tooLong(at, len, avail, frame);
    if (avail < len) {
      this.#pduLen = len;
      return -len;
    }
    this.#report(b.subarray(i, i + len), at, frame);
    return len;
  }

  /** Heuristic recognition on a stream that starts at its SYN: its first PDU must be a Login. */
  #probeFirst(b: Uint8Array, i: number, frame: Frame): boolean {
    this.#boundaryProbe = false;
    const op = b[i] & OPCODE_MASK;
    if ((op === 0x03 || op === 0x23) && plausibleHeader(b, i, this.#opts.huntMaxDataSegmentLength)) {
      this.probing = false;
      this.#owner.found(op, frame);
      return true;
    }
    this.#mode = "off";
    this.#owner.notFound();
    return false;
  }

  #report(bytes: Uint8Array, at: number, frame: Frame): void {
    const held = this.#g.have > 0;
    const lostAt = held ? this.#lostAt : -1;
    const firstFrame = held ? this.#firstFrame : this.#refedFirstFrame ?? frame.number;
    this.#refedFirstFrame = undefined;
    const op = bytes[0] & OPCODE_MASK;
    const login = op === 0x03 || op === 0x23;
    const d = this.#owner.digests;
    try {
      const c = decodeCaptured(bytes, !login && d.header === true, !login && d.data === true, lostAt);
      this.#owner.pdu({
        pdu: c.pdu, headerDigest: c.headerDigest, dataDigest: c.dataDigest, opcode: op, offset: at, length: bytes.length,
        dataSegmentLength: dataSegmentLength(bytes, 0), firstFrame, lost: held ? this.#lost : 0,
      }, frame);
    } catch (e) {
      if (!(e instanceof PduError)) throw e;
      this.#owner.malformed("undecodable", at, bytes.length, `PDU at offset ${at} cannot be decoded: ${e.message}`, frame);
    }
  }

  #tooLong(at: number, len: number, avail: number, frame: Frame): number {
    this.#owner.malformed("too-long", at, len, `PDU of ${len} bytes at offset ${at} is longer than maxPduLength ${this.#opts.maxPduLength}: skipped`, frame);
    if (avail >= len) return len;
    this.#mode = "skip";
    this.#skipLeft = len - avail;
    return avail;
  }

  /** A gap while in step (or just after hunting found its footing). */
  #gapInSync(offset: number, end: number, frame: Frame): void {
    if (this.#g.have === 0) return this.#startHunt(end, "resync", "");
    if (this.#pduLen === 0) {
      this.#owner.malformed("header-lost", this.#pduStart, this.#g.have, `PDU header at offset ${this.#pduStart} cut by a gap of ${end - offset} bytes`, frame);
      this.#clear();
      return this.#startHunt(end, "resync", "");
    }
    const pduEnd = this.#pduStart + this.#pduLen;
    const inPdu = Math.min(end, pduEnd) - offset;
    this.#g.hold(new Uint8Array(inPdu), this.#pduLen);
    this.#lost += inPdu;
    if (this.#lostAt < 0) this.#lostAt = offset - this.#pduStart;
    if (this.#g.have === this.#pduLen) this.#heldComplete(frame);
    if (end > pduEnd) this.#startHunt(end, "resync", "");
  }

  #startHunt(at: number, reason: MalformedReason, detail: string): void {
    this.#mode = "hunt";
    this.#huntReason = reason;
    this.#huntDetail = detail;
    this.#hunter = new Hunter(at, {
      maxDataSegmentLength: this.#opts.huntMaxDataSegmentLength, fromTarget: this.#owner.fromTarget, digests: this.#owner.digests,
    });
  }

  #huntStep(frame: Frame, final: boolean): void {
    const h = this.#hunter!;
    const c = h.find(final);
    if (c === undefined) {
      if (this.probing && h.end - h.start > this.#opts.probeBytes) {
        this.#mode = "off";
        this.#owner.notFound();
      }
      return;
    }
    if (this.probing) {
      this.probing = false;
      this.#owner.found(c.opcode, frame);
    }
    this.#reportSkipped(h.start, c.at - h.start, h.startFrame ?? frame);
    this.#adoptDigests(c);
    this.#hunter = undefined;
    this.#mode = "sync";
    // Each stretch goes on with the frame it came in, so a PDU names the frame that completed it.
    for (const [at, bytes, from] of h.rest(c.at)) this.#feed(at, bytes, from);
  }

  #giveUpHunt(frame: Frame): void {
    const h = this.#hunter!;
    if (!this.probing) this.#reportSkipped(h.start, h.end - h.start, h.startFrame ?? frame);
    this.#hunter = undefined;
    this.#mode = "sync";
  }

  #reportSkipped(from: number, skipped: number, frame: Frame): void {
    if (skipped <= 0) return;
    const why = this.#huntReason === "mid-stream" ? "before the first PDU header found (the capture starts inside the stream)"
      : this.#huntReason === "bad-header" ? `from a header that is not one (${this.#huntDetail}) to the next PDU header`
        : "after a gap, to the next PDU header";
    this.#owner.malformed(this.#huntReason, from, skipped, `${skipped} bytes at offset ${from} skipped ${why}`, frame);
    this.#huntReason = "resync";
  }

  /** Digests guessed by hunting replace earlier guesses, never what the login said. */
  #adoptDigests(c: Candidate): void {
    const d = this.#owner.digests;
    if (d.source === "login" || c.opcode === 0x03 || c.opcode === 0x23) return;
    d.header = c.headerDigest;
    if (c.dataDigest !== undefined) d.data = c.dataDigest;
    d.source = "crc";
  }

  #clear(): void {
    this.#g.clear();
    this.#need = 0;
    this.#pduLen = 0;
    this.#lost = 0;
    this.#lostAt = -1;
  }
}
