/**
 * Link layers and IP: every link type carries the same iSCSI conversation; IPv4 fragments
 * reassembled in any order, bounded in number and time; IPv6 extension headers skipped and
 * fragments reassembled; Ethernet padding ignored; addresses printed as people write them.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FragmentReassembler, mergeRange } from "../../src/capture/ip-fragments.js";
import { formatAddress } from "../../src/capture/ip.js";
import { ipStart, LinkType, NOT_IP } from "../../src/capture/link.js";
import {
  ethernet, ipv4, ipv4Fragments, ipv6, ipv6Ext, ipv6Fragments, loopLink, nullLink, pcapFile, sll, sll2, TCP, tcp, type Rec,
} from "./builder.js";
import { decode } from "./decode.js";
import { Flow, login, nopIn } from "./pdus.js";

/** A login and one NOP-In, with each frame wrapped by `link`. */
function conversation(link: (ip: Uint8Array, v6: boolean) => Uint8Array, v6 = false): Rec[] {
  const { request, response } = login();
  return new Flow({ link, v6 }).handshake().send("i", request).send("t", response)
    .send("t", nopIn({ itt: 5, statSN: 1, expCmdSN: 2, data: new Uint8Array(40) })).fin("i").fin("t").recs;
}

const cases: Array<[string, number, (ip: Uint8Array, v6: boolean) => Uint8Array]> = [
  ["Ethernet", LinkType.ETHERNET, (ip, v6) => ethernet(ip, v6)],
  ["Ethernet with an 802.1Q tag", LinkType.ETHERNET, (ip, v6) => ethernet(ip, v6, [[0x8100, 42]])],
  ["Ethernet with QinQ (802.1ad + 802.1Q)", LinkType.ETHERNET, (ip, v6) => ethernet(ip, v6, [[0x88a8, 7], [0x8100, 42]])],
  ["Linux cooked (SLL)", LinkType.LINUX_SLL, (ip, v6) => sll(ip, v6)],
  ["Linux cooked v2 (SLL2)", LinkType.LINUX_SLL2, (ip, v6) => sll2(ip, v6)],
  ["BSD loopback, little-endian family", LinkType.NULL, (ip, v6) => nullLink(ip, v6 ? 30 : 2, false)],
  ["BSD loopback, big-endian family", LinkType.NULL, (ip, v6) => nullLink(ip, v6 ? 24 : 2, true)],
  ["OpenBSD loopback (LOOP)", LinkType.LOOP, (ip, v6) => loopLink(ip, v6 ? 24 : 2)],
  ["raw IP (LINKTYPE_RAW 101)", LinkType.RAW, (ip) => ip],
  ["raw IP (DLT_RAW 12)", LinkType.RAW_DLT12, (ip) => ip],
  ["raw IP (DLT_RAW 14)", LinkType.RAW_DLT14, (ip) => ip],
];

for (const [name, linkType, link] of cases) {
  for (const v6 of [false, true]) {
    test(`${name}, IPv${v6 ? 6 : 4}: the conversation decodes`, () => {
      const d = decode(pcapFile(conversation(link, v6), { linkType }));
      assert.deepEqual(d.pdus.map((p) => p.opcode), [0x03, 0x23, 0x20]);
      assert.equal(d.pdus[0].conn.initiator.address, v6 ? "::1" : "127.0.0.2");
    });
  }
}

test("LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229) carry raw packets", () => {
  assert.deepEqual(decode(pcapFile(conversation((ip) => ip), { linkType: LinkType.IPV4 })).pdus.length, 3);
  assert.deepEqual(decode(pcapFile(conversation((ip) => ip, true), { linkType: LinkType.IPV6 })).pdus.length, 3);
});

test("frames that are not IP (ARP, an unknown link type, a bad version) are counted, not decoded", () => {
  const arp = Uint8Array.from([...new Array(12).fill(0), 0x08, 0x06, ...new Array(28).fill(0)]);
  assert.equal(ipStart(LinkType.ETHERNET, arp), NOT_IP);
  assert.equal(ipStart(147, new Uint8Array(60)), NOT_IP);
  assert.equal(ipStart(LinkType.RAW, Uint8Array.of(0x55)), NOT_IP);
  assert.equal(ipStart(LinkType.NULL, Uint8Array.of(7, 0, 0, 0)), NOT_IP);
  const d = decode(pcapFile([{ sec: 1, nsec: 0, data: arp }, ...conversation((ip, v6) => ethernet(ip, v6))]));
  assert.equal(d.summary.nonTcpFrames, 1);
  assert.equal(d.pdus.length, 3);
});

test("Ethernet padding after a short IPv4 packet is not taken for TCP payload", () => {
  const recs = conversation((ip, v6) => {
    const e = ethernet(ip, v6);
    return e.length >= 60 ? e : Uint8Array.from([...e, ...new Array(60 - e.length).fill(0xaa)]);
  });
  const d = decode(pcapFile(recs));
  assert.equal(d.pdus.length, 3);
  assert.equal(d.summary.malformed, 0);
});

/** One TCP segment carrying a NOP-In of `size` data bytes, as IP fragments of `fragSize`. */
function fragmentedNop(v6: boolean, fragSize: number, size: number): Uint8Array[] {
  const seg = tcp({ sport: 3260, dport: 49152, seq: 100, ack: 1, flags: TCP.ACK | TCP.PSH, payload: nopIn({ itt: 77, statSN: 1, expCmdSN: 1, data: new Uint8Array(size).fill(3) }) });
  return v6 ? ipv6Fragments(seg, fragSize, 0x1234) : ipv4Fragments(seg, fragSize, { id: 99, src: [10, 0, 0, 1], dst: [10, 0, 0, 2] });
}

for (const v6 of [false, true]) {
  test(`IPv${v6 ? 6 : 4} fragments in reverse order are reassembled into one TCP segment`, () => {
    const frags = fragmentedNop(v6, 256, 900).reverse();
    const recs = frags.map((f, i) => ({ sec: 1, nsec: i, data: ethernet(f, v6) }));
    const d = decode(pcapFile(recs));
    assert.deepEqual(d.pdus.map((p) => p.pdu.itt), [77]);
    assert.equal(d.pdus[0].pdu.data.length, 900);
    assert.deepEqual(d.summary.fragments, { seen: frags.length, reassembled: 1, dropped: 0 });
  });
}

test("a datagram missing a fragment is given up after the timeout (capture time), counted as dropped", () => {
  const frags = fragmentedNop(false, 256, 900);
  frags.splice(1, 1);
  const recs: Rec[] = frags.map((f, i) => ({ sec: 1, nsec: i, data: ethernet(f, false) }));
  recs.push({ sec: 100, nsec: 0, data: ethernet(ipv4(new Uint8Array(8), { proto: 17, id: 5 }), false) });
  recs.push({ sec: 100, nsec: 1, data: ethernet(ipv4Fragments(new Uint8Array(64), 32, { id: 6 })[0], false) });
  const d = decode(pcapFile(recs));
  assert.equal(d.pdus.length, 0);
  assert.equal(d.summary.fragments.dropped, frags.length);
});

test("fragment reassembly is bounded: beyond maxDatagrams the oldest is given up; past 65535 bytes is refused", () => {
  const r = new FragmentReassembler({ timeoutMs: 30_000, maxDatagrams: 2 });
  r.add("a", 0, true, new Uint8Array(8), 0);
  r.add("b", 0, true, new Uint8Array(8), 0);
  r.add("c", 0, true, new Uint8Array(8), 0);
  assert.equal(r.pending, 2);
  assert.equal(r.stats.dropped, 1);
  assert.equal(r.add("d", 65528, true, new Uint8Array(64), 0), undefined, "past 65535 bytes");
  assert.equal(r.stats.dropped, 3, "b made room for d, then d was refused");
  assert.equal(r.add("c", 8, false, new Uint8Array(8), 0)?.length, 16);
  assert.deepEqual(mergeRange([0, 8, 16, 24], 8, 16), [0, 24]);
  assert.deepEqual(mergeRange([16, 24], 0, 8), [0, 8, 16, 24]);
});

test("IPv6 hop-by-hop, destination options and routing headers are skipped", () => {
  const recs = conversation((ip, v6) => {
    if (!v6) return ethernet(ip, v6);
    const payload = ip.subarray(40);
    const ext = Uint8Array.from([...ipv6Ext(60), ...ipv6Ext(43), ...ipv6Ext(6)]);
    return ethernet(ipv6(payload, { next: 0, ext }), true);
  }, true);
  assert.deepEqual(decode(pcapFile(recs)).pdus.map((p) => p.opcode), [0x03, 0x23, 0x20]);
});

test("formatAddress: dotted quads and RFC 5952 IPv6", () => {
  assert.equal(formatAddress(Uint8Array.of(192, 168, 0, 1)), "192.168.0.1");
  const v6 = (words: number[]) => Uint8Array.from(words.flatMap((w) => [w >> 8, w & 0xff]));
  assert.equal(formatAddress(v6([0, 0, 0, 0, 0, 0, 0, 1])), "::1");
  assert.equal(formatAddress(v6([0x2001, 0xdb8, 0, 0, 1, 0, 0, 1])), "2001:db8::1:0:0:1");
  assert.equal(formatAddress(v6([0xfe80, 0, 0, 0, 0x1, 0x2, 0x3, 0x4])), "fe80::1:2:3:4");
  assert.equal(formatAddress(v6([1, 2, 3, 4, 5, 6, 7, 8])), "1:2:3:4:5:6:7:8");
});
