/**
 * The demo source of iscsitop: sessions of this process's own initiator, logged in to a
 * private tgtd on loopback (or to a portal given), each running a paced read/write workload,
 * watched through an InProcessFeed. Like `iscsiscope demo`, the private target drops a
 * connection now and then so that the disconnect, its reason and the recovery show.
 *
 * With `log`, the workload writes its own counts to a file once a second (NDJSON), so a test
 * can hold the dashboard's rates against what was really done.
 */
import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { TaskError } from "../../errors.js";
import { systemClock } from "../../initiator/clock.js";
import { Initiator } from "../../initiator/initiator.js";
import type { ScsiSession } from "../../initiator/scsi-session.js";
import { ProbeBus } from "../../probe/bus.js";
import { ensureTools } from "../peers/install.js";
import { startTgtd, type Tgtd } from "../peers/tgtd.js";
import { UsageError } from "../usage-error.js";
import type { Feed, FeedTick } from "../../tui/feed.js";
import { InProcessFeed } from "../../tui/in-process-feed.js";

export interface DemoOptions {
  /** A target portal ("host:port") to use instead of a private tgtd. */
  portal?: string;
  /** Sessions to open, spread over the targets found (default 2). */
  sessions?: number;
  /** I/Os per second of the first session; session i does iops / i. 0: as fast as it can (default 300). */
  iops?: number;
  /** Append the workload's own counts to this file each second (NDJSON). */
  log?: string;
  /** Private target: drop a connection after this many seconds, then every minute (default 15; 0: never). */
  dropAfterS?: number;
}

/** What one session's workload has done so far. */
export interface Counts {
  oid: number;
  target: string;
  readIos: number;
  writeIos: number;
  readBytes: number;
  writeBytes: number;
  errors: number;
}

export const TARGETS = ["iqn.2026-11.io.iscsiscope:demo-a", "iqn.2026-11.io.iscsiscope:demo-b"];
const QD = 4;

/**
 * Start the demo and return its feed; closing the feed stops the workloads, logs out and
 * stops the private tgtd.
 *
 * @example
 * const feed = await startDemoFeed({ sessions: 2, iops: 300 });
 * const tick = await feed.tick();
 * await feed.close();
 */
export async function startDemoFeed(o: DemoOptions = {}): Promise<Feed> {
  const bus = new ProbeBus();
  const tgtd = o.portal === undefined ? await privateTarget() : undefined;
  const portal = o.portal ?? `127.0.0.1:${tgtd!.port}`;
  const inner = new InProcessFeed(bus, () => systemClock.now(), `demo, ${tgtd ? "a private tgtd on " : ""}${portal}`);
  const ini = new Initiator({ bus });
  const stop = new AbortController();
  const work: Array<Promise<void>> = [];
  try {
    const found = (await ini.discover(portal)).sort((a, b) => a.targetName.localeCompare(b.targetName));
    if (found.length === 0) throw new UsageError(`demo: no target at ${portal}`, 1);
    const counts: Counts[] = [];
    for (let i = 0; i < (o.sessions ?? 2); i++) {
      const t = found[i % found.length];
      const s = await ini.login({ targetName: t.targetName, portals: t.portals, queueDepth: 16 });
      const c: Counts = { oid: s.oid, target: t.targetName, readIos: 0, writeIos: 0, readBytes: 0, writeBytes: 0, errors: 0 };
      counts.push(c);
      const rate = (o.iops ?? 300) / (i + 1);
      work.push(runSession(s, { rate, bs: i % 2 === 0 ? 16384 : 65536, counts: c, signal: stop.signal }));
    }
    if (o.log) work.push(logCounts(o.log, counts, stop.signal));
    if (tgtd && (o.dropAfterS ?? 15) > 0) work.push(dropNowAndThen(tgtd, (o.dropAfterS ?? 15) * 1000, stop.signal));
  } catch (e) {
    stop.abort();
    await teardown(ini, inner, tgtd, work);
    throw e;
  }
  return {
    kind: inner.kind,
    source: inner.source,
    tick: (): Promise<FeedTick> => inner.tick(),
    close: async () => {
      stop.abort();
      await teardown(ini, inner, tgtd, work);
    },
  };
}

async function teardown(ini: Initiator, feed: InProcessFeed, tgtd: Tgtd | undefined, work: Array<Promise<void>>): Promise<void> {
  await Promise.allSettled(work);
  await ini.close();
  await feed.close();
  await tgtd?.stop();
}

/** tgtd with two targets: demo-a with two LUNs, demo-b with one. */
export async function privateTarget(): Promise<Tgtd> {
  const { missing, command } = ensureTools(["tgtd", "tgtadm"], { install: true, quiet: true, log: () => undefined });
  if (missing.length > 0) throw new UsageError(`the demo needs Debian's tgt (${missing.join(", ")} not found); as root run: ${command}`, 1);
  const tgtd = await startTgtd();
  try {
    await tgtd.addTarget({ iqn: TARGETS[0], luns: [{ size: "256M" }, { size: "64M" }] });
    await tgtd.addTarget({ iqn: TARGETS[1], luns: [{ size: "128M" }] });
  } catch (e) {
    await tgtd.stop();
    throw e;
  }
  return tgtd;
}

export interface Workload {
  /** I/Os per second (0: unpaced). */
  rate: number;
  bs: number;
  counts: Counts;
  signal: AbortSignal;
}

/** QD workers over every data LUN of the session, 70% reads at random LBAs, paced to `rate`. */
export async function runSession(s: ScsiSession, w: Workload): Promise<void> {
  const luns: Array<{ lun: number; blocks: number; blockSize: number }> = [];
  for (const lun of (await s.luns()).filter((n) => n > 0)) {
    const cap = await s.readCapacity(lun);
    luns.push({ lun, blocks: Number(cap.blocks), blockSize: cap.blockSize });
  }
  if (luns.length === 0) return;
  const data = new Uint8Array(w.bs).fill(0x5a);
  const gap = w.rate > 0 ? 1000 / w.rate : 0;
  let next = performance.now();
  let n = 0;
  const worker = async (): Promise<void> => {
    while (!w.signal.aborted) {
      if (gap > 0) {
        const due = (next = Math.max(next + gap, performance.now() - 1000));
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait, undefined, { signal: w.signal }).catch(() => undefined);
        if (w.signal.aborted) return;
      }
      const k = n++;
      const l = luns[k % luns.length];
      const per = w.bs / l.blockSize;
      const lba = Math.floor(Math.random() * Math.floor(l.blocks / per)) * per;
      const read = k % 10 < 7; // 7 reads in every 10 I/Os, so that each second has the same mix
      try {
        if (read) await s.read(l.lun, lba, per);
        else await s.write(l.lun, lba, data);
      } catch (e) {
        w.counts.errors++;
        if (e instanceof TaskError && (e.code === "ERR_SESSION_CLOSED" || e.code === "ERR_SESSION_FAILED")) return;
        continue;
      }
      if (read) { w.counts.readIos++; w.counts.readBytes += w.bs; } else { w.counts.writeIos++; w.counts.writeBytes += w.bs; }
    }
  };
  await Promise.all(Array.from({ length: QD }, worker));
}

/** One NDJSON line a second: the time (ns since the epoch) and each session's counts so far. */
async function logCounts(file: string, counts: Counts[], signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    appendFileSync(file, `${JSON.stringify({ t: String(systemClock.now()), sessions: counts })}\n`);
    await sleep(1000, undefined, { signal }).catch(() => undefined);
  }
}

/** Have tgtd close the first session's connection after `firstMs`, then every `everyMs` (a minute). */
export async function dropNowAndThen(tgtd: Tgtd, firstMs: number, signal: AbortSignal, everyMs = 60_000): Promise<void> {
  let wait = firstMs;
  while (!signal.aborted) {
    const slept = await sleep(wait, true, { signal }).catch(() => false);
    if (!slept) return;
    const s = (await tgtd.showTarget()).targets.flatMap((t) => t.sessions.map((x) => ({ tid: t.tid, x })))[0];
    const c = s?.x.connections[0];
    if (s && c) await tgtd.dropConnection(s.tid, s.x.sid, c.cid);
    wait = everyMs;
  }
}
