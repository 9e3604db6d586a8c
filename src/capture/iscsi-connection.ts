/**
 * One TCP connection seen as iSCSI: which side is the target (the side on a target port, or
 * the side sending target opcodes, bit 0x20), its two PDU streams, its digest settings
 * (from the Login negotiation when captured, else from CRC32C), and the events it emits.
 *
 * A connection on a port that is not a target port is "probing" until a stream recognises
 * a PDU (iscsi-stream.ts); until then its TCP events are held (at most 256; the rest are
 * counted as dropped) and released, with their own frame numbers and times, when it is
 * recognised. A connection the heuristic gives up on emits nothing.
 */
import { loginKeys, type LoginKeys } from "./iscsi-decode.js";
import type { DigestState } from "./iscsi-hunt.js";
import { IscsiStream, type StreamOptions, type StreamOwner, type StreamPdu } from "./iscsi-stream.js";
import { formatAddress } from "./ip.js";
import type { ConnectionApp, Side, TcpConnection } from "./tcp-tracker.js";
import {
  frameTime, type CaptureEvent, type ConnectionInfo, type Direction, type Frame, type GapReason, type MalformedReason,
  type TroubleKind,
} from "./types.js";

/** What a connection needs from the decoder. */
export interface DecoderContext {
  readonly stream: StreamOptions;
  emit(e: CaptureEvent): void;
  nextConnectionId(): number;
}

const MAX_PENDING = 256;
/**
 * Events held to restore frame order while a stream is confirming a PDU (see #inOrder), and
 * wire bytes of the PDUs among them (each holds its data: 4096 Data-In PDUs of 256 KiB
 * would be 1 GiB).
 */
const MAX_REORDER = 4096;
const MAX_REORDER_BYTES = 16 << 20;

/**
 * @example
 * // a connection on port 3260: side 1 (the SYN's destination) is the target
 * tcp.app = new IscsiConnection(ctx, tcp, 1, frame);
 */
export class IscsiConnection implements ConnectionApp {
  declined = false;
  info: ConnectionInfo | undefined;
  readonly digests: DigestState = { header: undefined, data: undefined, source: undefined };
  /** Events held while the connection is not yet recognised; dropped count beyond the bound. */
  pendingDropped = 0;
  #pending: Array<() => CaptureEvent> = [];
  #reorder: CaptureEvent[] = [];
  #reorderBytes = 0;
  #targetSide: Side | undefined;
  readonly #streams: [IscsiStream | undefined, IscsiStream | undefined] = [undefined, undefined];
  readonly #ctx: DecoderContext;
  readonly #tcp: TcpConnection;
  #activateLater: Side | undefined;
  /** Keys seen in the Login PDUs so far (the last exact value of each wins). */
  readonly #login: LoginKeys = {};
  /** MaxRecvDataSegmentLength each side declared at login: [side 0 receives, side 1 receives]. */
  readonly #maxRecv: [number | undefined, number | undefined] = [undefined, undefined];
  #loginOver = false;
  /** Bytes of a Login PDU were lost: a key missing from what we saw may have been said. */
  #loginLost = false;

  /** `targetSide` known from the port, or undefined to let the heuristic decide. */
  constructor(ctx: DecoderContext, tcp: TcpConnection, targetSide: Side | undefined, frame: Frame) {
    this.#ctx = ctx;
    this.#tcp = tcp;
    if (targetSide !== undefined) this.#recognise(targetSide, "port", frame);
  }

  data(side: Side, offset: number, bytes: Uint8Array, frame: Frame): void {
    if (this.declined) return;
    this.#stream(side).push(offset, bytes, frame);
    const other = this.#activateLater;
    if (other !== undefined) {
      this.#activateLater = undefined;
      this.#streams[other]?.activate(frame);
    }
    this.#release();
  }

  gap(side: Side, offset: number, length: number, reason: GapReason, frame: Frame): void {
    if (this.declined) return;
    this.#emit(frame, (conn, time) => ({ type: "gap", conn, frame: frame.number, time, direction: this.#dir(side), offset, length, reason }));
    this.#stream(side).gap(offset, length, reason, frame);
    this.#release();
  }

  control(side: Side, flag: "syn" | "syn-ack" | "fin" | "rst", frame: Frame): void {
    this.#emit(frame, (conn, time) => ({ type: "tcp", conn, frame: frame.number, time, flag, direction: this.#dir(side) }));
  }

  trouble(side: Side, kind: TroubleKind, offset: number, length: number, frame: Frame): void {
    this.#emit(frame, (conn, time) => ({ type: "tcp-trouble", conn, frame: frame.number, time, trouble: kind, direction: this.#dir(side), offset, length }));
  }

  end(side: Side, why: "fin" | "rst" | "capture-end", frame: Frame): void {
    this.#streams[side]?.end(why, frame);
    this.#release();
  }

  #stream(side: Side): IscsiStream {
    let s = this.#streams[side];
    if (s === undefined) {
      const probing = this.info === undefined;
      s = new IscsiStream(this.#owner(side), this.#ctx.stream, { boundary: this.#tcp.dir[side].synSeen, probing });
      this.#streams[side] = s;
    }
    return s;
  }

  #owner(side: Side): StreamOwner {
    const conn = this;
    return {
      digests: this.digests,
      get fromTarget() {
        return conn.#targetSide === undefined ? undefined : side === conn.#targetSide;
      },
      get maxDataSegmentLength() {
        return conn.#loginOver ? conn.#maxRecv[side === 0 ? 1 : 0] : undefined;
      },
      pdu: (p, frame) => this.#pdu(side, p, frame),
      malformed: (reason, offset, skipped, message, frame) => this.#malformed(side, reason, offset, skipped, message, frame),
      found: (opcode, frame) => this.#found(side, opcode, frame),
      notFound: () => this.#decline(),
    };
  }

  #pdu(side: Side, p: StreamPdu, frame: Frame): void {
    this.#emit(frame, (conn, time) => ({
      type: "pdu", conn, frame: frame.number, time, direction: this.#dir(side), pdu: p.pdu, opcode: p.opcode,
      offset: p.offset, length: p.length, dataSegmentLength: p.dataSegmentLength, firstFrame: p.firstFrame, headerDigest: p.headerDigest,
      dataDigest: p.dataDigest, digestError: p.headerDigest === "bad" || p.dataDigest === "bad", lost: p.lost,
    }));
    if (p.pdu.kind === "login-request" || p.pdu.kind === "login-response") this.#loginPdu(side, p);
  }

  /**
   * Follow the login: RFC 7143 §13.1 digests start after the Login Response that ends it
   * (T=1, NSG=3, Status-Class 0), with the values last agreed (None when never named: the
   * default); each side's MaxRecvDataSegmentLength (§13.12) bounds what the other may send.
   * A value the capture lost (the text was cut) leaves that setting to CRC32C detection.
   */
  #loginPdu(side: Side, p: StreamPdu): void {
    const pdu = p.pdu;
    const keys = loginKeys(pdu.data);
    Object.assign(this.#login, keys);
    if (keys.MaxRecvDataSegmentLength !== undefined) this.#maxRecv[side] = keys.MaxRecvDataSegmentLength;
    if (p.lost > 0) this.#loginLost = true;
    if (pdu.kind !== "login-response" || !pdu.transit || pdu.nsg !== 3 || pdu.statusClass !== 0 || this.#loginOver) return;
    this.#loginOver = true;
    const { HeaderDigest: h, DataDigest: d } = this.#login;
    if (this.#loginLost && (h === undefined || d === undefined)) return;
    this.digests.header = h === "CRC32C";
    this.digests.data = d === "CRC32C";
    this.digests.source = "login";
  }

  #malformed(side: Side, reason: MalformedReason, offset: number, skipped: number, message: string, frame: Frame): void {
    this.#emit(frame, (conn, time) => ({ type: "malformed", conn, frame: frame.number, time, direction: this.#dir(side), reason, offset, skipped, message }));
  }

  /** The heuristic saw a PDU with `opcode` from `side`. */
  #found(side: Side, opcode: number, frame: Frame): void {
    if (this.info !== undefined) return;
    const fromTarget = (opcode & 0x20) !== 0;
    this.#recognise(fromTarget ? side : side === 0 ? 1 : 0, "heuristic", frame);
    const other: Side = side === 0 ? 1 : 0;
    if (this.#streams[other] !== undefined) this.#activateLater = other;
  }

  #recognise(targetSide: Side, foundBy: "port" | "heuristic", frame: Frame): void {
    const t = this.#tcp;
    const ini: Side = targetSide === 0 ? 1 : 0;
    const endpoint = (s: Side) => ({ address: formatAddress(t.addr[s]), port: t.port[s] });
    const initiator = endpoint(ini);
    const target = endpoint(targetSide);
    const show = (e: { address: string; port: number }) => (e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`);
    this.#targetSide = targetSide;
    this.info = {
      id: this.#ctx.nextConnectionId(), key: `${show(initiator)} -> ${show(target)}`, initiator, target, foundBy,
      handshake: t.startedWithSyn, firstFrame: t.firstFrame,
    };
    this.#ctx.emit({ type: "connection", event: "open", conn: this.info, frame: frame.number, time: frameTime(frame) });
    const held = this.#pending;
    this.#pending = [];
    for (const make of held) this.#ctx.emit(make());
  }

  /**
   * Two things deliver bytes after later frames of the other direction were reported: a
   * stream picked up mid-flight confirms a PDU only when the next header (one PDU length on)
   * is in, and TCP holds segments behind a hole until it fills or is declared lost. While
   * either waits, the connection's events are held and released sorted by frame (stable),
   * keeping each connection's events in capture order (at most MAX_REORDER events and
   * MAX_REORDER_BYTES of PDUs held: past that, order gives way to memory).
   */
  #inOrder(e: CaptureEvent): void {
    if (!this.#waiting() && this.#reorder.length === 0) return this.#ctx.emit(e);
    this.#reorder.push(e);
    if (e.type === "pdu") this.#reorderBytes += e.length;
    if (this.#reorder.length >= MAX_REORDER || this.#reorderBytes >= MAX_REORDER_BYTES) this.#flushReorder();
  }

  #release(): void {
    if (this.#reorder.length === 0 || this.#waiting()) return;
    this.#flushReorder();
  }

  /** A stream waits to confirm a header, or TCP holds segments behind a hole. */
  #waiting(): boolean {
    const t = this.#tcp.dir;
    return this.#streams[0]?.waiting === true || this.#streams[1]?.waiting === true || t[0].holding || t[1].holding;
  }

  #flushReorder(): void {
    const held = this.#reorder;
    this.#reorder = [];
    this.#reorderBytes = 0;
    held.sort((a, b) => ("frame" in a && "frame" in b ? (a.frame ?? 0) - (b.frame ?? 0) : 0));
    for (const e of held) this.#ctx.emit(e);
  }

  #decline(): void {
    this.declined = true;
    this.#pending = [];
    for (const s of this.#streams) s?.stop();
  }

  #dir(side: Side): Direction {
    return side === this.#targetSide ? "target->initiator" : "initiator->target";
  }

  /** Emit now, or hold until the connection is recognised (the event is built then). */
  #emit(frame: Frame, make: (conn: ConnectionInfo, time: bigint) => CaptureEvent): void {
    if (this.declined) return;
    const time = frameTime(frame);
    if (this.info !== undefined) return this.#inOrder(make(this.info, time));
    if (this.#pending.length >= MAX_PENDING) {
      this.pendingDropped++;
      return;
    }
    this.#pending.push(() => make(this.info!, time));
  }
}
