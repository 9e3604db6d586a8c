/**
 * iscsisnoop and iscsistat --pcap, run as a user runs them, on the fixtures recorded from
 * tgtd (fixtures/pcap) whose tshark view is checked in beside them: a line per PDU in
 * tshark's order and number, the SRT table equal to `tshark -z scsi,srt,0`, the filters,
 * NDJSON, the recording (--db) read back by `iscsiscope report`, CHAP secrets nowhere, bad
 * files in one line, and a reader that goes away mid-output.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeCaptureBytes } from "../../src/capture/index.js";
import { BINS, runBin } from "../helpers/cli.js";
import { fixturePath } from "../helpers/paths.js";

const INDEX = JSON.parse(readFileSync(fixturePath("pcap", "index.json"), "utf8")) as { fixtures: Record<string, { file: string; port: number }> };
const FIXTURES = Object.entries(INDEX.fixtures);
const port = (name: string) => String(INDEX.fixtures[name].port);
const file = (name: string) => fixturePath("pcap", INDEX.fixtures[name].file);
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), "iscsiscope-snoop-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** tshark's PDU list of a fixture: frame and opcode per PDU. */
function tsharkPdus(name: string): Array<{ frame: number; opcode: number; itt: string }> {
  return readFileSync(fixturePath("pcap", `${name}.tshark.txt`), "utf8").split("\n").filter((l) => /^\d/.test(l)).map((l) => {
    const [frame, opcode, itt] = l.split(" ");
    return { frame: Number(frame), opcode: Number(opcode), itt };
  });
}

/** tshark's SRT rows: opcode -> calls, min, max, sum (seconds). */
function tsharkSrt(name: string): Map<number, { calls: number; min: number; max: number; sum: number }> {
  const row = /^\s*(\d+)\s+.+?\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/;
  const out = new Map<number, { calls: number; min: number; max: number; sum: number }>();
  for (const l of readFileSync(fixturePath("pcap", `${name}.srt.txt`), "utf8").split("\n")) {
    const m = row.exec(l);
    if (m) out.set(Number(m[1]), { calls: Number(m[2]), min: Number(m[3]), max: Number(m[4]), sum: Number(m[6]) });
  }
  return out;
}

/** SPC commands tshark's SBC table (cmdset 0) does not time; we do. */
const NOT_SBC = new Set([0x03, 0x12, 0x1a, 0x5a, 0xa0]);

for (const [name] of FIXTURES) {
  test(`iscsisnoop ${name}: a line per PDU, the frames and opcodes tshark lists; summary SRT equals tshark -z scsi,srt`, async () => {
    const lines = await runBin(BINS.iscsisnoop, ["--json", "--port", port(name), file(name)]);
    assert.equal(lines.code, 0, lines.stderr);
    const pdus = lines.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; frame: number; opcode: number }).filter((r) => r.type === "pdu");
    const theirs = tsharkPdus(name);
    // Where we differ from tshark by design (a capture starting inside a PDU, bytes lost), tshark
    // lists fewer PDUs (test/capture/tshark-differences.test.ts); every PDU it lists we list too.
    const ours = new Set(pdus.map((p) => `${p.frame}/${p.opcode}`));
    for (const p of theirs) assert.ok(ours.has(`${p.frame}/${p.opcode}`), `${name}: tshark's PDU in frame ${p.frame} (opcode ${p.opcode})`);
    if (!name.includes("midstream") && !name.includes("snap200")) assert.equal(pdus.length, theirs.length, `${name}: PDU count`);

    const sum = await runBin(BINS.iscsisnoop, ["summary", "--json", "--port", port(name), file(name)]);
    assert.equal(sum.code, 0, sum.stderr);
    const j = JSON.parse(sum.stdout) as { srt: Array<{ op: number; calls: number; minS: number; maxS: number; sumS: number; p50S: number; p99S: number }> };
    const srt = tsharkSrt(name);
    for (const [op, r] of srt) {
      const mine = j.srt.find((x) => x.op === op);
      assert.ok(mine, `${name}: opcode ${op} in our SRT table`);
      assert.equal(mine.calls, r.calls, `${name}: calls of opcode ${op}`);
      for (const [a, b, what] of [[mine.minS, r.min, "min"], [mine.maxS, r.max, "max"], [mine.sumS, r.sum, "sum"]] as const) {
        assert.ok(Math.abs(a - b) <= 1.5e-6, `${name} opcode ${op} ${what}: ours ${a}, tshark ${b}`);
      }
      assert.ok(mine.minS <= mine.p50S && mine.p50S <= mine.p99S && mine.p99S <= mine.maxS, "percentiles within min..max");
    }
    for (const x of j.srt) assert.ok(srt.has(x.op) || NOT_SBC.has(x.op), `${name}: opcode ${x.op} timed by us, not by tshark`);
  });
}

test("iscsisnoop: status and sense by name, response times, and the filters (--errors, --opcode, --itt, --lun, --session)", async () => {
  const all = await runBin(BINS.iscsisnoop, ["--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /SCSI Command {2}ITT 0x00000004 {2}LUN 1 {2}Read\(10\) LBA 16384 blocks 1 EDTL 512 CmdSN 3/);
  assert.match(all.stdout, /SCSI Response {2}ITT 0x00000004 {2}LUN 1 {2}Read\(10\) CHECK CONDITION ILLEGAL REQUEST: LOGICAL BLOCK ADDRESS OUT OF RANGE \(0x21\/0x00\) underflow 512 [\d.]+ ms/);
  assert.match(all.stdout, /= S1 .* ended: user-logout/);
  const errors = await runBin(BINS.iscsisnoop, ["-e", "--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.deepEqual(errors.stdout.trim().split("\n").map((l) => /ITT (0x\w+)/.exec(l)?.[1]), ["0x00000002", "0x00000004"], "the two CHECK CONDITIONs, nothing else");
  const rsp = await runBin(BINS.iscsisnoop, ["--opcode", "scsi-response,0x25", "--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.ok(rsp.stdout.trim().split("\n").every((l) => / (SCSI Response|SCSI Data In) /.test(l)));
  const itt = await runBin(BINS.iscsisnoop, ["--itt", "0x4", "--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.equal(itt.stdout.trim().split("\n").length, 2, "the command and its response");
  const lun0 = await runBin(BINS.iscsisnoop, ["--lun", "0", "--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.equal(lun0.stdout, "");
  const sessions = await runBin(BINS.iscsisnoop, ["--session", "2", "--port", port("tgtd-sessions"), file("tgtd-sessions")]);
  assert.ok(sessions.stdout.trim().split("\n").every((l) => / S2 /.test(l)), "only session 2");
  const verbose = await runBin(BINS.iscsisnoop, ["-v", "--itt", "0x4", "--port", port("tgtd-check-condition"), file("tgtd-check-condition")]);
  assert.match(verbose.stdout, /\n {8}expectedDataTransferLength: 512\n/);
  assert.match(verbose.stdout, /\n {8}residualCount: 512\n/);
});

test("iscsisnoop summary: sessions with keys and timeline, the recovery and disconnects of a dropped connection, TCP trouble", async () => {
  const r = await runBin(BINS.iscsisnoop, ["summary", "--port", port("tgtd-drop"), file("tgtd-drop")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /S1 Normal iqn\.2024-01\.org\.iscsiscope:capture-fixture at 127\.0\.0\.1:38865/);
  assert.match(r.stdout, /MaxBurstLength=262144 +initiator offered 16776192, answered 262144/);
  assert.match(r.stdout, /session LOGGED_IN -> FAILED \(N5\)/);
  assert.match(r.stdout, /target-closed +the target closed the TCP connection \(FIN\)/);
  assert.match(r.stdout, /attempt 1 after \d+ ms \(target-closed\)/);
  assert.match(r.stdout, /retransmissions \d+, overlaps 0/);
  const fail = await runBin(BINS.iscsisnoop, ["summary", "--port", port("tgtd-chap-fail"), file("tgtd-chap-fail")]);
  assert.match(fail.stdout, /login 0x0201 Authentication failure/);
  assert.match(fail.stdout, /login-failed +login failed: 0x0201 Authentication failure/);
});

test("iscsisnoop: CHAP challenges and responses never appear, in lines, -v, --json, summary or the recording", async () => {
  const bytes = readFileSync(file("tgtd-chap"));
  const secrets: string[] = [];
  decodeCaptureBytes(bytes, (e) => {
    if (e.type !== "pdu" || (e.pdu.kind !== "login-request" && e.pdu.kind !== "login-response")) return;
    for (const m of new TextDecoder().decode(e.pdu.data).matchAll(/CHAP_[CR]=(0x[0-9a-fA-F]+)/g)) secrets.push(m[1].slice(2).toLowerCase());
  }, { ports: [Number(port("tgtd-chap"))] });
  assert.ok(secrets.length >= 2, "the capture holds a challenge and a response");
  const db = join(dir, "chap.sqlite");
  const outs = await Promise.all([[], ["-v"], ["--json"], ["summary"], ["summary", "--json"], ["--db", db]].map((a) => runBin(BINS.iscsisnoop, [...a, "--port", port("tgtd-chap"), file("tgtd-chap")])));
  const text = outs.map((o) => (o.stdout + o.stderr).toLowerCase()).join("\n") + readFileSync(db).toString("latin1").toLowerCase();
  for (const s of secrets) assert.ok(!text.includes(s.slice(0, 16)), "a CHAP value leaked");
  assert.match(outs[1].stdout, /CHAP_R=<redacted>/);
});

test("iscsisnoop --db: the replay recorded; iscsiscope report reads the sessions, disconnects and latencies back", async () => {
  const db = join(dir, "drop.sqlite");
  const r = await runBin(BINS.iscsisnoop, ["summary", "--db", db, "--port", port("tgtd-drop"), file("tgtd-drop")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /recorded into .*drop\.sqlite/);
  assert.doesNotMatch(r.stderr, /dropped/);
  const rep = await runBin(BINS.iscsiscope, ["report", "--db", db, "--json"]);
  assert.equal(rep.code, 0, rep.stderr);
  const j = JSON.parse(rep.stdout) as { sessions: Array<{ targetName: string; disconnects: number; recoveries: number }>; disconnectsByReason: Array<{ reason: string; count: number }> };
  assert.equal(j.sessions.length, 1);
  assert.equal(j.sessions[0].targetName, "iqn.2024-01.org.iscsiscope:capture-fixture");
  assert.deepEqual(j.disconnectsByReason.map((d) => d.reason).sort(), ["target-closed", "user-logout"]);
  assert.equal(j.sessions[0].recoveries, 1);
  const stat = await runBin(BINS.iscsistat, ["--db", db, "-p", "-s", "recon*"]);
  assert.match(stat.stdout, /reconnects\t1/);
});

test("iscsistat --pcap: the counters of a capture count every PDU tshark sees, by opcode", async () => {
  const r = await runBin(BINS.iscsistat, ["--pcap", file("tgtd-bench"), "--port", port("tgtd-bench"), "-p", "-n", "iscsi_conn_*", "3600"]);
  assert.equal(r.code, 0, r.stderr);
  const counters = new Map<string, number>();
  for (const l of r.stdout.trim().split("\n")) {
    const [k, v] = l.split("\t");
    const stat = k.split(":")[3];
    counters.set(stat, (counters.get(stat) ?? 0) + Number(v));
  }
  const byOpcode = new Map<number, number>();
  for (const p of tsharkPdus("tgtd-bench")) byOpcode.set(p.opcode, (byOpcode.get(p.opcode) ?? 0) + 1);
  const STAT: Record<number, string> = { 0x01: "scsicmd_pdus", 0x21: "scsirsp_pdus", 0x25: "datain_pdus", 0x05: "dataout_pdus", 0x31: "r2t_pdus", 0x03: "login_pdus", 0x23: "loginrsp_pdus", 0x06: "logout_pdus", 0x26: "logoutrsp_pdus" };
  for (const [op, n] of byOpcode) if (STAT[op]) assert.equal(counters.get(STAT[op]), n, `${STAT[op]} (opcode ${op})`);
  assert.equal(counters.get("tx_pdus")! + counters.get("rx_pdus")!, tsharkPdus("tgtd-bench").length);
});

test("iscsisnoop: bad files and bad options get one line naming what and where, a non-zero exit, no stack", async () => {
  const empty = join(dir, "empty.pcap");
  writeFileSync(empty, "");
  const junk = join(dir, "junk.pcap");
  writeFileSync(junk, "this is not a capture at all");
  const cut = join(dir, "cut.pcap");
  const whole = readFileSync(file("tgtd-inquiry"));
  writeFileSync(cut, whole.subarray(0, whole.length - 30));
  const cases: Array<[string[], RegExp, number]> = [
    [[join(dir, "missing.pcap")], /missing\.pcap/, 1],
    [[empty], /empty\.pcap.*byte 0|empty\.pcap.*empty/, 1],
    [[junk], /junk\.pcap: not a pcap or pcapng file \(magic 0x[0-9a-f]+ at byte 0\)/, 1],
    [["--opcode", "bogus", junk], /--opcode: unknown opcode 'bogus'/, 2],
    [["--port", "99999", junk], /--port takes TCP ports/, 2],
    [["--itt", "zz", junk], /--itt must be a task tag/, 2],
  ];
  for (const [args, re, code] of cases) {
    const r = await runBin(BINS.iscsisnoop, args);
    assert.equal(r.code, code, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  const garbage = join(dir, "garbage.pcap");
  writeFileSync(garbage, Buffer.concat([whole.subarray(0, 24), Buffer.from(Array.from({ length: 1024 }, (_, i) => i & 0xff))]));
  const g = await runBin(BINS.iscsisnoop, ["summary", garbage]);
  assert.equal(g.code, 0, "the header is readable: an empty summary that says why");
  assert.match(g.stderr, /^iscsisnoop: .*garbage\.pcap: record at byte 24 /);
  assert.match(g.stdout, /no iSCSI: the capture holds no frames/);
  const none = await runBin(BINS.iscsisnoop, ["summary", "--port", "1234", "--no-heuristic", file("tgtd-inquiry")]);
  assert.match(none.stdout, /no iSCSI: \d+ frames, .*none on port 1234/);
  assert.match(none.stdout, /Sessions\n {2}none/);
  const truncated = await runBin(BINS.iscsisnoop, ["--port", port("tgtd-inquiry"), cut]);
  assert.equal(truncated.code, 0, "a cut last record is a warning: the rest is shown");
  assert.match(truncated.stderr, /^iscsisnoop: .*cut\.pcap: last record at byte \d+ is cut short/);
  assert.match(truncated.stdout, /Logout Response/, "the PDUs before the cut are all there");
});

test("iscsisnoop | head: the reader leaving ends the output quietly, exit 0", async () => {
  const proc = spawn(process.execPath, [BINS.iscsisnoop, "-v", "--port", port("tgtd-bench"), file("tgtd-bench")], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  proc.stderr.on("data", (b: Buffer) => (err += b.toString()));
  proc.stdout.once("data", () => proc.stdout.destroy());
  const code = await new Promise<number | null>((r) => proc.on("exit", r));
  assert.equal(code, 0, err);
  assert.equal(err, "");
});

test("iscsistat --json | head: a reader leaving a command that prints JSON ends it quietly, exit 0, no stack trace", async () => {
  const proc = spawn(process.execPath, [BINS.iscsistat, "--json", "--pcap", file("tgtd-bench"), "--port", port("tgtd-bench"), "0.001"],
    { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  let reports = 0;
  proc.stderr.on("data", (b: Buffer) => (err += b.toString()));
  proc.stdout.once("data", () => { reports++; proc.stdout.destroy(); });
  const code = await new Promise<number | null>((r) => proc.on("exit", r));
  assert.equal(reports, 1);
  assert.equal(code, 0, err);
  assert.equal(err, "");
});

test("iscsisnoop --progress: a bar on stderr that reaches 100%; none by default when stderr is not a terminal", async () => {
  const withBar = await runBin(BINS.iscsisnoop, ["summary", "--progress", "--port", port("tgtd-bench"), file("tgtd-bench")]);
  assert.equal(withBar.code, 0, withBar.stderr);
  assert.match(withBar.stderr, /\r\S*tgtd-bench\.pcap \[=+\] 100% {2}[\d.]+\/[\d.]+ MB/);
  assert.match(withBar.stdout, /^Capture /, "the summary starts on a line of its own");
  const plain = await runBin(BINS.iscsisnoop, ["summary", "--port", port("tgtd-bench"), file("tgtd-bench")]);
  assert.equal(plain.stderr, "");
});
