/**
 * kstat shapes: a named kstat (statistic name -> value) and the kstat_io block of illumos,
 * with its wait/run queue accounting (kstat_waitq_enter & co.), from which iostat's
 * r/s, w/s, kr/s, kw/s, wait, actv, wsvc_t, asvc_t, %w and %b are derived.
 */
import type { Log2Histogram } from "./histogram.js";

export type KstatValue = number | string;

/** One kstat: `iscsi:<instance>:<name>` with its statistics. */
export interface Kstat {
  module: "iscsi";
  /** The session's instance number (oid). */
  instance: number;
  name: string;
  class: "iscsi_sess" | "iscsi_sess_io" | "iscsi_conn" | "iscsi_lun_io";
  /** Creation and snapshot times, ns since the epoch. */
  crtime: number;
  snaptime: number;
  data: Record<string, KstatValue>;
  /** Latency histograms (kstat has none; ours, by LUN and op), keyed "read", "write", "other". */
  hist?: Record<string, ReturnType<Log2Histogram["toJSON"]>>;
}

/**
 * The kstat_io block. Times are nanoseconds; `wlentime`/`rlentime` are the integrals of the
 * queue lengths over time (Σ len·dt), `wtime`/`rtime` the time the queue was non-empty.
 */
export class KstatIo {
  nread = 0;
  nwritten = 0;
  reads = 0;
  writes = 0;
  wtime = 0;
  wlentime = 0;
  wlastupdate = 0;
  rtime = 0;
  rlentime = 0;
  rlastupdate = 0;
  wcnt = 0;
  rcnt = 0;

  /** kstat_waitq_enter */
  waitEnter(t: number): void {
    this.waitAccum(t);
    this.wcnt++;
  }

  /** kstat_waitq_exit */
  waitExit(t: number): void {
    this.waitAccum(t);
    if (this.wcnt > 0) this.wcnt--;
  }

  /** kstat_runq_enter */
  runEnter(t: number): void {
    this.runAccum(t);
    this.rcnt++;
  }

  /** kstat_runq_exit */
  runExit(t: number): void {
    this.runAccum(t);
    if (this.rcnt > 0) this.rcnt--;
  }

  /** Bring the integrals up to `t` without changing the queues (done before a snapshot). */
  update(t: number): void {
    this.waitAccum(t);
    this.runAccum(t);
  }

  private waitAccum(t: number): void {
    const d = t - this.wlastupdate;
    if (this.wcnt > 0 && d > 0) {
      this.wlentime += d * this.wcnt;
      this.wtime += d;
    }
    this.wlastupdate = t;
  }

  private runAccum(t: number): void {
    const d = t - this.rlastupdate;
    if (this.rcnt > 0 && d > 0) {
      this.rlentime += d * this.rcnt;
      this.rtime += d;
    }
    this.rlastupdate = t;
  }

  toData(): Record<string, number> {
    return {
      nread: this.nread, nwritten: this.nwritten, reads: this.reads, writes: this.writes,
      wtime: this.wtime, wlentime: this.wlentime, wlastupdate: this.wlastupdate,
      rtime: this.rtime, rlentime: this.rlentime, rlastupdate: this.rlastupdate, wcnt: this.wcnt, rcnt: this.rcnt,
    };
  }
}
