/**
 * A Feed that makes up N sessions with moving counters, for the dashboard's bench and for
 * tests that need many sessions or hours of ticks without a target. Live mode answers each
 * tick() at once with the wall clock; replay mode advances its own clock one second per
 * tick, as fast as the caller pulls, with a ReplayControl: while paused, tick() waits for
 * step() or a resume (seek and speed are accepted and ignored).
 */
import type { Kstat } from "../../src/stat/kstat.js";
import { Log2Histogram } from "../../src/stat/histogram.js";
import type { Feed, FeedEvent, FeedTick, ReplayControl } from "../../src/tui/feed.js";

export interface SyntheticOptions {
  sessions: number;
  /** "live": wall-clock ticks; "replay": one second of feed time per tick, as fast as pulled. */
  mode: "live" | "replay";
  /** Replay: how many ticks before tick() rejects (default: an hour's, 3600). */
  ticks?: number;
  /** A disconnect and a reconnect every this many ticks, on a rotating session (default 60). */
  disconnectEvery?: number;
}

interface State {
  reads: number;
  writes: number;
  nread: number;
  nwritten: number;
  rtime: number;
  rlentime: number;
  read: Log2Histogram;
  write: Log2Histogram;
  errors: number;
  reconnects: number;
  disconnects: number;
  cid: number;
}

const NS = 1e9;

/**
 * @example
 * const feed = new SyntheticFeed({ sessions: 100, mode: "live" });
 * const { kstats } = await feed.tick(); // 100 sessions, ~600 kstats
 */
export class SyntheticFeed implements Feed {
  readonly kind: Feed["kind"];
  readonly source: string;
  readonly replay: ReplayControl | undefined;
  private readonly states: State[];
  private readonly t0: number;
  private n = 0;
  private lastT: number;

  constructor(private readonly o: SyntheticOptions) {
    this.kind = o.mode === "live" ? "live" : "recording";
    this.source = `synthetic, ${o.sessions} sessions`;
    this.t0 = Date.now() * 1e6;
    this.lastT = this.t0;
    this.states = Array.from({ length: o.sessions }, () => ({
      reads: 0, writes: 0, nread: 0, nwritten: 0, rtime: 0, rlentime: 0, read: new Log2Histogram(), write: new Log2Histogram(),
      errors: 0, reconnects: 0, disconnects: 0, cid: 0,
    }));
    const end = BigInt(Math.round(this.t0 + (o.ticks ?? 3600) * NS));
    const self = this;
    this.replay = o.mode === "replay" ? {
      speed: 1, paused: false, start: BigInt(Math.round(this.t0)), end,
      get position() { return BigInt(Math.round(self.lastT)); },
      step() { self.steps++; }, seek() {},
    } : undefined;
  }

  private steps = 0;
  private closed = false;

  async tick(): Promise<FeedTick> {
    while (this.replay?.paused && this.steps === 0 && !this.closed) await new Promise((r) => setTimeout(r, 10));
    if (this.closed) throw new Error("the synthetic feed is closed");
    if (this.steps > 0) this.steps--;
    return this.next();
  }

  private next(): Promise<FeedTick> {
    if (this.o.mode === "replay" && this.n >= (this.o.ticks ?? 3600)) return Promise.reject(new Error("end of the synthetic replay"));
    const t = this.o.mode === "live" ? Date.now() * 1e6 : this.t0 + (this.n + 1) * NS;
    const dt = (t - this.lastT) / NS;
    this.lastT = t;
    this.n++;
    const events: FeedEvent[] = [];
    const kstats: Kstat[] = [];
    this.states.forEach((s, i) => {
      this.advance(s, i, dt);
      if (this.n % (this.o.disconnectEvery ?? 60) === i % (this.o.disconnectEvery ?? 60)) events.push(...this.disconnect(s, i, BigInt(Math.round(t))));
      kstats.push(...this.kstats(s, i, t));
    });
    return Promise.resolve({ t: BigInt(Math.round(t)), kstats, events });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Session i does about 100 + 10 i reads and a third as many writes per second, 4-64 KiB. */
  private advance(s: State, i: number, dt: number): void {
    const reads = Math.round((100 + 10 * i) * dt * (0.8 + 0.4 * Math.random()));
    const writes = Math.round(reads / 3);
    for (let k = 0; k < Math.min(reads, 50); k++) s.read.add(2e5 + Math.random() * 2e6);
    for (let k = 0; k < Math.min(writes, 20); k++) s.write.add(4e5 + Math.random() * 4e6);
    s.reads += reads;
    s.writes += writes;
    s.nread += reads * 4096 * (1 + (i % 16));
    s.nwritten += writes * 4096 * (1 + (i % 16));
    s.rtime += dt * NS * 0.3;
    s.rlentime += dt * NS * 0.9;
  }

  private disconnect(s: State, i: number, t: bigint): FeedEvent[] {
    s.disconnects++;
    s.reconnects++;
    s.errors++;
    const cid = s.cid++;
    return [
      { t, kind: "disconnect", sid: i + 1, cid, reason: "nop-timeout", text: "nop-timeout: no NOP-In within 5000 ms", inFlight: 3, sinceLastRxNs: 5_200_000_000n, lastNopRttNs: 310_000n },
      { t, kind: "transition", sid: i + 1, cid, object: "conn", from: "LOGGED_IN", to: "CLEANUP_WAIT", rfc: "T15", text: `conn ${cid} LOGGED_IN -> CLEANUP_WAIT (T15)` },
      { t, kind: "recovery", sid: i + 1, reason: "nop-timeout", text: "reconnect attempt 1 in 2000 ms after nop-timeout" },
      { t, kind: "transition", sid: i + 1, object: "session", from: "FAILED", to: "LOGGED_IN", rfc: "N4", text: "session FAILED -> LOGGED_IN (N4)" },
    ];
  }

  private kstats(s: State, i: number, t: number): Kstat[] {
    const oid = i + 1;
    const base = { module: "iscsi" as const, instance: oid, crtime: this.t0, snaptime: t };
    const io = { reads: s.reads, writes: s.writes, nread: s.nread, nwritten: s.nwritten, wtime: 0, wlentime: 0, wlastupdate: 0, rtime: s.rtime, rlentime: s.rlentime, rlastupdate: 0, wcnt: 0, rcnt: 1 };
    const hist = { read: s.read.toJSON(), write: s.write.toJSON(), other: new Log2Histogram().toJSON() };
    return [
      { ...base, name: `iscsi_sess_${oid}`, class: "iscsi_sess", data: {
        state: "LOGGED_IN", oid, type: "Normal", target_name: `iqn.2026-11.io.iscsiscope.bench:target-${String(oid).padStart(3, "0")}`,
        isid: "800000000001", tsih: oid, cmd_sn: s.reads + s.writes, cmd_sn_exp: s.reads + s.writes, cmd_sn_max: s.reads + s.writes + 31,
        cntr_pkt_pending: 0, cntr_qactive: 1, errors: s.errors, reconnects: s.reconnects, disconnects: s.disconnects,
      } },
      { ...base, name: `iscsi_sess_io_${oid}`, class: "iscsi_sess_io", data: io, hist },
      { ...base, name: `iscsi_conn_${oid}_${s.cid}`, class: "iscsi_conn", data: {
        state: "LOGGED_IN", cid: s.cid, local: `127.0.0.1:${40000 + oid}`, remote: `10.0.${oid % 250}.1:3260`, cntr_tx_bytes: s.nwritten, cntr_rx_bytes: s.nread, tx_pdus: s.reads + s.writes, rx_pdus: s.reads + s.writes,
      } },
      { ...base, name: `iscsi_lun_io_${oid}_1`, class: "iscsi_lun_io", data: { lun: 1, ...io }, hist },
    ];
  }
}
