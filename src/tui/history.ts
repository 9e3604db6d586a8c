/**
 * What the dashboard remembers between ticks: the last two snapshots (grouped by session,
 * with each session's rates derived once), minutes of per-tick totals and per-session
 * points for the charts, and the latest events. Samplers read it and never change it;
 * `advance()` is the only writer. Every collection is a bounded ring, and per-session
 * memory goes when the session does, so an hour of replay costs what a minute does.
 */
import type { FeedEvent, FeedTick } from "./feed.js";
import { deriveSession, groupKstats, str, type SessionDerived, type SessionKstats } from "./derive.js";
import { EMPTY_HIST, mergeHist, type HistDelta } from "./hist-delta.js";
import { Ring } from "./ring.js";

/** One tick, grouped and derived. */
export interface Snapshot {
  /** Feed time, ns since the epoch. */
  t: bigint;
  sessions: Map<number, SessionKstats>;
  /** Rates over the interval since the previous snapshot (or since creation). */
  derived: Map<number, SessionDerived>;
}

/** Rates of one tick: all sessions summed, or one session. */
export interface RatePoint {
  /** Feed time, ms since the epoch. */
  t: number;
  /** Seconds the point covers (the interval since the previous tick, or since the session began). */
  dt: number;
  rps: number;
  wps: number;
  /** KiB per second read and written. */
  krps: number;
  kwps: number;
  read: HistDelta;
  write: HistDelta;
}

export interface HistoryOptions {
  /** Per-tick points kept for charts (default 600: ten minutes at 1 Hz). */
  points?: number;
  /** Events kept for the event panels (default 1000). */
  events?: number;
  /** Events kept per session for its timeline (default 200). */
  timeline?: number;
  /** Seconds a session that went FREE (logged out) stays on screen (default 30). */
  lingerS?: number;
}

/**
 * @example
 * const h = new History();
 * h.advance(await feed.tick());
 * h.cur?.derived.get(oid)?.io.rps;
 */
export class History {
  prev: Snapshot | undefined;
  cur: Snapshot | undefined;
  /** Every session summed, per tick. */
  readonly totals: Ring<RatePoint>;
  /** Per visible session, per tick. */
  readonly series = new Map<number, Ring<RatePoint>>();
  readonly events: Ring<FeedEvent>;
  /** Per visible session: its transitions, disconnects, logins, recoveries. */
  readonly timelines = new Map<number, Ring<FeedEvent>>();
  /** Per visible session: the last disconnect seen as an event (with its context). */
  readonly lastDisconnect = new Map<number, FeedEvent>();
  /** When each session was first seen FREE (logged out). */
  readonly freeSince = new Map<number, bigint>();
  /** Ticks taken so far. */
  ticks = 0;
  private readonly opts: Required<HistoryOptions>;

  constructor(opts: HistoryOptions = {}) {
    this.opts = { points: 600, events: 1000, timeline: 200, lingerS: 30, ...opts };
    this.totals = new Ring(this.opts.points);
    this.events = new Ring(this.opts.events);
  }

  /** Take one tick: derive rates, append points and events, forget sessions that are gone. */
  advance(tick: FeedTick): void {
    const sessions = groupKstats(tick.kstats);
    const derived = new Map<number, SessionDerived>();
    for (const [oid, s] of sessions) derived.set(oid, deriveSession(this.cur?.sessions.get(oid), s));
    this.prev = this.cur;
    this.cur = { t: tick.t, sessions, derived };
    this.ticks++;
    this.trackFree(tick.t, sessions);
    for (const e of tick.events) this.addEvent(e);
    this.addPoints(tick.t, derived);
    this.forgetHidden();
  }

  /**
   * Whether a session is shown: not FREE, or FREE for less than the linger time.
   * Sessions not in the current snapshot are not.
   */
  visible(oid: number): boolean {
    const s = this.cur?.sessions.get(oid);
    if (!s || !this.cur) return false;
    const since = this.freeSince.get(oid);
    return since === undefined || this.cur.t - since < BigInt(this.opts.lingerS * 1e9);
  }

  /** Visible session instances, ascending. */
  visibleOids(): number[] {
    return [...(this.cur?.sessions.keys() ?? [])].filter((oid) => this.visible(oid)).sort((a, b) => a - b);
  }

  private trackFree(t: bigint, sessions: Map<number, SessionKstats>): void {
    for (const [oid, s] of sessions) {
      if (str(s.sess?.data.state) === "FREE") {
        if (!this.freeSince.has(oid)) this.freeSince.set(oid, t);
      } else this.freeSince.delete(oid);
    }
  }

  private addEvent(e: FeedEvent): void {
    this.events.push(e);
    let ring = this.timelines.get(e.sid);
    if (!ring) this.timelines.set(e.sid, (ring = new Ring(this.opts.timeline)));
    ring.push(e);
    if (e.kind === "disconnect") this.lastDisconnect.set(e.sid, e);
  }

  private addPoints(t: bigint, derived: Map<number, SessionDerived>): void {
    const tMs = Number(t / 1_000_000n);
    const dt = this.prev ? Number(t - this.prev.t) / 1e9 : 0;
    const total: RatePoint = { t: tMs, dt, rps: 0, wps: 0, krps: 0, kwps: 0, read: EMPTY_HIST, write: EMPTY_HIST };
    const reads: HistDelta[] = [];
    const writes: HistDelta[] = [];
    for (const [oid, d] of derived) {
      total.rps += d.io.rps;
      total.wps += d.io.wps;
      total.krps += d.io.krps;
      total.kwps += d.io.kwps;
      reads.push(d.read);
      writes.push(d.write);
      if (!this.visible(oid)) continue;
      let ring = this.series.get(oid);
      if (!ring) this.series.set(oid, (ring = new Ring(this.opts.points)));
      ring.push({ t: tMs, dt: d.io.etime, rps: d.io.rps, wps: d.io.wps, krps: d.io.krps, kwps: d.io.kwps, read: d.read, write: d.write });
    }
    total.read = mergeHist(reads);
    total.write = mergeHist(writes);
    this.totals.push(total);
  }

  /** Per-session memory goes with the session (gone from the kstats, or FREE past the linger time). */
  private forgetHidden(): void {
    for (const map of [this.series, this.timelines, this.lastDisconnect, this.freeSince] as Array<Map<number, unknown>>) {
      for (const oid of map.keys()) {
        if (!this.cur?.sessions.has(oid) || (map !== this.freeSince && !this.visible(oid))) map.delete(oid);
      }
    }
  }
}
