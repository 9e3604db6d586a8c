/**
 * Frames in, events out: link layer → IP (fragments reassembled) → TCP (connections,
 * reassembly) → iSCSI (PDUs). Push-style and synchronous: the file readers call `frame()`
 * for each record and `finish()` at the end; every event goes to `onEvent` as soon as it is
 * decided, so memory does not grow with the file. The summary counts what was emitted.
 */
import type { FrameSink } from "./frame-reader.js";
import { IscsiConnection, type DecoderContext } from "./iscsi-connection.js";
import { FragmentReassembler } from "./ip-fragments.js";
import { parseIp, PROTO_TCP } from "./ip.js";
import { ipStart, NOT_IP } from "./link.js";
import { saveHistories, type StreamLimits } from "./tcp-stream.js";
import { parseTcp, TcpTracker, type TcpConnection } from "./tcp-tracker.js";
import type { CaptureEvent, CaptureOptions, CaptureSummary, Frame, TroubleKind, WarningCode } from "./types.js";

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<CaptureOptions, "ports" | "onProgress">> & { ports: ReadonlySet<number> };

/**
 * Fill in defaults; RangeError on nonsense.
 *
 * @example
 * resolveOptions({ ports: [3260, 3261] }).maxOutOfOrderBytes; // 1048576
 */
export function resolveOptions(o: CaptureOptions = {}): ResolvedOptions {
  const r: ResolvedOptions = {
    ports: new Set(o.ports ?? [3260]), heuristic: o.heuristic ?? true,
    maxOutOfOrderBytes: o.maxOutOfOrderBytes ?? 1 << 20, maxOutOfOrderSegments: o.maxOutOfOrderSegments ?? 512,
    historyBytes: o.historyBytes ?? 32 * 1024, maxPduLength: o.maxPduLength ?? (1 << 24) + 2048,
    huntMaxDataSegmentLength: o.huntMaxDataSegmentLength ?? 262144, probeBytes: o.probeBytes ?? 1 << 20,
    fragmentTimeoutMs: o.fragmentTimeoutMs ?? 30_000, maxFragmentDatagrams: o.maxFragmentDatagrams ?? 256,
    maxConnections: o.maxConnections ?? 65536,
  };
  for (const p of r.ports) if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`port ${p} is not a TCP port (1-65535)`);
  for (const [k, v] of Object.entries(r)) {
    if (typeof v === "number" && (!Number.isFinite(v) || v < 0)) throw new RangeError(`capture option ${k} must be a non-negative number, got ${v}`);
  }
  return r;
}

const TROUBLE_KINDS: TroubleKind[] = ["retransmission", "overlap-conflict", "out-of-order", "zero-window", "duplicate-ack", "out-of-window"];
/** Bad frames reported one by one; past this they are only counted. */
const BAD_FRAME_WARNINGS = 20;
/** Bytes held past holes, all connections together. */
const MAX_HELD_BYTES = 64 << 20;

/**
 * @example
 * const d = new CaptureDecoder("x.pcap", "pcap", {}, (e) => console.log(e.type));
 * reader = new PcapReader(header, d); // the reader calls d.frame() per record
 * const summary = d.finish();
 */
export class CaptureDecoder implements FrameSink {
  readonly summary: CaptureSummary;
  /** Frames whose link, IP or TCP header was unusable. */
  badFrames = 0;
  readonly #opts: ResolvedOptions;
  readonly #onEvent: (e: CaptureEvent) => void;
  readonly #frags: FragmentReassembler;
  readonly #tcp: TcpTracker;
  readonly #limits: StreamLimits;
  #last: Frame = { number: 0, sec: 0, nsec: 0, linkType: 0, data: new Uint8Array(0), wireLength: 0, fileOffset: 0 };
  #connIds = 0;

  constructor(file: string, format: "pcap" | "pcapng", opts: CaptureOptions | ResolvedOptions, onEvent: (e: CaptureEvent) => void) {
    this.#opts = opts.ports instanceof Set ? (opts as ResolvedOptions) : resolveOptions(opts as CaptureOptions);
    this.#onEvent = onEvent;
    this.summary = emptySummary(file, format);
    this.#frags = new FragmentReassembler({ timeoutMs: this.#opts.fragmentTimeoutMs, maxDatagrams: this.#opts.maxFragmentDatagrams });
    const o = this.#opts;
    const ctx: DecoderContext = {
      stream: { maxPduLength: o.maxPduLength, huntMaxDataSegmentLength: o.huntMaxDataSegmentLength, probeBytes: o.probeBytes },
      emit: (e) => this.#emit(e),
      nextConnectionId: () => ++this.#connIds,
    };
    const limits = {
      maxOutOfOrderBytes: o.maxOutOfOrderBytes, maxOutOfOrderSegments: o.maxOutOfOrderSegments,
      historyBytes: o.historyBytes, budget: { held: 0, max: MAX_HELD_BYTES }, unsaved: [],
    };
    this.#limits = limits;
    this.#tcp = new TcpTracker(limits, o.maxConnections, (conn, frame) => this.#app(ctx, conn, frame));
  }

  frame(f: Frame): void {
    const s = this.summary;
    s.frames++;
    s.bytes += f.data.length;
    this.#last = f;
    const start = ipStart(f.linkType, f.data);
    if (start === NOT_IP) {
      s.nonTcpFrames++;
      return;
    }
    const ip = parseIp(f.data, start & 0xffffff, start >>> 24, this.#frags, f.sec);
    if (ip === "fragment") return;
    if ("bad" in ip) return this.#badFrame(f, ip.bad);
    if (ip.protocol !== PROTO_TCP) {
      s.nonTcpFrames++;
      return;
    }
    const seg = parseTcp(ip);
    if (typeof seg === "string") return this.#badFrame(f, seg);
    this.#tcp.segment(ip, seg, f);
  }

  /** The reader is done with its chunk: nothing may keep views of it (TCP history is copied out). */
  chunkEnd(): void {
    saveHistories(this.#limits);
  }

  warning(code: WarningCode, fileOffset: number, frame: number | undefined, message: string): void {
    this.#emit({ type: "warning", code, fileOffset, frame, message });
  }

  linkType(type: number): void {
    if (!this.summary.linkTypes.includes(type)) this.summary.linkTypes.push(type);
  }

  /** End of file: flush every connection, complete the summary, emit `end`. */
  finish(): CaptureSummary {
    this.#tcp.finish(this.#last);
    const s = this.summary;
    s.tcpConnections = this.#tcp.count;
    s.fragments = { ...this.#frags.stats };
    s.verdict = verdict(s, this.#opts);
    this.#onEvent({ type: "end", summary: s });
    return s;
  }

  #app(ctx: DecoderContext, conn: TcpConnection, frame: Frame): IscsiConnection | undefined {
    const ports = this.#opts.ports;
    if (ports.has(conn.port[1])) return new IscsiConnection(ctx, conn, 1, frame);
    if (ports.has(conn.port[0])) return new IscsiConnection(ctx, conn, 0, frame);
    return this.#opts.heuristic ? new IscsiConnection(ctx, conn, undefined, frame) : undefined;
  }

  #badFrame(f: Frame, why: string): void {
    this.badFrames++;
    this.summary.nonTcpFrames++;
    if (this.badFrames <= BAD_FRAME_WARNINGS) {
      const more = this.badFrames === BAD_FRAME_WARNINGS ? " (further bad frames are counted, not reported)" : "";
      this.warning("bad-frame", f.fileOffset, f.number, `frame ${f.number} at byte ${f.fileOffset}: ${why}${more}`);
    }
  }

  #emit(e: CaptureEvent): void {
    const s = this.summary;
    switch (e.type) {
      case "pdu":
        s.pdus++;
        if (e.digestError) s.digestErrors++;
        break;
      case "connection": s.iscsiConnections++; break;
      case "gap":
        s.gaps++;
        s.gapBytes += e.length;
        break;
      case "malformed":
        s.malformed++;
        s.malformedBytes += e.skipped;
        break;
      case "tcp-trouble": s.trouble[e.trouble]++; break;
      case "warning": s.warnings++; break;
      default: break;
    }
    this.#onEvent(e);
  }
}

function emptySummary(file: string, format: "pcap" | "pcapng"): CaptureSummary {
  return {
    file, format, linkTypes: [], frames: 0, bytes: 0, nonTcpFrames: 0, fragments: { seen: 0, reassembled: 0, dropped: 0 },
    tcpConnections: 0, iscsiConnections: 0, pdus: 0, digestErrors: 0, gaps: 0, gapBytes: 0, malformed: 0, malformedBytes: 0,
    trouble: Object.fromEntries(TROUBLE_KINDS.map((k) => [k, 0])) as Record<TroubleKind, number>, warnings: 0, verdict: "",
  };
}

function verdict(s: CaptureSummary, o: ResolvedOptions): string {
  if (s.iscsiConnections === 0) {
    if (s.frames === 0) return "no iSCSI: the capture holds no frames";
    const ports = [...o.ports].join(", ");
    const how = o.heuristic ? `none on port ${ports} or recognised by the header heuristic` : `none on port ${ports} (heuristic off)`;
    return `no iSCSI: ${s.frames} frames, ${s.tcpConnections} TCP connection(s), ${how}`;
  }
  const parts = [`${s.pdus} PDUs on ${s.iscsiConnections} iSCSI connection(s)`];
  if (s.gaps > 0) parts.push(`${s.gaps} gap(s) (${s.gapBytes} bytes missing)`);
  if (s.malformed > 0) parts.push(`${s.malformed} malformed record(s) (${s.malformedBytes} bytes skipped)`);
  if (s.digestErrors > 0) parts.push(`${s.digestErrors} digest error(s)`);
  return parts.join(", ");
}
