/**
 * iostat -x from two kstat_io readings, the way Solaris's iostat derives its columns:
 * rates from the counters, queue lengths from the length-time integrals (wlentime,
 * rlentime), service times as queue length over throughput (Little's law), utilisation
 * from the busy times (wtime, rtime).
 */

/** The kstat_io fields (ns for times), as IscsiStats and the recorder keep them. */
export interface KstatIoData {
  reads: number;
  writes: number;
  nread: number;
  nwritten: number;
  wtime: number;
  wlentime: number;
  rtime: number;
  rlentime: number;
  wcnt: number;
  rcnt: number;
}

/** iostat -x's columns. */
export interface IoRates {
  /** Reads and writes per second. */
  rps: number;
  wps: number;
  /** KiB read and written per second. */
  krps: number;
  kwps: number;
  /** Average number of commands waiting (wait queue) and on the wire (run queue). */
  wait: number;
  actv: number;
  /** Average time waiting and on the wire, milliseconds per command. */
  wsvcT: number;
  asvcT: number;
  /** Percent of the time commands were waiting, and were on the wire. */
  pctW: number;
  pctB: number;
  /** Seconds the rates cover. */
  seconds: number;
}

const ZERO: KstatIoData = { reads: 0, writes: 0, nread: 0, nwritten: 0, wtime: 0, wlentime: 0, rtime: 0, rlentime: 0, wcnt: 0, rcnt: 0 };

/**
 * The rates between two readings taken `elapsedNs` apart (`prev` undefined: since the
 * counters started, as iostat's first report).
 *
 * @example
 * const r = ioRates(prevData, curData, 1e9); // r.rps, r.asvcT ...
 */
export function ioRates(prev: KstatIoData | undefined, cur: KstatIoData, elapsedNs: number): IoRates {
  const p = prev ?? ZERO;
  const ns = Math.max(elapsedNs, 1);
  const s = ns / 1e9;
  const d = (k: keyof KstatIoData) => Math.max(0, Number(cur[k]) - Number(p[k]));
  const ios = d("reads") + d("writes");
  const wait = d("wlentime") / ns;
  const actv = d("rlentime") / ns;
  const tps = ios / s;
  return {
    rps: d("reads") / s, wps: d("writes") / s, krps: d("nread") / 1024 / s, kwps: d("nwritten") / 1024 / s,
    wait, actv, wsvcT: tps > 0 ? (wait / tps) * 1000 : 0, asvcT: tps > 0 ? (actv / tps) * 1000 : 0,
    pctW: Math.min(100, (d("wtime") / ns) * 100), pctB: Math.min(100, (d("rtime") / ns) * 100), seconds: s,
  };
}

/** The kstat_io fields of a kstat's data record. */
export function ioData(data: Record<string, number | string>): KstatIoData {
  const n = (k: keyof KstatIoData) => Number(data[k] ?? 0);
  return {
    reads: n("reads"), writes: n("writes"), nread: n("nread"), nwritten: n("nwritten"), wtime: n("wtime"),
    wlentime: n("wlentime"), rtime: n("rtime"), rlentime: n("rlentime"), wcnt: n("wcnt"), rcnt: n("rcnt"),
  };
}
