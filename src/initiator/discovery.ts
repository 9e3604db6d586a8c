/**
 * SendTargets discovery (RFC 7143 §13.3, Appendix C): a Text Request `SendTargets=All` on a
 * discovery session, the answer collected over as many Text Responses as the target needs
 * (C bit, TTT), parsed into targets × portals × TPGT.
 */
import { TaskError } from "../errors.js";
import { RESERVED_TAG } from "../wire/layout.js";
import { snAdd } from "../wire/serial.js";
import { encodeText, TextAccumulator, type TextPair } from "../wire/text.js";
import type { Connection } from "./connection.js";
import { parsePortal, type Portal } from "./options.js";

/** A target reported by SendTargets, with every portal it listed. */
export interface DiscoveredTarget {
  targetName: string;
  portals: Array<Portal & { tpgt: number }>;
  /** Where the answer came from. */
  discoveryPortal: string;
}

/** Ask for SendTargets=All and collect every Text Response of the answer. */
export async function sendTargets(conn: Connection): Promise<TextPair[]> {
  const s = conn.session;
  const acc = new TextAccumulator();
  const itt = s.nextItt();
  let ttt = RESERVED_TAG;
  let data = encodeText([["SendTargets", "All"]]);
  for (let round = 0; round < 1024; round++) {
    const cmdSN = s.cmdSN;
    s.cmdSN = snAdd(s.cmdSN, 1);
    const rsp = await conn.exchange({
      kind: "text-request", immediate: false, final: true, continue: false, lun: 0n, itt, ttt, cmdSN,
      expStatSN: conn.expStatSN, ahs: [], data,
    });
    if (rsp.kind !== "text-response") throw new TaskError("ERR_PROTOCOL", `SendTargets answered with ${rsp.kind}`);
    const pairs = acc.add(rsp.data, rsp.continue || !rsp.final);
    if (pairs) return pairs;
    ttt = rsp.ttt;
    data = new Uint8Array(0);
  }
  throw new TaskError("ERR_PROTOCOL", "SendTargets answer did not end after 1024 Text Responses");
}

/**
 * Turn SendTargets pairs into targets: each TargetName starts a target; the TargetAddress
 * pairs after it are its portals ("host:port,tpgt", IPv6 in brackets). A target listed
 * without an address is reachable at the discovery portal (RFC 7143 Appendix C).
 */
export function parseSendTargets(pairs: readonly TextPair[], discovery: Portal, discoveryPortal: string): DiscoveredTarget[] {
  const out: DiscoveredTarget[] = [];
  let cur: DiscoveredTarget | undefined;
  for (const [k, v] of pairs) {
    if (k === "TargetName") {
      cur = { targetName: v, portals: [], discoveryPortal };
      out.push(cur);
    } else if (k === "TargetAddress" && cur) {
      const comma = v.lastIndexOf(",");
      const addr = comma > v.lastIndexOf("]") ? v.slice(0, comma) : v;
      const tpgt = comma > v.lastIndexOf("]") ? Number(v.slice(comma + 1)) : 1;
      try {
        cur.portals.push({ ...parsePortal(addr), tpgt: Number.isInteger(tpgt) ? tpgt : 1 });
      } catch {
        // an unreadable address is skipped; the target keeps its other portals
      }
    }
  }
  for (const t of out) if (t.portals.length === 0) t.portals.push({ ...discovery, tpgt: 1 });
  return out;
}
