/**
 * tshark as an oracle for the name tables: its value strings (`tshark -G values`) and what
 * it prints for synthetic captures of SCSI Command PDUs. Not a test file.
 *
 * The synthetic capture is one TCP stream to port 3260 (tshark decodes iSCSI there by
 * itself) carrying, per LUN, an INQUIRY and its Data-In (which tells tshark the peripheral
 * device type, as a real session would) and then the CDBs to name.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const INSTALL = "tshark is needed by this test: apt-get install tshark (Debian 12 has 4.0.17)";

/** Run tshark with `args`; fail with one line saying how to install it when it is missing. */
export function runTshark(args: string[]): string {
  try {
    return execFileSync("tshark", args, { encoding: "utf8", maxBuffer: 512 << 20, stdio: ["ignore", "pipe", "ignore"] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(INSTALL);
    throw e;
  }
}

/**
 * The value strings of `fields` in `tshark -G values` output (one pass over its 1.4 million
 * lines): field -> value -> name.
 */
export function valueStrings(all: string, fields: readonly string[]): Map<string, Map<number, string>> {
  const out = new Map(fields.map((f) => [f, new Map<number, string>()] as const));
  let at = 0;
  while (at < all.length) {
    const end = all.indexOf("\n", at);
    const next = end === -1 ? all.length : end;
    if (all.startsWith("V\tscsi", at)) {
      const [, field, value, name] = all.slice(at, next).split("\t");
      out.get(field)?.set(Number(value), name);
    }
    at = next + 1;
  }
  return out;
}

/** One LUN of the synthetic capture: the device type its INQUIRY reports, then its CDBs. */
export interface SyntheticLun {
  lun: number;
  /** Omit to send no INQUIRY: tshark then uses its default command set (SBC). */
  deviceType?: number;
  cdbs: Uint8Array[];
}

/** Ethernet + IPv4 + TCP headers around `payload` (checksums left 0; tshark does not check). */
function frame(payload: Uint8Array, fromTarget: boolean, seq: { c: number; t: number }): Buffer {
  const head = Buffer.alloc(54);
  head.writeUInt16BE(0x0800, 12);
  head[14] = 0x45;
  head.writeUInt16BE(40 + payload.length, 16);
  head[22] = 64;
  head[23] = 6;
  head.set([127, 0, 0, 1, 127, 0, 0, 1], 26);
  head.writeUInt16BE(fromTarget ? 3260 : 40000, 34);
  head.writeUInt16BE(fromTarget ? 40000 : 3260, 36);
  head.writeUInt32BE(fromTarget ? seq.t : seq.c, 38);
  head.writeUInt32BE(fromTarget ? seq.c : seq.t, 42);
  head[46] = 0x50;
  head[47] = 0x18;
  head.writeUInt16BE(65535, 48);
  if (fromTarget) seq.t += payload.length;
  else seq.c += payload.length;
  return Buffer.concat([head, payload]);
}

/** A SCSI Command BHS (RFC 7143 §11.3) with `cdb` in bytes 32..47. */
function command(lun: number, itt: number, cdb: Uint8Array, edtl: number): Buffer {
  const p = Buffer.alloc(48);
  p[0] = 0x01;
  p[1] = 0x80 | (edtl > 0 ? 0x40 : 0);
  p.writeUInt16BE(lun, 8);
  p.writeUInt32BE(itt, 16);
  p.writeUInt32BE(edtl, 20);
  p.writeUInt32BE(itt, 24);
  p.set(cdb.subarray(0, 16), 32);
  return p;
}

/** A final Data-In with status (RFC 7143 §11.7) carrying `data`. */
function dataIn(lun: number, itt: number, data: Uint8Array): Buffer {
  const p = Buffer.alloc(48);
  p[0] = 0x25;
  p[1] = 0x81;
  p.writeUInt32BE(data.length, 4);
  p[4] = 0;
  p.writeUInt16BE(lun, 8);
  p.writeUInt32BE(itt, 16);
  p.writeUInt32BE(0xffffffff, 20);
  return Buffer.concat([p, data]);
}

/** Frames of the synthetic capture, in order, and the frame number of each CDB per LUN. */
function buildFrames(luns: SyntheticLun[]): { frames: Buffer[]; numbers: number[][] } {
  const seq = { c: 1000, t: 5000 };
  const frames: Buffer[] = [];
  let itt = 1;
  const numbers = luns.map((l) => {
    if (l.deviceType !== undefined) {
      const inq = new Uint8Array(36);
      inq[0] = l.deviceType;
      inq[2] = 5;
      inq[3] = 2;
      inq[4] = 31;
      frames.push(frame(command(l.lun, itt, Uint8Array.from([0x12, 0, 0, 0, 36, 0]), 36), false, seq));
      frames.push(frame(dataIn(l.lun, itt++, inq), true, seq));
    }
    return l.cdbs.map((cdb) => frames.push(frame(command(l.lun, itt++, cdb, 0), false, seq)));
  });
  return { frames, numbers };
}

/** Write a classic pcap of `luns` in a temp dir, run tshark with `args` on it, clean up. */
export function tsharkOnSynthetic(luns: SyntheticLun[], args: string[]): { out: string; numbers: number[][] } {
  const { frames, numbers } = buildFrames(luns);
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  const records = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_800_000_000, 0);
    r.writeUInt32LE(i, 4);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-scsi-"));
  try {
    const file = join(dir, "synthetic.pcap");
    writeFileSync(file, Buffer.concat([header, ...records]));
    return { out: runTshark(["-r", file, ...args]), numbers };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
