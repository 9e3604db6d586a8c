/**
 * Counter snapshots from a capture, for `iscsistat --pcap`: the capture is replayed onto a
 * bus, an IscsiStats counts, and a snapshot is taken each `intervalS` of capture time (and at
 * the end). The replay runs ahead of the reader by at most a few snapshots, so a capture of
 * any size is read with bounded memory.
 */
import { ProbeBus } from "../probe/bus.js";
import type { Ns } from "../probe/types.js";
import { IscsiStats } from "../stat/collector.js";
import type { Kstat } from "../stat/kstat.js";
import { captureOptions, runCapture } from "./capture-run.js";

export interface SnapshotSource {
  next(): Promise<Kstat[] | undefined>;
  t(): bigint;
  close(): void;
  live: boolean;
}

/** Snapshots queued before the replay waits for the reader. */
const AHEAD = 4;

/**
 * @example
 * const src = await captureSnapshots("night.pcap", 1, { port: "3260" });
 * for (let k = await src.next(); k; k = await src.next()) console.log(src.t(), k.length);
 */
export async function captureSnapshots(file: string, intervalS: number, values: Record<string, unknown>): Promise<SnapshotSource> {
  const bus = new ProbeBus();
  const stats = new IscsiStats(bus, "pcap");
  const queue: Array<{ t: Ns; kstats: Kstat[] }> = [];
  let done = false;
  let failure: unknown;
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  let cancelled = false;
  let t: Ns = 0n;
  const wake = () => {
    const w = wakeReader;
    wakeReader = undefined;
    w?.();
  };
  const ns = BigInt(Math.max(1, Math.round(intervalS * 1e9)));
  const run = runCapture(file, bus, {
    ...captureOptions(values),
    every: {
      ns,
      fn: async (at) => {
        if (cancelled) throw new Cancelled();
        queue.push({ t: at, kstats: stats.snapshot(at) });
        wake();
        while (queue.length >= AHEAD && !cancelled) await new Promise<void>((r) => (wakeWriter = r));
      },
    },
  });
  run.then(() => undefined, (e: unknown) => {
    if (!(e instanceof Cancelled)) failure = e;
  }).finally(() => {
    done = true;
    wake();
  });
  // A file that is not a capture fails here, before the first report.
  await new Promise<void>((r) => {
    wakeReader = r;
    if (queue.length > 0 || done) r();
  });
  if (failure) throw failure;
  return {
    live: false,
    next: async () => {
      while (queue.length === 0 && !done) await new Promise<void>((r) => (wakeReader = r));
      if (failure) throw failure;
      const s = queue.shift();
      const w = wakeWriter;
      wakeWriter = undefined;
      w?.();
      if (!s) return undefined;
      t = s.t;
      return s.kstats;
    },
    t: () => t,
    close: () => {
      cancelled = true;
      wakeWriter?.();
      stats.close();
    },
  };
}

class Cancelled extends Error {}
