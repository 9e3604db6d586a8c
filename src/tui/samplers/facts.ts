/**
 * One session as the tables see it: names, state, connections, the interval's rates and
 * latency, counters, age. Read from the History's current snapshot; shared by the sessions
 * table, the session screen and the latency table.
 */
import type { IoRates } from "../../stat/iostat.js";
import type { Kstat, KstatValue } from "../../stat/kstat.js";
import { IDLE_IO, num, str, type SessionDerived, type SessionKstats } from "../derive.js";
import { EMPTY_HIST, mergeHist, type HistDelta } from "../hist-delta.js";
import type { History } from "../history.js";

export interface SessionFacts {
  oid: number;
  /** "Normal" or "Discovery". */
  type: string;
  target: string;
  /** The portal of the newest live connection ("host:port"), "" when none. */
  portal: string;
  /** FREE, LOGGED_IN or FAILED. */
  state: string;
  /** Connections in LOGGED_IN. */
  conns: number;
  io: IoRates;
  /** Latency of reads and writes completed in the interval. */
  lat: HistDelta;
  read: HistDelta;
  write: HistDelta;
  errors: number;
  reconnects: number;
  disconnects: number;
  /** Seconds since the kstat was created. */
  uptimeS: number;
  sess: Kstat | undefined;
  kstats: SessionKstats;
  derived: SessionDerived | undefined;
}

/**
 * The facts of one session in the current snapshot, or undefined when it is not there.
 *
 * @example
 * sessionFacts(history, 3)?.io.rps;
 */
export function sessionFacts(h: History, oid: number): SessionFacts | undefined {
  const k = h.cur?.sessions.get(oid);
  if (!k || !h.cur) return undefined;
  const d = h.cur.derived.get(oid);
  const data = k.sess?.data ?? {};
  const snap = k.sess?.snaptime ?? k.io?.snaptime ?? 0;
  const born = k.sess?.crtime ?? k.io?.crtime ?? snap;
  return {
    oid, type: str(data.type, "Normal"), target: str(data.target_name), portal: portalOf(k), state: str(data.state, "?"),
    conns: [...k.conns.values()].filter((c) => c.data.state === "LOGGED_IN").length,
    io: d?.io ?? IDLE_IO, read: d?.read ?? EMPTY_HIST, write: d?.write ?? EMPTY_HIST,
    lat: d ? mergeHist([d.read, d.write]) : EMPTY_HIST,
    errors: num(data.errors), reconnects: num(data.reconnects), disconnects: num(data.disconnects),
    uptimeS: (snap - born) / 1e9, sess: k.sess, kstats: k, derived: d,
  };
}

/**
 * The target a session is shown by: its IQN, or "(discovery)" for a discovery session.
 *
 * @example
 * targetLabel(sessionFacts(history, 1)!); // "(discovery)"
 */
export function targetLabel(f: Pick<SessionFacts, "target" | "type">): string {
  return f.target || `(${f.type.toLowerCase()})`;
}

/** The remote address of the newest connection that is not FREE (else of the newest one). */
function portalOf(k: SessionKstats): string {
  const conns = [...k.conns.values()].sort((a, b) => b.crtime - a.crtime);
  const live = conns.find((c) => c.data.state !== "FREE") ?? conns[0];
  return live ? str(live.data.remote) : "";
}

/**
 * Disconnects by reason, most first, summed over session kstats' disconnect_<reason>
 * counters: "target-closed 2, nop-timeout 1" ("" when none).
 *
 * @example
 * disconnectsByReason([{ disconnect_target_closed: 2 }, { disconnect_nop_timeout: 1 }]); // "target-closed 2, nop-timeout 1"
 */
export function disconnectsByReason(data: Iterable<Readonly<Record<string, KstatValue>>>): string {
  const n = new Map<string, number>();
  for (const d of data) {
    for (const [k, v] of Object.entries(d)) {
      if (!k.startsWith("disconnect_") || typeof v !== "number" || v <= 0) continue;
      const reason = k.slice("disconnect_".length).replace(/_/g, "-");
      n.set(reason, (n.get(reason) ?? 0) + v);
    }
  }
  return [...n].sort((a, b) => b[1] - a[1]).map(([r, c]) => `${r} ${c}`).join(", ");
}
