/**
 * `iscsitop --db FILE`: a flight recording replayed. Each tick holds the last counter
 * snapshot at or before the position, and the transitions, disconnects, logins, recoveries
 * and anomalies recorded since the previous tick, turned into the same FeedEvents a live
 * daemon sends. Sessions are named by their instance (the kstat's), as live.
 */
import { listConnections, listSessions, openRecording, readEvents, readSnapshots, type RecordedEvent, type RecordingDb } from "../../record/reader.js";
import { recordingEnd } from "../../record/queries.js";
import type { Ns } from "../../probe/types.js";
import type { FeedEvent, FeedTick } from "../../tui/feed.js";
import { ReplayPlayer, type ReplaySource } from "../../tui/replay-player.js";
import { UsageError } from "../usage-error.js";

/** Events read per tick at most (a storm of anomalies is summarised by the ones shown). */
const MAX_EVENTS = 5000;

class RecordingSource implements ReplaySource {
  readonly kind = "recording" as const;
  readonly start: Ns;
  readonly end: Ns;
  private readonly oid = new Map<number, number>();
  private readonly cid = new Map<number, number>();

  constructor(private readonly db: RecordingDb, readonly source: string) {
    for (const s of listSessions(db)) this.oid.set(s.id, s.oid);
    for (const c of listConnections(db)) this.cid.set(c.id, c.cid);
    const first = readEvents(db).next();
    if (first.done) throw new UsageError(`${source}: the recording holds nothing to replay`, 1);
    this.start = first.value.t;
    this.end = recordingEnd(db);
  }

  at(t: Ns, from: Ns | undefined): Promise<FeedTick> {
    let kstats: FeedTick["kstats"] = [];
    // The last snapshot at or before t (snapshots come every second or so: look back a minute).
    for (const s of readSnapshots(this.db, { from: t - 60_000_000_000n, to: t })) kstats = s.kstats;
    const events: FeedEvent[] = [];
    if (from !== undefined) {
      for (const e of readEvents(this.db, { from: from + 1n, to: t, types: ["transition", "login", "disconnect", "recovery", "anomaly"] })) {
        const f = this.feedEvent(e);
        if (f) events.push(f);
        if (events.length >= MAX_EVENTS) break;
      }
    }
    return Promise.resolve({ t, kstats, events });
  }

  private feedEvent(e: RecordedEvent): FeedEvent | undefined {
    const sid = (id: number | null) => (id === null ? 0 : this.oid.get(id) ?? 0);
    const cid = (id: number | null) => (id === null ? undefined : this.cid.get(id));
    switch (e.type) {
      case "transition": {
        const r = e.row;
        if (r.objectType === "task") return undefined;
        const c = r.objectType === "conn" ? cid(r.objectId) : undefined;
        const who = r.objectType === "conn" ? `conn ${c ?? "?"}` : "session";
        return { t: e.t, kind: "transition", sid: sid(r.sessionId), cid: c, object: r.objectType, from: r.from, to: r.to, rfc: r.rfc,
          text: `${who} ${r.from} -> ${r.to} (${r.rfc})${r.detail ? `: ${r.detail}` : ""}` };
      }
      case "disconnect": {
        const r = e.row;
        return { t: e.t, kind: "disconnect", sid: sid(r.sessionId), cid: cid(r.connectionId), reason: r.reason, inFlight: r.inFlight,
          sinceLastRxNs: r.sinceLastRxNs, lastNopRttNs: r.lastNopRttNs, text: `${r.reason}: ${r.detail}` };
      }
      case "login": {
        const r = e.row;
        if (r.status === null) return undefined;
        return { t: e.t, kind: "login", sid: sid(r.sessionId), cid: cid(r.connectionId), reason: r.status,
          text: `login ${r.status}${r.redirectedTo ? ` -> ${r.redirectedTo}` : ""}` };
      }
      case "recovery": {
        const r = e.row;
        return { t: e.t, kind: "recovery", sid: sid(r.sessionId), reason: r.reason, text: `reconnect attempt ${r.attempt} in ${r.delayMs} ms after ${r.reason}` };
      }
      case "anomaly": {
        const r = e.row;
        return { t: e.t, kind: "anomaly", sid: sid(r.sessionId), cid: cid(r.connectionId), reason: r.kind, text: `${r.kind}: ${r.detail}` };
      }
      default:
        return undefined;
    }
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}

/**
 * Open a recording as a replayed feed.
 *
 * @example
 * const feed = openRecordingFeed("flight.sqlite", { stepS: 1, speed: 1 });
 */
export function openRecordingFeed(file: string, o: { stepS?: number; speed?: number } = {}): ReplayPlayer {
  const db = openRecording(file);
  try {
    return new ReplayPlayer(new RecordingSource(db, file), o);
  } catch (e) {
    db.close();
    throw e;
  }
}
