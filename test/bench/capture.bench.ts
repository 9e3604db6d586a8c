/**
 * Capture decoding speed on a large synthetic capture (~200 MB, written to a temp dir and
 * removed after): 4 iSCSI connections on port 3260, 64 KiB READs and WRITEs cut into
 * 1448-byte segments (Ethernet MSS) with an ACK every two segments, next to `tcpdump -n -r`
 * and tshark (dissecting iSCSI, TSHARK_PREFS) on the same file, as frames/s, MB/s and ratios.
 *
 * `node dist/test/bench/capture.bench.js [MB]` runs it alone.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { decodeCapture, readCapture } from "../../src/capture/read-capture.js";
import { encodePdu } from "../../src/wire/encode.js";
import type { Pdu } from "../../src/wire/types.js";
import { TSHARK_PREFS } from "../helpers/tshark.js";
import { table } from "./measure.js";

const MSS = 1448;
const IO = 64 * 1024;
const CONNECTIONS = 4;

interface Conn { port: number; seq: { i: number; t: number }; cmdSN: number; statSN: number }

/** Writes pcap records (Ethernet, IPv4, TCP) through a 4 MiB buffer. */
class PcapOut {
  #buf = Buffer.alloc(4 << 20);
  #at = 0;
  frames = 0;
  #usec = 0;
  constructor(private readonly fd: number) {
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(262144, 16);
    h.writeUInt32LE(1, 20);
    writeSync(fd, h);
  }

  segment(c: Conn, fromTarget: boolean, flags: number, payload: Uint8Array): void {
    const len = 14 + 20 + 20 + payload.length;
    if (this.#at + 16 + len > this.#buf.length) this.flush();
    const b = this.#buf;
    let o = this.#at;
    this.#usec += 7;
    b.writeUInt32LE(1_700_000_000 + Math.floor(this.#usec / 1e6), o);
    b.writeUInt32LE(this.#usec % 1e6, o + 4);
    b.writeUInt32LE(len, o + 8);
    b.writeUInt32LE(len, o + 12);
    o += 16;
    b.fill(0, o, o + 12);
    b.writeUInt16BE(0x0800, o + 12);
    o += 14;
    b.writeUInt32BE(0x45000000 | (20 + 20 + payload.length), o);
    b.writeUInt32BE(0x40000000, o + 4);
    b.writeUInt32BE(0x40060000, o + 8);
    b.writeUInt32BE(fromTarget ? 0x0a000001 : 0x0a000002, o + 12);
    b.writeUInt32BE(fromTarget ? 0x0a000002 : 0x0a000001, o + 16);
    o += 20;
    b.writeUInt16BE(fromTarget ? 3260 : c.port, o);
    b.writeUInt16BE(fromTarget ? c.port : 3260, o + 2);
    b.writeUInt32BE(fromTarget ? c.seq.t : c.seq.i, o + 4);
    b.writeUInt32BE(fromTarget ? c.seq.i : c.seq.t, o + 8);
    b.writeUInt16BE(0x5000 | flags, o + 12);
    b.writeUInt32BE(0xffff0000, o + 14);
    b.writeUInt16BE(0, o + 18);
    b.set(payload, o + 20);
    this.#at = o + 20 + payload.length;
    this.frames++;
    if (fromTarget) c.seq.t = (c.seq.t + payload.length) >>> 0;
    else c.seq.i = (c.seq.i + payload.length) >>> 0;
  }

  flush(): void {
    writeSync(this.fd, this.#buf, 0, this.#at);
    this.#at = 0;
  }
}

/** `bytes` from one side in MSS segments, the other side ACKing every second one. */
function send(out: PcapOut, c: Conn, fromTarget: boolean, bytes: Uint8Array): void {
  let n = 0;
  for (let o = 0; o < bytes.length; o += MSS) {
    out.segment(c, fromTarget, 0x18, bytes.subarray(o, o + MSS));
    if (++n % 2 === 0) out.segment(c, !fromTarget, 0x10, new Uint8Array(0));
  }
}

function pdus(...list: Pdu[]): Uint8Array {
  return Buffer.concat(list.map((p) => encodePdu(p)));
}

const LUN = 1n << 48n;
const DATA = new Uint8Array(IO).map((_, i) => i & 0xff);

/** One 64 KiB READ or WRITE (immediate data up to 8 KiB, then an R2T and one Data-Out). */
function io(out: PcapOut, c: Conn, itt: number, write: boolean): number {
  const cdb = new Uint8Array(16);
  cdb.set([write ? 0x2a : 0x28, 0, 0, 0, 0, 0, 0, 0, IO / 512, 0]);
  const base = { ahs: [], lun: LUN, itt, expStatSN: c.statSN };
  const cmd: Pdu = { kind: "scsi-command", ...base, immediate: false, final: !write, read: !write, write, attr: 1, expectedDataTransferLength: IO, cmdSN: c.cmdSN++, cdb, bidiReadLength: undefined, data: write ? DATA.subarray(0, 8192) : new Uint8Array(0) };
  const status = { ahs: [], itt, expCmdSN: c.cmdSN, maxCmdSN: c.cmdSN + 64, data: new Uint8Array(0) };
  const rsp: Pdu = { kind: "scsi-response", ...status, bidiReadOverflow: false, bidiReadUnderflow: false, overflow: false, underflow: false, response: 0, status: 0, snackTag: 0, statSN: c.statSN++, expDataSN: 0, bidiReadResidualCount: 0, residualCount: 0 };
  send(out, c, false, pdus(cmd));
  if (!write) {
    send(out, c, true, pdus({ kind: "data-in", ...status, lun: LUN, final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: false, status: 0, ttt: 0xffffffff, statSN: c.statSN, dataSN: 0, bufferOffset: 0, residualCount: 0, data: DATA }, rsp));
    return 3;
  }
  send(out, c, true, pdus({ kind: "r2t", ...status, lun: LUN, ttt: itt, statSN: c.statSN, r2tSN: 0, bufferOffset: 8192, desiredDataTransferLength: IO - 8192 }));
  send(out, c, false, pdus({ kind: "data-out", ...base, final: true, ttt: itt, dataSN: 0, bufferOffset: 8192, data: DATA.subarray(8192) }));
  send(out, c, true, pdus(rsp));
  return 4;
}

/**
 * Write the synthetic capture of about `megabytes` MB; returns its frame and PDU counts.
 *
 * @example
 * writeBenchCapture("/tmp/x.pcap", 50); // { frames: 50000, pdus: 2480 }
 */
export function writeBenchCapture(file: string, megabytes: number): { frames: number; pdus: number } {
  const fd = openSync(file, "w");
  const out = new PcapOut(fd);
  const conns: Conn[] = [...Array(CONNECTIONS).keys()].map((k) => ({ port: 50000 + k, seq: { i: 1000 * k, t: 7777 * k }, cmdSN: 1, statSN: 1 }));
  let count = 0;
  try {
    for (let itt = 1; statSize(fd) < megabytes * 1e6; itt++) {
      for (let k = 0; k < 64; k++) count += io(out, conns[(itt + k) % CONNECTIONS], itt * 64 + k, k % 2 === 1);
      out.flush();
    }
  } finally {
    closeSync(fd);
  }
  return { frames: out.frames, pdus: count };
}

function statSize(fd: number): number {
  return statSync(`/proc/self/fd/${fd}`).size;
}

/** Run a tool with its output thrown away; resolves with seconds taken. */
function timeTool(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e9) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`))));
  });
}

async function timeOurs(file: string, iterate: boolean): Promise<{ seconds: number; pdus: number }> {
  let pdus = 0;
  const t0 = process.hrtime.bigint();
  if (iterate) {
    for await (const e of readCapture(file)) if (e.type === "pdu") pdus++;
  } else {
    await decodeCapture(file, (e) => { if (e.type === "pdu") pdus++; });
  }
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, pdus };
}

/**
 * Generate a capture of `megabytes` MB, decode it with ours, tcpdump and tshark, print a table.
 *
 * @example
 * await benchCapture(); // ~200 MB; prints frames/s, MB/s and ratios
 */
export async function benchCapture(megabytes = 200): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-capture-bench-"));
  try {
    const file = join(dir, "bench.pcap");
    const g = writeBenchCapture(file, megabytes);
    const mb = statSync(file).size / 1e6;
    const prefs = Object.entries(TSHARK_PREFS).flatMap(([k, v]) => ["-o", `${k}:${v}`]);
    const push = await timeOurs(file, false);
    const iter = await timeOurs(file, true);
    if (push.pdus !== g.pdus || iter.pdus !== g.pdus) throw new Error(`ours found ${push.pdus}/${iter.pdus} PDUs, the capture holds ${g.pdus}`);
    const tcpdump = await timeTool("tcpdump", ["-n", "-r", file]);
    const tshark = await timeTool("tshark", ["-n", "-r", file, "-d", "tcp.port==3260,iscsi", ...prefs, "-Y", "iscsi", "-T", "fields", "-e", "iscsi.opcode"]);
    const row = (name: string, s: number): Array<string | number> =>
      [name, g.frames / s, mb / s, `${(tcpdump / s).toFixed(2)}`, `${(tshark / s).toFixed(2)}`];
    table(`capture decoding: ${mb.toFixed(0)} MB, ${g.frames} frames, ${g.pdus} PDUs on ${CONNECTIONS} connections (speed relative to tcpdump / tshark)`,
      ["reader", "frames/s", "MB/s", "x tcpdump", "x tshark"], [
        row("ours, decodeCapture (push)", push.seconds), row("ours, readCapture (for await)", iter.seconds),
        row("tcpdump -n -r", tcpdump), row("tshark -Y iscsi -T fields", tshark),
      ]);
    console.log(`peak RSS of this process: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchCapture(Number(process.argv[2] ?? 200));
