/**
 * Every capture in fixtures/pcap (recorded from tgtd, libiscsi and our initiator by
 * fixtures/pcap/record.sh) against tshark's view of it, checked in beside it:
 *
 * - NAME.tshark.txt: one line per PDU (frame, opcode, ITT, LUN, CmdSN, ExpStatSN, StatSN,
 *   DataSegmentLength). Ours must be the same list, line for line; a column tshark leaves
 *   empty ("-") is one tshark does not show for that opcode (TSHARK_SHOWS below).
 * - NAME.srt.txt: `tshark -z scsi,srt,0`. The same table computed from our PDUs (command to
 *   status, per connection and ITT) must agree to the microsecond tshark prints.
 *
 * Where tshark and we differ by design (a capture that starts inside a PDU, a PDU starting
 * in the last bytes of a segment) is shown on synthetic captures in tshark-differences.test.ts;
 * none of these fixtures hits such a case, so here the lists are equal.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { decodeCapture } from "../../src/capture/read-capture.js";
import type { CaptureEvent, CaptureSummary, PduEvent } from "../../src/capture/types.js";
import { fixturePath } from "../helpers/paths.js";

interface FixtureIndex { fixtures: Record<string, { file: string; port: number; what: string; how: string }> }
const index = JSON.parse(readFileSync(fixturePath("pcap", "index.json"), "utf8")) as FixtureIndex;

/**
 * Which of the columns tshark 4.0 shows, by opcode (read off the fixtures; opcodes that no
 * fixture holds follow the RFC's fields). LUN: not on Data-In, although the PDU has one.
 */
const TSHARK_SHOWS = {
  lun: new Set([0x00, 0x01, 0x02, 0x04, 0x05, 0x10, 0x20, 0x24, 0x31, 0x32]),
  cmdSN: new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x06]),
  expStatSN: new Set([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x10]),
  statSN: new Set([0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x31, 0x32, 0x3f]),
};

const hex = (n: number, w: number) => `0x${n.toString(16).padStart(w, "0")}`;

/** Our PDU as tshark's line. */
function line(e: PduEvent): string {
  const p = e.pdu as PduEvent["pdu"] & { lun?: bigint; cmdSN?: number; expStatSN?: number; statSN?: number };
  const op = e.opcode;
  const lun = p.lun === undefined ? 0 : Number((p.lun >> 48n) & 0x3fffn);
  return [
    e.frame, hex(op, 2), hex(p.itt >>> 0, 8),
    TSHARK_SHOWS.lun.has(op) ? hex(lun, 4) : "-",
    TSHARK_SHOWS.cmdSN.has(op) ? p.cmdSN : "-",
    TSHARK_SHOWS.expStatSN.has(op) ? p.expStatSN : "-",
    TSHARK_SHOWS.statSN.has(op) ? p.statSN : "-",
    e.dataSegmentLength,
  ].join(" ");
}

function tsharkLines(name: string): string[] {
  return readFileSync(fixturePath("pcap", `${name}.tshark.txt`), "utf8").split("\n").filter((l) => l !== "" && !l.startsWith("#"));
}

interface SrtRow { index: number; calls: number; min: number; max: number; avg: number; sum: number }

function tsharkSrt(name: string): SrtRow[] {
  const row = /^\s*(\d+)\s+.+?\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/;
  return readFileSync(fixturePath("pcap", `${name}.srt.txt`), "utf8").split("\n").flatMap((l) => {
    const m = row.exec(l);
    return m ? [{ index: Number(m[1]), calls: Number(m[2]), min: Number(m[3]), max: Number(m[4]), avg: Number(m[5]), sum: Number(m[6]) }] : [];
  });
}

/** SCSI commands tshark's SBC table (cmdset 0) leaves out: SPC commands. */
const NOT_SBC = new Set([0x03, 0x12, 0x1a, 0x5a, 0xa0]);
const CHECK_CONDITION = 0x02;

/** Service response times from our PDUs: command to status, per connection and ITT, CHECK CONDITION left out (as tshark does). */
function ourSrt(pdus: PduEvent[]): Map<number, number[]> {
  const pending = new Map<string, { op: number; t: bigint }>();
  const out = new Map<number, number[]>();
  for (const e of pdus) {
    const p = e.pdu;
    if (p.kind === "scsi-command") pending.set(`${e.conn.id}/${p.itt}`, { op: p.cdb[0], t: e.time });
    const status = p.kind === "scsi-response" ? p.status : p.kind === "data-in" && p.statusPresent ? p.status : undefined;
    if (status === undefined) continue;
    const cmd = pending.get(`${e.conn.id}/${p.itt}`);
    pending.delete(`${e.conn.id}/${p.itt}`);
    if (cmd === undefined || status === CHECK_CONDITION) continue;
    out.set(cmd.op, [...(out.get(cmd.op) ?? []), Number(e.time - cmd.t) / 1e9]);
  }
  return out;
}

function checkSrt(name: string, pdus: PduEvent[]): void {
  const ours = ourSrt(pdus);
  const theirs = tsharkSrt(name);
  for (const r of theirs) {
    const s = ours.get(r.index) ?? [];
    assert.equal(s.length, r.calls, `${name}: calls of SCSI opcode ${r.index}`);
    const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1.5e-6, `${name} opcode ${r.index} ${what}: ours ${a}, tshark ${b}`);
    near(Math.min(...s), r.min, "min");
    near(Math.max(...s), r.max, "max");
    near(s.reduce((a, b) => a + b, 0), r.sum, "sum");
  }
  for (const op of ours.keys()) {
    assert.ok(theirs.some((r) => r.index === op) || NOT_SBC.has(op), `${name}: opcode ${op} timed by us, not by tshark`);
  }
}

async function decodeFixture(name: string): Promise<{ events: CaptureEvent[]; pdus: PduEvent[]; summary: CaptureSummary }> {
  const f = index.fixtures[name];
  const events: CaptureEvent[] = [];
  const summary = await decodeCapture(fixturePath("pcap", f.file), (e) => events.push(e), { ports: [f.port] });
  return { events, pdus: events.filter((e): e is PduEvent => e.type === "pdu"), summary };
}

/** What else must hold per fixture, beyond tshark's list. */
const EXTRA: Record<string, (d: Awaited<ReturnType<typeof decodeFixture>>) => void> = {
  "tgtd-digests": (d) => {
    const ffp = d.pdus.filter((p) => p.opcode !== 0x03 && p.opcode !== 0x23);
    assert.ok(ffp.every((p) => p.headerDigest === "good"));
    assert.ok(ffp.every((p) => p.dataDigest === (p.pdu.data.length > 0 ? "good" : "none")));
  },
  "tgtd-hdigest-libiscsi": (d) => {
    assert.ok(d.pdus.filter((p) => p.opcode !== 0x03 && p.opcode !== 0x23).every((p) => p.headerDigest === "good" && p.dataDigest === "none"));
  },
  "tgtd-chap-fail": (d) => {
    const r = d.pdus.map((p) => p.pdu).filter((p) => p.kind === "login-response").at(-1);
    assert.ok(r?.kind === "login-response" && r.statusClass === 2 && r.statusDetail === 1, "authentication failure 0x0201");
  },
  "tgtd-check-condition": (d) => {
    // Fixed-format sense after the 2-byte SenseLength: byte 2 is the sense key, byte 12 the ASC.
    const sense = d.pdus.map((p) => p.pdu).filter((p) => p.kind === "scsi-response" && p.status === CHECK_CONDITION)
      .map((p) => [p.data[2 + 2] & 0x0f, p.data[2 + 12]]);
    assert.deepEqual(sense, [[0x06, 0x29], [0x05, 0x21]], "UNIT ATTENTION (power on, reset) first, then ILLEGAL REQUEST (LBA out of range)");
  },
  "tgtd-sessions": (d) => assert.equal(d.summary.iscsiConnections, 3),
  "tgtd-drop": (d) => {
    assert.equal(d.summary.iscsiConnections, 2);
    const first = d.events.filter((e) => e.type === "tcp" && e.conn.id === 1 && e.flag === "fin");
    assert.equal(first[0].type === "tcp" && first[0].direction, "target->initiator", "the target closed first");
  },
  "tgtd-ipv6": (d) => assert.equal(d.pdus[0].conn.target.address, "::1"),
  "tgtd-digests-snap200": (d) => {
    assert.ok(d.summary.gaps > 0 && d.events.every((e) => e.type !== "gap" || e.reason === "snaplen"));
    assert.equal(d.summary.malformed, 0);
    assert.ok(d.pdus.some((p) => p.lost > 0 && p.dataDigest === "unchecked"));
  },
  "tgtd-r2t-midstream": (d) => assert.equal(d.pdus[0].conn.handshake, false),
};

for (const [name, f] of Object.entries(index.fixtures)) {
  test(`fixture ${name}: PDUs and service response times as tshark shows them (${f.what})`, async () => {
    const d = await decodeFixture(name);
    assert.deepEqual(d.pdus.map(line), tsharkLines(name));
    checkSrt(name, d.pdus);
    if (!name.includes("snap200")) {
      assert.equal(d.summary.gaps, 0, d.summary.verdict);
      assert.equal(d.summary.malformed, 0, d.summary.verdict);
    }
    assert.equal(d.summary.digestErrors, 0);
    assert.equal(d.summary.warnings, 0);
    EXTRA[name]?.(d);
  });
}

test("variants decode to the PDUs and times of their source (pcapng, nanosecond pcap)", async () => {
  const times = async (name: string) => (await decodeFixture(name)).pdus.map((p) => `${p.frame}/${p.opcode}/${p.time}`);
  assert.deepEqual(await times("tgtd-digests-pcapng"), await times("tgtd-digests"));
  assert.deepEqual(await times("tgtd-r2t-nsec"), await times("tgtd-r2t"));
});
