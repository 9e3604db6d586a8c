/**
 * Capture decoding: pcap and pcapng files of iSCSI traffic turned into a stream of iSCSI
 * PDUs per TCP connection and direction, with TCP events, gaps and trouble (src/replay
 * builds sessions from it). Imports nothing of ours but src/wire (and the shared errors).
 */
export { readCapture, decodeCapture, decodeCaptureBytes, type CaptureStream } from "./read-capture.js";
export { CaptureError, type CaptureErrorCode } from "./errors.js";
export { LinkType } from "./link.js";
export { frameTime } from "./types.js";
export type {
  CaptureEvent, CaptureOptions, CaptureSummary, ConnectionInfo, ConnectionOpenEvent, DigestCheck, Direction, Endpoint,
  EndEvent, EventBase, Frame, GapEvent, GapReason, MalformedEvent, MalformedReason, PduEvent, TcpEvent, TroubleEvent,
  TroubleKind, WarningCode, WarningEvent,
} from "./types.js";
