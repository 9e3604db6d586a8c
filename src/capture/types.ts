/**
 * What the capture reader produces: a stream of typed events in capture order, one file's
 * summary, and the options. Designed for src/replay: every event names its connection
 * (a shared {@link ConnectionInfo}), its direction as the iSCSI roles see it, the frame it
 * came from and the capture time in nanoseconds since the epoch (bigint, DESIGN.md §3).
 */
import type { Pdu } from "../wire/types.js";

/** Which way bytes flow, named by iSCSI role. */
export type Direction = "initiator->target" | "target->initiator";

/** One end of a TCP connection. IPv6 addresses are in RFC 5952 short form. */
export interface Endpoint {
  address: string;
  port: number;
}

/**
 * An iSCSI connection found in the capture. The same object is referenced by every event of
 * the connection; it does not change after its `open` event.
 */
export interface ConnectionInfo {
  /** 1, 2, ... in the order connections were recognised as iSCSI. */
  id: number;
  /** "initiator -> target" as `ADDR:PORT -> ADDR:PORT` (IPv6 in brackets). */
  key: string;
  initiator: Endpoint;
  target: Endpoint;
  /** Recognised by the target port, or by the header heuristic on another port. */
  foundBy: "port" | "heuristic";
  /** The SYN of the connection is in the capture (otherwise it started before the capture did). */
  handshake: boolean;
  /** The frame of the connection's first segment in the capture. */
  firstFrame: number;
}

/** Fields every connection event has. */
export interface EventBase {
  conn: ConnectionInfo;
  /** Frame number (1-based) of the frame the event was decided on. */
  frame: number;
  /** Capture time of that frame, nanoseconds since the Unix epoch. */
  time: bigint;
}

/** How a digest fared: absent (not negotiated), verified good or bad, or not checkable (bytes lost). */
export type DigestCheck = "none" | "good" | "bad" | "unchecked";

/** One iSCSI PDU. */
export interface PduEvent extends EventBase {
  type: "pdu";
  direction: Direction;
  /**
   * The decoded PDU. Its data segment references the reader's buffers: copy it to keep it
   * past the next event. When bytes of the PDU were lost (`lost > 0`), `data` is the part
   * of the data segment before the first lost byte.
   */
  pdu: Pdu;
  /** BHS byte 0 & 0x3f. */
  opcode: number;
  /** Stream offset (bytes from the first byte of this direction seen in the capture) of the PDU's first byte. */
  offset: number;
  /** Bytes on the wire: header, AHS, digests, data segment, padding. */
  length: number;
  /** DataSegmentLength from the header (the data segment may be shorter when bytes were lost). */
  dataSegmentLength: number;
  /** Frame holding the PDU's first byte (`frame` is the one that completed it). */
  firstFrame: number;
  headerDigest: DigestCheck;
  dataDigest: DigestCheck;
  /** A digest was present and wrong. */
  digestError: boolean;
  /** Bytes of this PDU missing from the capture (lost segments, snaplen); 0 normally. */
  lost: number;
}

/** The first event of each iSCSI connection. */
export interface ConnectionOpenEvent extends EventBase {
  type: "connection";
  event: "open";
}

/** A TCP control segment of an iSCSI connection: SYN, SYN-ACK, FIN, RST. */
export interface TcpEvent extends EventBase {
  type: "tcp";
  flag: "syn" | "syn-ack" | "fin" | "rst";
  /** Who sent it. */
  direction: Direction;
}

/** Why bytes of a direction are missing. */
export type GapReason = "lost" | "snaplen";

/** Bytes of the stream that are not in the capture. */
export interface GapEvent extends EventBase {
  type: "gap";
  direction: Direction;
  /** Stream offset of the first missing byte. */
  offset: number;
  length: number;
  /** `lost`: segments never captured (tcpdump drops, capture started or stopped mid-flight); `snaplen`: cut by the capture's snapshot length. */
  reason: GapReason;
}

/** TCP trouble, as Wireshark's analysis flags name it. */
export type TroubleKind =
  | "retransmission"      // bytes seen before, sent again with the same content (or too old to compare)
  | "overlap-conflict"    // bytes seen before, sent again with different content
  | "out-of-order"        // a segment that filled a hole after later bytes had arrived
  | "zero-window"         // a receive window of 0
  | "duplicate-ack"       // a pure ACK repeating the last ACK and window while data is outstanding
  | "out-of-window";      // a segment more than 1 GiB away from the expected sequence number (ignored)

export interface TroubleEvent extends EventBase {
  type: "tcp-trouble";
  trouble: TroubleKind;
  /** Who sent the segment. */
  direction: Direction;
  /** Stream offset and length of the segment's payload (0 for ACK-only troubles). */
  offset: number;
  length: number;
}

/** Why bytes of a stream were skipped. */
export type MalformedReason =
  | "mid-stream"          // the capture starts inside the stream: bytes before the first PDU header found
  | "resync"              // bytes skipped to find the next PDU header after a gap
  | "bad-header"          // a PDU header that fails the sanity rules where one was expected
  | "undecodable"         // a PDU framed correctly that the decoder refuses (e.g. an AHS overrun)
  | "too-long"            // a PDU longer than `maxPduLength`: skipped by its length
  | "header-lost"         // a PDU header cut by a gap
  | "truncated";          // the stream (FIN, RST, end of capture) ends inside a PDU

/** Bytes of an iSCSI stream that could not be turned into a PDU. */
export interface MalformedEvent extends EventBase {
  type: "malformed";
  direction: Direction;
  reason: MalformedReason;
  /** Stream offset of the first skipped byte. */
  offset: number;
  /** Bytes skipped (present in the capture but not part of a PDU event). */
  skipped: number;
  /** One line for a person. */
  message: string;
}

/** Codes of file-level warnings. */
export type WarningCode =
  | "truncated-record"    // the last record (or block) is cut short
  | "bad-record"          // a record or block header that cannot be right; reading stopped there
  | "bad-frame";          // a frame whose link, IP or TCP header is cut or invalid (counted, skipped)

/** Something wrong in the file itself (not in a TCP stream). Reading goes on where it can. */
export interface WarningEvent {
  type: "warning";
  code: WarningCode;
  /** Byte offset in the file. */
  fileOffset: number;
  /** The frame concerned, when there is one. */
  frame: number | undefined;
  message: string;
}

/** The last event of every capture. */
export interface EndEvent {
  type: "end";
  summary: CaptureSummary;
}

export type CaptureEvent =
  | PduEvent | ConnectionOpenEvent | TcpEvent | GapEvent | TroubleEvent | MalformedEvent | WarningEvent | EndEvent;

/** Counters of one capture file. */
export interface CaptureSummary {
  file: string;
  format: "pcap" | "pcapng";
  /** Link types of the file's interfaces (LINKTYPE_* numbers). */
  linkTypes: number[];
  frames: number;
  /** Captured bytes of all frames. */
  bytes: number;
  /** Frames that are not TCP over IPv4/IPv6 (ARP, UDP, other link types, fragments still waiting). */
  nonTcpFrames: number;
  /** IPv4/IPv6 fragments seen, datagrams rebuilt from them, fragments given up (timeout, bounds). */
  fragments: { seen: number; reassembled: number; dropped: number };
  tcpConnections: number;
  iscsiConnections: number;
  pdus: number;
  digestErrors: number;
  gaps: number;
  gapBytes: number;
  malformed: number;
  malformedBytes: number;
  /** TCP trouble on the iSCSI connections. */
  trouble: Record<TroubleKind, number>;
  warnings: number;
  /** One line: what was found, or why nothing was. */
  verdict: string;
}

/** Options of the capture reader. */
export interface CaptureOptions {
  /** TCP ports of iSCSI targets. Default [3260]. */
  ports?: readonly number[];
  /** Recognise iSCSI on any other port by header sanity and length chaining. Default true. */
  heuristic?: boolean;
  /** Bytes held per direction past a hole before the hole is declared a gap. Default 1 MiB. */
  maxOutOfOrderBytes?: number;
  /** Segments held per direction past a hole. Default 512. */
  maxOutOfOrderSegments?: number;
  /** Bytes kept per direction to compare retransmitted bytes with. Default 32 KiB. */
  historyBytes?: number;
  /** Longest PDU assembled; longer ones are skipped by their length. Default 2^24 + 2 KiB. */
  maxPduLength?: number;
  /** Largest DataSegmentLength a resynchronisation candidate may have (Wireshark's bogus PDU filter). Default 262144. */
  huntMaxDataSegmentLength?: number;
  /** Bytes per direction examined to recognise iSCSI on a port not in `ports`. Default 1 MiB. */
  probeBytes?: number;
  /** Fragments wait this long (capture time) for the rest of their datagram. Default 30 s. */
  fragmentTimeoutMs?: number;
  /** Datagrams being reassembled at once. Default 256. */
  maxFragmentDatagrams?: number;
  /** TCP connections tracked at once; the least recently active is forgotten beyond. Default 65536. */
  maxConnections?: number;
  /**
   * Called after each chunk of a file is decoded with the bytes of the file used so far and
   * its size (for a progress bar). Not called for captures in memory.
   */
  onProgress?: (bytesDone: number, fileSize: number) => void;
}

/**
 * One captured frame, as the file readers hand it on. `data` is valid during the call only
 * (the reader's buffers are reused or released).
 */
export interface Frame {
  /** 1-based position in the file. */
  number: number;
  /** Capture time: seconds since the epoch and nanoseconds within the second. */
  sec: number;
  nsec: number;
  linkType: number;
  data: Uint8Array;
  /** Length of the frame on the wire (at least `data.length` unless the file lies). */
  wireLength: number;
  /** Byte offset of the record in the file. */
  fileOffset: number;
}

/**
 * Nanoseconds since the epoch of a frame's capture time.
 *
 * @example
 * frameTime({ sec: 1700000000, nsec: 300 } as Frame); // 1700000000000000300n
 */
export function frameTime(f: Pick<Frame, "sec" | "nsec">): bigint {
  return BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec);
}
