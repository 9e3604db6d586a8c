/**
 * One direction of a TCP connection turned back into a byte stream (RFC 9293 §3.4 sequence
 * numbers, compared modulo 2^32): in order, retransmissions and overlaps dropped (and their
 * bytes compared with what was delivered), out-of-order segments held until the hole before
 * them fills, holes declared lost when the peer acknowledges bytes never captured or when
 * the held bytes pass their bound, snaplen-cut segments delivered with a gap for their
 * missing tail.
 *
 * Offsets are stream offsets: 0 is the byte after the SYN, or the first byte seen when the
 * capture starts mid-stream. They are JavaScript numbers, exact past 2^32.
 */
import type { Frame, GapReason, TroubleKind } from "./types.js";

/** Where a direction's bytes and holes go, in stream order. */
export interface StreamSink {
  data(offset: number, bytes: Uint8Array, frame: Frame): void;
  gap(offset: number, length: number, reason: GapReason, frame: Frame): void;
}

export type TroubleSink = (kind: TroubleKind, offset: number, length: number, frame: Frame) => void;

/** Bounds of one direction. `budget` and `unsaved` are shared by all directions of a capture. */
export interface StreamLimits {
  maxOutOfOrderBytes: number;
  maxOutOfOrderSegments: number;
  historyBytes: number;
  budget: { held: number; max: number };
  /** Directions whose latest bytes are still views of the reader's chunk (see {@link saveHistories}). */
  unsaved: TcpDirection[];
}

/**
 * The reader is done with its chunk: every direction copies the bytes it keeps for
 * comparing retransmissions (at most `historyBytes`) out of it. Until then a direction
 * keeps views of what it delivered, so a stream's bytes are copied once per chunk at most,
 * not once per segment, and no chunk stays pinned by a direction afterwards.
 *
 * @example
 * reader.push(chunk);
 * saveHistories(limits);
 */
export function saveHistories(limits: StreamLimits): void {
  for (const d of limits.unsaved) d.saveHistory();
  limits.unsaved.length = 0;
}

interface Held {
  offset: number;
  bytes: Uint8Array;
  /** Bytes after `bytes` that the snapshot length cut off. */
  missing: number;
  /** The frame the segment came in. */
  frame: Frame;
}

/** A segment further than this from the expected sequence number is not believed. */
const MAX_JUMP = 1 << 30;
const EMPTY = new Uint8Array(0);

/**
 * @example
 * const d = new TcpDirection(limits, sink, trouble);
 * d.syn(isn);
 * d.segment(seq, payload, 0, frame);
 * d.ack(peerAck, frame); // declares bytes the peer acknowledged but we never saw as lost
 */
export class TcpDirection {
  /** Sequence numbers are anchored (a SYN or a first segment was seen). */
  started = false;
  /** This direction's SYN was seen: stream offset 0 is a message boundary. */
  synSeen = false;
  isn = 0;
  nextSeq = 0;
  nextOffset = 0;
  /** Stream offset of the FIN, once seen; -1 before. */
  finOffset = -1;
  /** Highest stream offset sent so far (for duplicate-ACK detection). */
  highest = 0;
  #held: Held[] = [];
  #heldBytes = 0;
  /** The last `historyBytes` delivered, by stream offset modulo its size, up to the views below. */
  #hist: Uint8Array | undefined;
  /** Delivered since the last save, in order, ending at nextOffset (views of the reader's chunk). */
  #views: Uint8Array[] = [];
  #viewBytes = 0;
  #histValidFrom = 0;
  readonly #limits: StreamLimits;
  readonly #sink: StreamSink;
  readonly #trouble: TroubleSink;

  constructor(limits: StreamLimits, sink: StreamSink, trouble: TroubleSink) {
    this.#limits = limits;
    this.#sink = sink;
    this.#trouble = trouble;
  }

  /** Bytes held past a hole. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Segments wait behind a hole: bytes delivered later may come from earlier frames. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  /** All bytes up to the FIN were delivered (or declared lost). */
  get finished(): boolean {
    return this.finOffset >= 0 && this.nextOffset >= this.finOffset && this.#held.length === 0;
  }

  /** The SYN: the stream starts after `isn`. */
  syn(isn: number): void {
    this.synSeen = true;
    this.started = true;
    this.isn = isn;
    this.nextSeq = (isn + 1) >>> 0;
    this.saveHistory(); // the views end at the old nextOffset
    this.nextOffset = 0;
    this.highest = 0;
  }

  /** Stream offset of sequence number `seq` (valid once started). */
  offsetOf(seq: number): number {
    return this.nextOffset + ((seq - this.nextSeq) | 0);
  }

  /** A segment carrying `payload` and `missing` more bytes cut by snaplen, at `seq`. */
  segment(seq: number, payload: Uint8Array, missing: number, frame: Frame): void {
    const total = payload.length + missing;
    if (total === 0) return;
    if (!this.started) this.#start(seq);
    let off = this.offsetOf(seq);
    if (off - this.nextOffset > MAX_JUMP || this.nextOffset - off > MAX_JUMP) {
      this.#trouble("out-of-window", off, total, frame);
      return;
    }
    this.highest = Math.max(this.highest, off + total);
    if (off + total <= this.nextOffset) {
      if (total === 1 && off === this.nextOffset - 1) return; // keep-alive (RFC 9293 §3.8.4)
      this.#trouble(this.#compare(off, payload), off, total, frame);
      return;
    }
    if (off < this.nextOffset) {
      const cut = this.nextOffset - off;
      this.#trouble(this.#compare(off, payload.subarray(0, cut)), off, cut, frame);
      if (cut >= payload.length) [missing, payload] = [missing - (cut - payload.length), EMPTY];
      else payload = payload.subarray(cut);
      off = this.nextOffset;
    }
    if (off > this.nextOffset) {
      this.#hold(off, payload, missing, frame);
      return;
    }
    if (this.#held.length > 0) this.#trouble("out-of-order", off, total, frame);
    this.#deliver(payload, missing, frame);
    this.#drain(frame, false);
  }

  /** A FIN at `seq` after `payloadLength` bytes. */
  fin(seq: number, payloadLength: number): void {
    if (!this.started) this.#start(seq);
    const at = this.offsetOf(seq) + payloadLength;
    if (this.finOffset < 0 || at < this.finOffset) this.finOffset = Math.max(at, 0);
  }

  /**
   * The peer acknowledged up to `ackSeq`: bytes below it that we never saw were sent and
   * received, so they are lost to the capture (Wireshark's "ACKed segment that wasn't captured").
   */
  ack(ackSeq: number, frame: Frame): void {
    if (!this.started) return;
    let to = this.offsetOf(ackSeq);
    if (this.finOffset >= 0 && to > this.finOffset) to = this.finOffset; // the FIN takes one sequence number
    if (to <= this.nextOffset || to - this.nextOffset > MAX_JUMP) return;
    this.#gapUpTo(to, frame);
  }

  /** The stream ends (capture end, RST): every hole becomes a gap and held bytes are delivered. */
  flush(frame: Frame): void {
    this.#drain(frame, false);
    while (this.#held.length > 0) this.#gapUpTo(this.#held[0].offset, frame);
  }

  /** Forget buffers (the connection is over). */
  release(): void {
    this.#limits.budget.held -= this.#heldBytes;
    this.#held = [];
    this.#heldBytes = 0;
    this.#hist = undefined;
    this.#forgetViews();
  }

  /** Copy the bytes kept for comparisons out of the views (see {@link saveHistories}). */
  saveHistory(): void {
    const views = this.#views;
    if (views.length === 0) return;
    const size = this.#limits.historyBytes;
    const h = (this.#hist ??= new Uint8Array(size));
    const end = this.nextOffset;
    let o = end;
    for (let k = views.length - 1; k >= 0 && end - o < size; k--) {
      const v = views[k];
      const take = Math.min(v.length, size - (end - o));
      o -= take;
      const at = o % size;
      const first = Math.min(take, size - at);
      h.set(v.subarray(v.length - take, v.length - take + first), at);
      if (first < take) h.set(v.subarray(v.length - take + first), 0);
    }
    this.#forgetViews();
  }

  #forgetViews(): void {
    this.#views = [];
    this.#viewBytes = 0;
  }

  #start(seq: number): void {
    this.started = true;
    this.nextSeq = seq >>> 0;
    this.saveHistory();
    this.nextOffset = 0;
  }

  /**
   * Declare [next, to) lost, delivering held segments that start before `to` as they come.
   * Each held segment keeps the frame it came in (nothing later completed it), and a gap
   * takes the frame of the segment after it, so that sorting by frame keeps stream order.
   */
  #gapUpTo(to: number, frame: Frame): void {
    while (this.nextOffset < to) {
      const h = this.#held[0];
      const stop = h !== undefined && h.offset < to ? h.offset : to;
      if (stop > this.nextOffset) {
        const len = stop - this.nextOffset;
        this.#sink.gap(this.nextOffset, len, "lost", h !== undefined && h.offset === stop ? h.frame : frame);
        this.#advance(len);
        this.#histValidFrom = this.nextOffset;
        this.#forgetViews();
      }
      this.#drain(frame, true);
    }
  }

  #hold(off: number, payload: Uint8Array, missing: number, frame: Frame): void {
    const held = this.#held;
    let i = held.length;
    while (i > 0 && held[i - 1].offset > off) i--;
    const prev = held[i - 1];
    if (prev !== undefined && prev.offset === off && prev.bytes.length + prev.missing >= payload.length + missing) {
      this.#trouble("retransmission", off, payload.length + missing, frame);
      return;
    }
    held.splice(i, 0, { offset: off, bytes: payload.slice(), missing, frame });
    this.#heldBytes += payload.length;
    this.#limits.budget.held += payload.length;
    const l = this.#limits;
    if (held.length > l.maxOutOfOrderSegments || this.#heldBytes > l.maxOutOfOrderBytes || l.budget.held > l.budget.max) {
      this.#gapUpTo(held[0].offset, frame);
    }
  }

  /**
   * Deliver held segments that now touch the expected offset: with the frame that filled the
   * hole before them, or (`ownFrames`, after a hole was declared lost) with their own.
   */
  #drain(frame: Frame, ownFrames: boolean): void {
    const held = this.#held;
    while (held.length > 0 && held[0].offset <= this.nextOffset) {
      const h = held.shift()!;
      this.#heldBytes -= h.bytes.length;
      this.#limits.budget.held -= h.bytes.length;
      const end = h.offset + h.bytes.length + h.missing;
      if (end <= this.nextOffset) {
        this.#trouble(this.#compare(h.offset, h.bytes), h.offset, end - h.offset, frame);
        continue;
      }
      let payload = h.bytes;
      let missing = h.missing;
      const cut = this.nextOffset - h.offset;
      if (cut > 0) {
        this.#trouble(this.#compare(h.offset, payload.subarray(0, cut)), h.offset, cut, frame);
        if (cut >= payload.length) [missing, payload] = [missing - (cut - payload.length), EMPTY];
        else payload = payload.subarray(cut);
      }
      this.#deliver(payload, missing, ownFrames ? h.frame : frame);
    }
  }

  #deliver(payload: Uint8Array, missing: number, frame: Frame): void {
    if (payload.length > 0) {
      this.#sink.data(this.nextOffset, payload, frame);
      this.#remember(payload);
      this.#advance(payload.length);
    }
    if (missing > 0) {
      this.#sink.gap(this.nextOffset, missing, "snaplen", frame);
      this.#advance(missing);
      this.#histValidFrom = this.nextOffset;
      this.#forgetViews();
    }
  }

  #advance(n: number): void {
    this.nextOffset += n;
    this.nextSeq = (this.nextSeq + n) >>> 0;
    if (this.highest < this.nextOffset) this.highest = this.nextOffset;
  }

  /** Keep a view of `b` (delivered at nextOffset), to compare retransmissions with; saved per chunk. */
  #remember(b: Uint8Array): void {
    const size = this.#limits.historyBytes;
    if (size === 0) return;
    const views = this.#views;
    if (views.length === 0) this.#limits.unsaved.push(this);
    views.push(b);
    this.#viewBytes += b.length;
    // Views wholly older than the last `size` bytes are never needed.
    if (views.length > 64 && this.#viewBytes - views[0].length >= size) {
      let drop = 0;
      while (this.#viewBytes - views[drop].length >= size) this.#viewBytes -= views[drop++].length;
      this.#views = views.slice(drop);
    }
  }

  /** Same bytes as delivered (or too old to tell): a retransmission; different: a conflicting overlap. */
  #compare(off: number, bytes: Uint8Array): TroubleKind {
    this.saveHistory();
    const h = this.#hist;
    const size = this.#limits.historyBytes;
    const end = Math.min(off + bytes.length, this.nextOffset);
    if (h === undefined || off < this.#histValidFrom || off < this.nextOffset - size) return "retransmission";
    for (let o = off; o < end; o++) {
      if (h[o % size] !== bytes[o - off]) return "overlap-conflict";
    }
    return "retransmission";
  }
}
