/**
 * A fio-like workload through the initiator: read, write, randread, randwrite, randrw at a
 * block size and queue depth for a time, with latency percentiles and, with `verify`, every
 * block written stamped and checked when read back.
 *
 * With `verify`, each of the `qd` workers owns its own slice of the LUN, so no two I/Os in
 * flight touch the same block and a read must return exactly what its worker last wrote.
 */
import { TaskError } from "../errors.js";
import type { ScsiSession } from "./scsi-session.js";
import { describeStatus } from "./scsi-session.js";
import { decodeSense, read10Cdb, read16Cdb, write10Cdb, write16Cdb } from "../scsi/index.js";
import { Samples } from "../stat/samples.js";

function isUnitAttention(status: number, sense: Uint8Array | undefined): boolean {
  if (status !== 0x02 || !sense) return false;
  const d = decodeSense(sense);
  return d.format !== "unrecognized" && d.senseKey === 0x6;
}

export type RwMode = "read" | "write" | "randread" | "randwrite" | "randrw" | "rw";
export const RW_MODES: readonly RwMode[] = ["read", "write", "randread", "randwrite", "randrw", "rw"];

export interface WorkloadOptions {
  lun: number;
  rw: RwMode;
  /** Bytes per I/O, a multiple of the block size. */
  bs: number;
  qd: number;
  seconds: number;
  /** Percentage of reads in randrw/rw (default 70). */
  rwmix?: number;
  verify?: boolean;
  /** Pace the I/O at this many per second in all (fio's rate_iops); default as fast as it goes. */
  rateIops?: number;
  /** Called about once a second with what has been done so far. */
  onTick?: (p: Progress) => void;
}

export interface Progress {
  elapsedS: number;
  readIos: number;
  writeIos: number;
  readBytes: number;
  writeBytes: number;
}

export interface OpResult {
  ios: number;
  bytes: number;
  iops: number;
  /** Bytes per second. */
  bw: number;
  /** Nanoseconds. */
  lat: { min: number; max: number; avg: number; p50: number; p90: number; p95: number; p99: number; p999: number };
}

export interface WorkloadResult {
  rw: RwMode;
  bs: number;
  qd: number;
  lun: number;
  elapsedS: number;
  read: OpResult;
  write: OpResult;
  /** Commands that ended without GOOD status or without any status. */
  errors: number;
  firstError: string | undefined;
  verifyMismatches: number;
  /** UNIT ATTENTIONs (after a reset or a reconnect) answered by sending the I/O again. */
  unitAttentions: number;
  /** Process CPU over the run: user and system seconds, and per I/O. */
  cpu: { userS: number; sysS: number; usPerIo: number };
}

/** The benchmark's latency figures of a set of samples (ns). */
function latency(lat: Samples): OpResult["lat"] {
  const { min, max, avg, p50, p90, p95, p99, p999 } = lat.summary();
  return { min, max, avg, p50, p90, p95, p99, p999 };
}

/** A 512-byte block stamped with its LBA and write generation: "ISCO", lba, gen, then filler. */
function stamp(buf: Uint8Array, off: number, lba: number, gen: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + off, 512);
  v.setUint32(0, 0x4953434f);
  v.setFloat64(4, lba);
  v.setUint32(12, gen);
  let x = (lba * 2654435761 + gen * 40503) >>> 0 || 1;
  for (let i = 16; i < 512; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    v.setUint32(i, x >>> 0);
  }
}

export async function runWorkload(s: ScsiSession, o: WorkloadOptions): Promise<WorkloadResult> {
  const cap = await s.readCapacity(o.lun);
  const blockSize = cap.blockSize;
  if (o.bs % blockSize !== 0) throw new RangeError(`--bs ${o.bs} is not a multiple of the ${blockSize}-byte block size`);
  const per = o.bs / blockSize;
  const totalBlocks = Number(cap.blocks);
  const slice = Math.floor(totalBlocks / o.qd / per) * per;
  if (slice < per) throw new RangeError(`LUN ${o.lun} (${totalBlocks} blocks) is too small for ${o.qd} workers of ${o.bs} bytes`);
  const mix = o.rw === "randrw" || o.rw === "rw" ? (o.rwmix ?? 70) : o.rw.includes("read") ? 100 : 0;
  const random = o.rw.startsWith("rand");
  const readLat = new Samples(1 << 16);
  const writeLat = new Samples(1 << 16);
  const p: Progress = { elapsedS: 0, readIos: 0, writeIos: 0, readBytes: 0, writeBytes: 0 };
  let errors = 0;
  let firstError: string | undefined;
  let mismatches = 0;
  let unitAttentions = 0;
  const fixed = new Uint8Array(o.bs).fill(0x5a);
  // Without --verify nobody looks at what a read brought: all workers read into one buffer,
  // as iscsi-perf's reads land in libiscsi's recycled buffers. One 1 MiB buffer per worker
  // (4 at QD4) falls out of the L2 cache, and the kernel's copy into it took twice as long
  // (perf: 116 vs 47 us per 1 MiB read), which made MB/s a measure of the cache.
  const shared = new Uint8Array(o.bs);
  const t0 = process.hrtime.bigint();
  const end = t0 + BigInt(Math.round(o.seconds * 1e9));
  const cpu0 = process.cpuUsage();
  const tick = o.onTick ? setInterval(() => o.onTick!({ ...p, elapsedS: Number(process.hrtime.bigint() - t0) / 1e9 }), 1000) : undefined;
  let seqCursor = 0;
  let issued = 0;
  /** With rateIops: wait until the next I/O's slot in the schedule t0 + n / rate. */
  const pace = async (): Promise<void> => {
    if (!o.rateIops) return;
    const due = t0 + BigInt(Math.round((issued++ * 1e9) / o.rateIops));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };

  const worker = async (w: number): Promise<void> => {
    const base = o.verify ? w * slice : 0;
    const span = o.verify ? slice : Math.floor(totalBlocks / per) * per;
    const gens = new Map<number, number>();
    const into = o.verify ? new Uint8Array(o.bs) : shared; // read into again and again
    let seq = 0;
    // One clock read per I/O: the end of the last one is the start of the next.
    let now = process.hrtime.bigint();
    while (now < end) {
      if (o.rateIops) {
        await pace();
        now = process.hrtime.bigint();
        if (now >= end) break;
      }
      const isRead = mix === 100 || (mix > 0 && Math.random() * 100 < mix);
      const off = random ? Math.floor(Math.random() * (span / per)) * per : (o.verify ? (seq++ * per) % span : (seqCursor = (seqCursor + per) % span));
      const lba = base + off;
      let data: Uint8Array | undefined;
      if (!isRead) {
        if (o.verify) {
          data = new Uint8Array(o.bs);
          const gen = (gens.get(lba) ?? 0) + 1;
          for (let b = 0; b < per; b++) stamp(data, b * blockSize, lba + b, gen);
          gens.set(lba, gen);
        } else data = fixed;
      }
      const cdb = lba + per - 1 <= 0xffffffff && per <= 0xffff
        ? (isRead ? read10Cdb(lba, per) : write10Cdb(lba, per)) : (isRead ? read16Cdb(BigInt(lba), per) : write16Cdb(BigInt(lba), per));
      const t = o.verify ? process.hrtime.bigint() : now; // not counting the stamping of the data
      try {
        const req = { dir: isRead ? "read" as const : "write" as const, length: o.bs, data, lba: BigInt(lba), into: isRead ? into : undefined };
        let r = await s.scsi(o.lun, cdb, req);
        // A UNIT ATTENTION reports an event (reset, reconnect), not this I/O's failure: send it again.
        for (let retry = 0; retry < 3 && isUnitAttention(r.status, r.sense); retry++) {
          unitAttentions++;
          r = await s.scsi(o.lun, cdb, req);
        }
        if (r.response !== 0 || r.status !== 0) throw new Error(`${describeStatus(r.response, r.status, r.sense ? decodeSense(r.sense) : undefined)} at LBA ${lba}`);
        if (isRead && o.verify && gens.has(lba)) {
          const want = new Uint8Array(o.bs);
          for (let b = 0; b < per; b++) stamp(want, b * blockSize, lba + b, gens.get(lba)!);
          if (!Buffer.from(r.data).equals(Buffer.from(want))) mismatches++;
        }
      } catch (e) {
        errors++;
        firstError ??= e instanceof Error ? e.message : String(e);
        if (e instanceof TaskError && (e.code === "ERR_SESSION_FAILED" || e.code === "ERR_SESSION_CLOSED")) return;
        continue;
      } finally {
        now = process.hrtime.bigint();
      }
      const lat = Number(now - t);
      if (isRead) { readLat.push(lat); p.readIos++; p.readBytes += o.bs; }
      else { writeLat.push(lat); p.writeIos++; p.writeBytes += o.bs; }
    }
  };

  await Promise.all(Array.from({ length: o.qd }, (_, w) => worker(w)));
  if (tick) clearInterval(tick);
  const elapsedS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const ios = p.readIos + p.writeIos;
  const op = (n: number, bytes: number, lat: Samples): OpResult => ({ ios: n, bytes, iops: n / elapsedS, bw: bytes / elapsedS, lat: latency(lat) });
  return {
    rw: o.rw, bs: o.bs, qd: o.qd, lun: o.lun, elapsedS,
    read: op(p.readIos, p.readBytes, readLat), write: op(p.writeIos, p.writeBytes, writeLat),
    errors, firstError, verifyMismatches: mismatches, unitAttentions,
    cpu: { userS: cpu.user / 1e6, sysS: cpu.system / 1e6, usPerIo: ios ? (cpu.user + cpu.system) / ios : 0 },
  };
}
