/**
 * IPv4 (RFC 791) and IPv6 (RFC 8200) headers: addresses, the transport protocol, the
 * transport bytes captured and their length on the wire (what snaplen cut is the
 * difference), fragments through {@link FragmentReassembler}, IPv6 extension headers skipped.
 */
import type { FragmentReassembler } from "./ip-fragments.js";

/**
 * The transport part of one IP packet (or of a reassembled datagram). The addresses are
 * `addrLength` bytes each, source then destination, at `addr[addrAt]` (the packet's own
 * header: no view is made per packet); {@link ipSource} and {@link ipDestination} cut them out.
 */
export interface IpPayload {
  version: 4 | 6;
  addr: Uint8Array;
  addrAt: number;
  /** 4 or 16. */
  addrLength: number;
  protocol: number;
  /** Transport bytes captured. */
  payload: Uint8Array;
  /** Transport bytes on the wire, from the IP length fields. */
  wireLength: number;
}

/**
 * The source address of `ip` (a view of the packet).
 *
 * @example
 * formatAddress(ipSource(ip)); // "127.0.0.1"
 */
export function ipSource(ip: IpPayload): Uint8Array {
  return ip.addr.subarray(ip.addrAt, ip.addrAt + ip.addrLength);
}

/**
 * The destination address of `ip` (a view of the packet).
 *
 * @example
 * formatAddress(ipDestination(ip)); // "::1"
 */
export function ipDestination(ip: IpPayload): Uint8Array {
  return ip.addr.subarray(ip.addrAt + ip.addrLength, ip.addrAt + 2 * ip.addrLength);
}

/** IP protocol number of TCP. */
export const PROTO_TCP = 6;
/** IPv6 extension headers with the generic (next, length in 8-octet units - 1) layout. */
const V6_GENERIC_EXT = new Set([0, 43, 60, 135, 139, 140]);
const V6_FRAGMENT = 44;
const V6_AH = 51;
const MAX_EXT_HEADERS = 16;

/** Result of {@link parseIp}: the payload, a fragment kept for later, or why the packet is unusable. */
export type IpResult = IpPayload | "fragment" | { bad: string };

/**
 * Parse the IP packet at `d[at]` (version from the link layer).
 *
 * @example
 * const r = parseIp(frame.data, 14, 4, frags, frame.sec);
 * if (typeof r === "object" && "payload" in r && r.protocol === PROTO_TCP) tcp(r);
 */
export function parseIp(d: Uint8Array, at: number, version: number, frags: FragmentReassembler, sec: number): IpResult {
  return version === 4 ? ipv4(d, at, frags, sec) : ipv6(d, at, frags, sec);
}

function ipv4(d: Uint8Array, at: number, frags: FragmentReassembler, sec: number): IpResult {
  if (d.length < at + 20) return { bad: "IPv4 header cut short" };
  if (d[at] >> 4 !== 4) return { bad: `IP version ${d[at] >> 4} where the link layer says IPv4` };
  const ihl = (d[at] & 0x0f) * 4;
  let total = (d[at + 2] << 8) | d[at + 3];
  const captured = d.length - at;
  if (total === 0) total = captured; // TSO: the capturing host had not filled the length in yet
  if (ihl < 20 || total < ihl) return { bad: `IPv4 header length ${ihl} / total length ${total} impossible` };
  if (captured < ihl) return { bad: "IPv4 options cut short" };
  const protocol = d[at + 9];
  const end = at + Math.min(total, captured); // Ethernet pads short frames: trim to the IP length
  const flagsOffset = (d[at + 6] << 8) | d[at + 7];
  const more = (flagsOffset & 0x2000) !== 0;
  const offset = (flagsOffset & 0x1fff) * 8;
  if (!more && offset === 0) {
    return { version: 4, addr: d, addrAt: at + 12, addrLength: 4, protocol, payload: d.subarray(at + ihl, end), wireLength: total - ihl };
  }
  if (captured < total) return { bad: "IPv4 fragment cut by the snapshot length" };
  const addr = d.subarray(at + 12, at + 20);
  const key = `4|${addr.subarray(0, 4).join(".")}|${addr.subarray(4).join(".")}|${protocol}|${(d[at + 4] << 8) | d[at + 5]}`;
  const whole = frags.add(key, offset, more, d.subarray(at + ihl, end), sec);
  if (whole === undefined) return "fragment";
  return { version: 4, addr: addr.slice(), addrAt: 0, addrLength: 4, protocol, payload: whole, wireLength: whole.length };
}

function ipv6(d: Uint8Array, at: number, frags: FragmentReassembler, sec: number): IpResult {
  if (d.length < at + 40) return { bad: "IPv6 header cut short" };
  if (d[at] >> 4 !== 6) return { bad: `IP version ${d[at] >> 4} where the link layer says IPv6` };
  let payloadLen = (d[at + 4] << 8) | d[at + 5];
  const captured = d.length - at - 40;
  if (payloadLen === 0) payloadLen = captured; // jumbogram or TSO
  const body = d.subarray(at + 40, at + 40 + Math.min(payloadLen, captured));
  return v6Extensions(d[at + 6], body, payloadLen, d.subarray(at + 8, at + 40), frags, sec);
}

/** Walk extension headers from `next` over `body` (whose wire length is `wire`); `addr` is source then destination. */
function v6Extensions(first: number, body: Uint8Array, wire: number, addr: Uint8Array, frags: FragmentReassembler, sec: number): IpResult {
  let next = first;
  let o = 0;
  for (let n = 0; n < MAX_EXT_HEADERS; n++) {
    if (V6_GENERIC_EXT.has(next) || next === V6_AH) {
      if (body.length < o + 2) return { bad: "IPv6 extension header cut short" };
      const len = next === V6_AH ? (body[o + 1] + 2) * 4 : (body[o + 1] + 1) * 8;
      next = body[o];
      o += len;
      continue;
    }
    if (next === V6_FRAGMENT) return v6Fragment(body, o, wire, addr, frags, sec);
    if (o > body.length) return { bad: "IPv6 extension headers run past the packet" };
    return { version: 6, addr, addrAt: 0, addrLength: 16, protocol: next, payload: body.subarray(o), wireLength: wire - o };
  }
  return { bad: `more than ${MAX_EXT_HEADERS} IPv6 extension headers` };
}

function v6Fragment(body: Uint8Array, o: number, wire: number, addr: Uint8Array, frags: FragmentReassembler, sec: number): IpResult {
  if (body.length < o + 8) return { bad: "IPv6 fragment header cut short" };
  if (body.length < wire) return { bad: "IPv6 fragment cut by the snapshot length" };
  const next = body[o];
  const offset = ((body[o + 2] << 8) | body[o + 3]) & 0xfff8;
  const more = (body[o + 3] & 1) !== 0;
  const id = ((body[o + 4] << 24) | (body[o + 5] << 16) | (body[o + 6] << 8) | body[o + 7]) >>> 0;
  const key = `6|${Buffer.from(addr.buffer, addr.byteOffset, 32).toString("hex")}|${id}`;
  const part = body.subarray(o + 8);
  const whole = offset === 0 && !more ? part : frags.add(key, offset, more, part, sec);
  if (whole === undefined) return "fragment";
  return v6Extensions(next, whole, whole.length, addr.slice(), frags, sec);
}

/**
 * An address as people write it: dotted quad, or RFC 5952 IPv6 (longest zero run as `::`).
 *
 * @example
 * formatAddress(new Uint8Array(16).fill(0).fill(1, 15)); // "::1"
 */
export function formatAddress(a: Uint8Array): string {
  if (a.length === 4) return a.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((a[i] << 8) | a[i + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
