/** Small helpers shared by the capture tests: decode bytes, pick events, one line per PDU. */
import { decodeCaptureBytes } from "../../src/capture/read-capture.js";
import type { CaptureEvent, CaptureOptions, CaptureSummary, PduEvent } from "../../src/capture/types.js";

export interface Decoded {
  events: CaptureEvent[];
  summary: CaptureSummary;
  pdus: PduEvent[];
  of<T extends CaptureEvent["type"]>(type: T): Extract<CaptureEvent, { type: T }>[];
}

/**
 * Decode a capture held in memory and keep every event.
 *
 * @example
 * const d = decode(pcapFile(flow.recs));
 * assert.deepEqual(d.pdus.map((p) => p.opcode), [0x03, 0x23]);
 */
export function decode(bytes: Uint8Array, opts: CaptureOptions = {}): Decoded {
  const events: CaptureEvent[] = [];
  const summary = decodeCaptureBytes(bytes, (e) => events.push(e), { name: "test.pcap", ...opts });
  const of = <T extends CaptureEvent["type"]>(type: T) => events.filter((e): e is Extract<CaptureEvent, { type: T }> => e.type === type);
  return { events, summary, pdus: of("pdu"), of };
}

/** "0x25 itt=7 dsl=512 target->initiator" — enough to compare PDU lists in a failure message. */
export function pduLine(p: PduEvent): string {
  const dsl = p.pdu.data.length + p.lost;
  return `0x${p.opcode.toString(16).padStart(2, "0")} itt=${p.pdu.itt} dsl=${dsl} ${p.direction}`;
}
