/**
 * Text Requests in full feature phase (RFC 7143 §11.10–11.11): SendTargets, and keys
 * renegotiated after login. An answer longer than the initiator's MaxRecvDataSegmentLength
 * (or the `textChunk` option) goes out in pieces: C bit and a TTT on each but the last, the
 * initiator asking for the next with an empty Text Request carrying that TTT. A request
 * continued by the initiator (its C bit) is acknowledged with empty responses until done.
 */
import { TextError } from "../../../src/errors.js";
import { RESERVED_TAG as NONE } from "../../../src/wire/layout.js";
import { encodeText, splitText, TextAccumulator, type TextPair } from "../../../src/wire/text.js";
import type { TextRequest } from "../../../src/wire/types.js";
import type { FakeConnection } from "./connection.js";
import type { TargetNode } from "./session.js";

/** Per-connection state of a Text exchange. */
export class TextState {
  readonly acc = new TextAccumulator();
  /** The TTT we gave the initiator while it continues its request. */
  inboundTtt = NONE;
  /** Pieces of our answer still to send, under `ttt`. */
  outbound: { ttt: number; chunks: Uint8Array[] } | undefined;
}

export function onTextRequest(conn: FakeConnection, req: TextRequest, header: Uint8Array): void {
  const st = conn.text;
  if (req.ttt !== NONE) {
    if (st.outbound && req.ttt === st.outbound.ttt) return sendNext(conn, req);
    if (req.ttt !== st.inboundTtt) return conn.protocolError(0x09, header, `Text Request with unknown TTT ${req.ttt}`);
  } else {
    // TTT 0xffffffff starts a new exchange and resets any continued one (RFC 7143 §11.10.4).
    st.outbound = undefined;
    if (st.inboundTtt !== NONE && !req.continue) st.acc.reset();
  }
  let pairs: TextPair[] | undefined;
  try {
    pairs = st.acc.add(req.data, req.continue);
  } catch (e) {
    if (!(e instanceof TextError)) throw e;
    return conn.protocolError(0x09, header, `Text Request: ${e.message}`);
  }
  if (!pairs) {
    st.inboundTtt = conn.nextTtt();
    return respond(conn, req, { final: false, more: false, ttt: st.inboundTtt, data: new Uint8Array(0) });
  }
  st.inboundTtt = NONE;
  const chunks = splitText(encodeText(answer(conn, pairs)), chunkSize(conn));
  st.outbound = { ttt: conn.nextTtt(), chunks };
  sendNext(conn, req);
}

function chunkSize(conn: FakeConnection): number {
  return Math.min(conn.core.opts.textChunk ?? Infinity, conn.params.initiatorMRDSL);
}

function sendNext(conn: FakeConnection, req: TextRequest): void {
  const out = conn.text.outbound!;
  const data = out.chunks.shift() ?? new Uint8Array(0);
  const more = out.chunks.length > 0;
  if (!more) conn.text.outbound = undefined;
  respond(conn, req, { final: !more, more, ttt: more ? out.ttt : NONE, data });
}

function respond(conn: FakeConnection, req: TextRequest, r: { final: boolean; more: boolean; ttt: number; data: Uint8Array }): void {
  conn.send({
    kind: "text-response", final: r.final, continue: r.more, lun: req.lun, itt: req.itt, ttt: r.ttt,
    statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: r.data,
  });
}

/** SendTargets, then any other keys through the connection's negotiator. */
function answer(conn: FakeConnection, pairs: TextPair[]): TextPair[] {
  const out: TextPair[] = [];
  const rest: TextPair[] = [];
  for (const [k, v] of pairs) {
    if (k === "SendTargets") out.push(...sendTargets(conn, v));
    else rest.push([k, v]);
  }
  const neg = conn.negotiator;
  if (neg && rest.length > 0) {
    out.push(...neg.answer(rest, true));
    conn.params = { ...conn.params, initiatorMRDSL: neg.initiatorMaxRecv };
  }
  return out;
}

/**
 * RFC 7143 §12.3 / Appendix C: in a discovery session "All" lists every target and a name
 * lists that one; in a normal session the answer is about the session's own target.
 */
function sendTargets(conn: FakeConnection, value: string): TextPair[] {
  const core = conn.core;
  const own = conn.session?.node;
  let nodes: TargetNode[];
  if (own) nodes = value === "" || value === "All" || value === own.cfg.name ? [own] : [];
  else if (value === "All") nodes = [...core.nodes.values()];
  else nodes = [...core.nodes.values()].filter((n) => n.cfg.name === value);
  const out: TextPair[] = [];
  for (const n of nodes) {
    out.push(["TargetName", n.cfg.name]);
    for (const a of core.targetAddresses(n)) out.push(["TargetAddress", a]);
  }
  return out;
}
