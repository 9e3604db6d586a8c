/**
 * iostat's extended statistics (`iostat -x`, `-xn`) derived from two snapshots of a kstat_io
 * block, exactly as illumos iostat does it (usr/src/cmd/stat/iostat/iostat.c, show_disk()):
 *
 * - the interval is the difference of the snapshot times, or the time since the kstat was
 *   created when there is no earlier snapshot (so the first report covers the kstat's life,
 *   like iostat's first line); an interval of 0 counts as one second;
 * - r/s, w/s, kr/s, kw/s are the differences of reads, writes, nread, nwritten over it;
 * - wait and actv are the average queue lengths: Δwlentime and Δrlentime over the interval;
 * - wsvc_t and asvc_t (ms) are the queue lengths divided by the transfer rate (Little's law),
 *   and svc_t is their sum (the column of plain `iostat -x`);
 * - %w and %b are the shares of the interval with a non-empty wait or run queue (Δwtime,
 *   Δrtime), not capped at 100, as in iostat.
 *
 * For iSCSI the wait queue is the session's pending queue (commands waiting for the CmdSN
 * window) and the run queue its active commands (sent, not completed), as in illumos's
 * `iscsi_sess_io_*` kstats, so %b is the share of time the target had work from us.
 *
 * Used by iscsitop (per session and per LUN) and by `iscsistat -x`.
 */
import type { KstatValue } from "./kstat.js";

/**
 * One snapshot of a kstat_io block: what a {@link Kstat} of class `iscsi_sess_io` or
 * `iscsi_lun_io` carries (a Kstat is an IoSample).
 */
export interface IoSample {
  /** When the snapshot was taken, ns (any epoch, the same for both samples). */
  snaptime: number;
  /** When the kstat was created, ns; the start of the interval when there is no earlier sample. */
  crtime: number;
  /** The kstat_io statistics: reads, writes, nread, nwritten, wtime, wlentime, rtime, rlentime (ns). A missing one counts as 0. */
  data: Readonly<Record<string, KstatValue>>;
}

/** iostat -x fields for one interval. */
export interface IoRates {
  /** The interval, seconds. */
  etime: number;
  /** r/s, w/s: commands completed per second. */
  rps: number;
  wps: number;
  /** kr/s, kw/s: KiB (1024 bytes) of data per second. */
  krps: number;
  kwps: number;
  /** wait, actv: average number of commands in the wait (pending) and run (active) queues. */
  wait: number;
  actv: number;
  /** wsvc_t, asvc_t: average time in the wait and run queues, ms; svc_t = wsvc_t + asvc_t. */
  wsvcT: number;
  asvcT: number;
  svcT: number;
  /** %w, %b: percent of the interval with a command waiting, with a command active. */
  pctW: number;
  pctB: number;
}

/**
 * The iostat -x fields between two snapshots of one kstat_io block. `prev` undefined, or a
 * sample of an earlier life of the kstat (another `crtime`: the counters restarted), means
 * "since the kstat was created", as iostat's first report.
 *
 * @example
 * const prev = { snaptime: 0, crtime: 0, data: { reads: 0, nread: 0, rtime: 0, rlentime: 0 } };
 * const cur = { snaptime: 2e9, crtime: 0, data: { reads: 200, nread: 819200, rtime: 1e9, rlentime: 2e9 } };
 * ioRates(prev, cur);
 * // { etime: 2, rps: 100, krps: 400, actv: 1, asvcT: 10, pctB: 50, wps: 0, ... }
 */
export function ioRates(prev: IoSample | undefined, cur: IoSample): IoRates {
  const old = prev !== undefined && prev.crtime === cur.crtime ? prev : undefined;
  let hrEtime = old ? cur.snaptime - old.snaptime : cur.snaptime - cur.crtime;
  if (!(hrEtime > 0)) hrEtime = 1e9;
  const etime = hrEtime / 1e9;
  const delta = (name: string): number => Math.max(0, num(cur.data[name]) - (old ? num(old.data[name]) : 0));
  const rps = delta("reads") / etime;
  const wps = delta("writes") / etime;
  const wait = delta("wlentime") / hrEtime;
  const actv = delta("rlentime") / hrEtime;
  const tps = rps + wps;
  const mtps = tps > 0 ? 1000 / tps : 0;
  const wsvcT = wait * mtps;
  const asvcT = actv * mtps;
  return {
    etime, rps, wps,
    krps: delta("nread") / etime / 1024,
    kwps: delta("nwritten") / etime / 1024,
    wait, actv, wsvcT, asvcT, svcT: wsvcT + asvcT,
    pctW: (delta("wtime") / hrEtime) * 100,
    pctB: (delta("rtime") / hrEtime) * 100,
  };
}

function num(v: KstatValue | undefined): number {
  return typeof v === "number" ? v : 0;
}
