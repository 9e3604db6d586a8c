/**
 * Logins and text exchanges seen on the wire: the keys each side sent (who proposed, what
 * the other answered, what is in force), the stages, the final status by name, and the
 * targets a SendTargets answer lists.
 */
import type { LoginRequest, LoginResponse, TextResponse } from "../wire/types.js";
import { formatLoginStatus } from "../login/status.js";
import { REDACTED, isSecretKey } from "../login/chap-response.js";
import { keyDef } from "../login/keys.js";
import type { ReplayConn } from "./objects.js";

const decoder = new TextDecoder();

/**
 * The whole key=value items of a text segment whose end the capture lost (snaplen, a gap):
 * everything up to the last NUL; a value cut short would be a wrong value.
 *
 * @example
 * completeText(encodeText([["A", "1"], ["TargetName", "iqn.2024-01.org.x"]]).subarray(0, 10), true); // "A=1\0"
 */
export function completeText(data: Uint8Array, truncated: boolean): Uint8Array {
  if (!truncated) return data;
  return data.subarray(0, data.lastIndexOf(0) + 1);
}

/** Pairs of a (possibly continued) text segment; a partial pair at a C=1 boundary waits for the rest. */
function collect(conn: ReplayConn, side: "initiator" | "target", data: Uint8Array, more: boolean): Array<[string, string]> | undefined {
  const parts = conn.login!.partial[side];
  if (data.length > 0) parts.push(new Uint8Array(data)); // copied: the capture reuses its buffers
  if (more) return undefined;
  const text = decoder.decode(Buffer.concat(parts));
  conn.login!.partial[side] = [];
  return text.split("\0").filter((x) => x.includes("=")).map((x) => [x.slice(0, x.indexOf("=")), x.slice(x.indexOf("=") + 1)]);
}

/** Keys each side declares for itself (RFC 7143 §6.1): both sides' declarations are separate records. */
function declarative(key: string): boolean {
  return keyDef(key)?.result === "Declarative";
}

/** Note the keys of a Login Request or Response (text continued with C is joined first). */
export function trackKeys(conn: ReplayConn, side: "initiator" | "target", pdu: LoginRequest | LoginResponse, truncated = false): Array<[string, string]> {
  const pairs = collect(conn, side, completeText(pdu.data, truncated), pdu.continue && !truncated) ?? [];
  const keys = conn.login!.keys;
  const other = side === "initiator" ? "target" : "initiator";
  for (const [key, value] of pairs) {
    // An answer to the other side's offer, or an offer (a declaration is always its sender's own).
    const theirs = declarative(key) ? undefined : keys.get(`${other}:${key}`);
    const k = theirs ?? keys.get(`${side}:${key}`) ?? { key, proposer: side, initiator: undefined, target: undefined };
    k[side] = isSecretKey(key) ? REDACTED : value; // a secret never enters the replay's objects
    keys.set(`${k.proposer}:${key}`, k);
  }
  return pairs;
}

/** Answers that leave a key at its previous value (RFC 7143 §6.2). */
const NO_RESULT = new Set(["Reject", "Irrelevant", "NotUnderstood"]);

/**
 * The login:key probes of a finished login: each key, who proposed it, what is in force, as
 * the initiator's Negotiation and ChapInitiator record them (CHAP_C and CHAP_R redacted).
 */
export function publishKeys(conn: ReplayConn): void {
  const p = conn.probes["login:key"];
  if (!p.hasSubscribers || !conn.login) return;
  const t = conn.clock.now();
  // CHAP's keys first, then the others, in the order they were sent (the initiator's order).
  const all = [...conn.login.keys.values()];
  for (const k of [...all.filter((x) => x.key.startsWith("CHAP_")), ...all.filter((x) => !x.key.startsWith("CHAP_"))]) {
    const rule = keyDef(k.key)?.result ?? "None";
    const offered = k.proposer === "initiator" ? k.initiator : k.target;
    const answered = k.proposer === "initiator" ? k.target : k.initiator;
    let result: string | undefined;
    if (rule === "Declarative") result = offered;
    else if (answered !== undefined) result = NO_RESULT.has(answered) ? undefined : answered;
    else if ((rule === "Or" && offered === "Yes") || (rule === "And" && offered === "No")) result = offered; // §6.2.2: no answer needed
    p.publish({ conn, key: k.key, offered, answered, result, proposer: k.proposer, rule, t });
  }
}

/** login:result of a final (or refused) Login Response. */
export function publishResult(conn: ReplayConn, rsp: LoginResponse, redirectedTo: string | undefined): void {
  const p = conn.probes["login:result"];
  if (!p.hasSubscribers) return;
  const t = conn.clock.now();
  p.publish({
    conn, statusClass: rsp.statusClass, statusDetail: rsp.statusDetail, status: formatLoginStatus(rsp.statusClass, rsp.statusDetail),
    tsih: rsp.tsih, durationNs: conn.login ? t - conn.login.startT : 0n, redirectedTo, t,
  });
}

/** The value in force for a negotiated key of this connection's login (both sides' last word). */
export function negotiated(conn: ReplayConn, key: string): string | undefined {
  const k = conn.login?.keys.get(`initiator:${key}`) ?? conn.login?.keys.get(`target:${key}`);
  if (!k) return undefined;
  return k.proposer === "initiator" ? (k.target ?? k.initiator) : (k.initiator ?? k.target);
}

/**
 * discovery:target for each portal of each target in a SendTargets answer (continued Text
 * Responses are joined first). A target listed without a TargetAddress is reachable where
 * the discovery session is (RFC 7143 Appendix C), as the initiator reads it.
 */
export function publishTargets(conn: ReplayConn, rsp: TextResponse): void {
  const parts = conn.sendTargets;
  if (rsp.data.length > 0) parts.push(new Uint8Array(rsp.data));
  if (rsp.continue || !rsp.final) return;
  const text = decoder.decode(Buffer.concat(parts));
  parts.length = 0;
  const p = conn.probes["discovery:target"];
  if (!p.hasSubscribers) return;
  const t = conn.clock.now();
  const targets: Array<{ name: string; addresses: string[] }> = [];
  for (const item of text.split("\0")) {
    const eq = item.indexOf("=");
    if (eq < 0) continue;
    const [k, v] = [item.slice(0, eq), item.slice(eq + 1)];
    if (k === "TargetName") targets.push({ name: v, addresses: [] });
    else if (k === "TargetAddress" && targets.length > 0) targets[targets.length - 1].addresses.push(v);
  }
  const here = `${conn.remote},1`;
  for (const target of targets) {
    for (const address of target.addresses.length > 0 ? target.addresses : [here]) {
      const a = parseTargetAddress(address);
      if (a) p.publish({ conn, targetName: target.name, address, host: a.host, port: a.port, tpgt: a.tpgt, t });
    }
  }
}

/**
 * A TargetAddress value: `host[:port][,tpgt]`, IPv6 in brackets; undefined when unreadable.
 *
 * @example
 * parseTargetAddress("[::1]:3261,2"); // { host: "::1", port: 3261, tpgt: 2 }
 */
export function parseTargetAddress(v: string): { host: string; port: number; tpgt: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:,\[\]]+))(?::(\d{1,5}))?(?:,(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  const port = Number(m[3] ?? 3260);
  const tpgt = Number(m[4] ?? 1);
  if (port > 65535 || tpgt > 65535) return undefined;
  return { host: m[1] ?? m[2], port, tpgt };
}

export { formatLoginStatus };
