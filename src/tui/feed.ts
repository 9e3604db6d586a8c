/**
 * What a dashboard is fed, whatever the source: a live daemon, a recording (SQLite) or a
 * capture replayed. Each tick brings the counters (kstat snapshots, from which rates,
 * queues and latency histograms are derived) and the notable events since the last tick
 * (state transitions, disconnects with their reasons, logins, recoveries, anomalies).
 *
 * Sources: `InProcessFeed` (a bus and an IscsiStats in this process: the demo and the
 * tests), the daemon feed (over the control socket), the recording feed and the capture
 * feed. Replayed sources can pause, step, seek and change speed.
 */
import type { Kstat } from "../stat/kstat.js";

/** A notable event, already in words: what the transitions/disconnects panels list. */
export interface FeedEvent {
  /** ns since the epoch (capture time for a capture). */
  t: bigint;
  kind: "transition" | "disconnect" | "login" | "recovery" | "anomaly";
  /** Session instance (the kstat instance). */
  sid: number;
  cid?: number;
  /** session / conn (transitions). */
  object?: "session" | "conn";
  from?: string;
  to?: string;
  /** RFC label of a transition (T15, N5, ...). */
  rfc?: string;
  /** Disconnect reason from the closed list, anomaly kind, login status. */
  reason?: string;
  /** One line for people. */
  text: string;
  /** Disconnect context. */
  inFlight?: number;
  sinceLastRxNs?: bigint | null;
  lastNopRttNs?: bigint | null;
}

/** One refresh worth of data. */
export interface FeedTick {
  /** Time of the snapshot (ns since the epoch; capture time for a capture). */
  t: bigint;
  kstats: Kstat[];
  /** Events since the previous tick, oldest first. */
  events: FeedEvent[];
}

export interface Feed {
  /** "live", "recording" or "capture": shown in the header. */
  readonly kind: "live" | "recording" | "capture";
  /** Where it comes from: socket path, file name. */
  readonly source: string;
  /** The next tick; resolves at the source's pace (live: now; replay: by speed). */
  tick(): Promise<FeedTick>;
  /** Replayed sources only. */
  readonly replay?: ReplayControl;
  close(): Promise<void>;
}

export interface ReplayControl {
  /** Playback speed: 1 = capture time, 10 = ten times faster. */
  speed: number;
  paused: boolean;
  /** Advance one tick while paused. */
  step(): void;
  /** Jump to a time (ns since the epoch) within [start, end]. */
  seek(t: bigint): void;
  readonly start: bigint;
  readonly end: bigint;
  /** The current position. */
  readonly position: bigint;
}
