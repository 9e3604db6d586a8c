/**
 * `sessions`: the process list of iscsitop, one row per session, sortable by any column and
 * filtered by the `/` text. `totals`: the header above it.
 */
import { num } from "../derive.js";
import type { History } from "../history.js";
import type { ViewState } from "../view.js";
import { disconnectsByReason, sessionFacts, targetLabel, type SessionFacts } from "./facts.js";
import { fmtAge, fmtClock, fmtMBps, fmtNs, fmtRate } from "./format.js";
import { EMPTY_HIST, histMean, histPercentile, mergeHist } from "../hist-delta.js";
import { buildTable, type TableSpec } from "./sort.js";
import type { SamplerDef, TableOut, TextOut } from "./types.js";

const fixed = (x: number) => x.toFixed(1);

/**
 * The sessions table: columns, sort values, filter text.
 *
 * @example
 * buildTable(SESSIONS_TABLE, facts, view).rows[0].cells;
 */
export const SESSIONS_TABLE: TableSpec<SessionFacts> = {
  name: "sessions",
  defaultSort: { column: "SID", desc: false },
  key: (f) => f.oid,
  tone: (f) => (f.state === "FAILED" ? "bad" : f.state === "FREE" ? "dim" : undefined),
  filterText: (f) => `${f.oid} ${f.target} ${f.portal} ${f.state}`,
  empty: "no sessions yet",
  columns: [
    { name: "SID", align: "right", width: 3, priority: 0, text: (f) => String(f.oid), value: (f) => f.oid },
    { name: "TARGET", align: "left", width: 10, priority: 0, flex: true, text: targetLabel },
    { name: "PORTAL", align: "left", width: 15, priority: 3, text: (f) => f.portal || "-" },
    { name: "STATE", align: "left", width: 9, priority: 0, text: (f) => f.state },
    { name: "CN", align: "right", width: 2, priority: 4, text: (f) => String(f.conns), value: (f) => f.conns },
    { name: "r/s", align: "right", width: 5, priority: 0, text: (f) => fmtRate(f.io.rps), value: (f) => f.io.rps },
    { name: "w/s", align: "right", width: 5, priority: 0, text: (f) => fmtRate(f.io.wps), value: (f) => f.io.wps },
    { name: "rMB/s", align: "right", width: 5, priority: 1, text: (f) => fmtMBps(f.io.krps), value: (f) => f.io.krps },
    { name: "wMB/s", align: "right", width: 5, priority: 1, text: (f) => fmtMBps(f.io.kwps), value: (f) => f.io.kwps },
    { name: "avg", align: "right", width: 6, priority: 1, text: (f) => fmtNs(histMean(f.lat)), value: (f) => histMean(f.lat) },
    { name: "p99", align: "right", width: 6, priority: 1, text: (f) => fmtNs(histPercentile(f.lat, 99)), value: (f) => histPercentile(f.lat, 99) },
    { name: "wait", align: "right", width: 4, priority: 3, text: (f) => fixed(f.io.wait), value: (f) => f.io.wait },
    { name: "actv", align: "right", width: 4, priority: 3, text: (f) => fixed(f.io.actv), value: (f) => f.io.actv },
    { name: "ERR", align: "right", width: 4, priority: 2, text: (f) => String(f.errors), value: (f) => f.errors },
    { name: "RECON", align: "right", width: 5, priority: 2, text: (f) => String(f.reconnects), value: (f) => f.reconnects },
    { name: "UP", align: "right", width: 6, priority: 4, text: (f) => fmtAge(f.uptimeS), value: (f) => f.uptimeS },
  ],
};

/**
 * The visible sessions in the order the sessions table shows them (sort and filter applied).
 *
 * @example
 * const order = orderedSessions(history, view); // [3, 1, 2]
 */
export function orderedSessions(h: History, view: ViewState): number[] {
  return buildTable(SESSIONS_TABLE, visibleFacts(h), view).rows.map((r) => r.key);
}

function visibleFacts(h: History): SessionFacts[] {
  return h.visibleOids().map((oid) => sessionFacts(h, oid)).filter((f): f is SessionFacts => f !== undefined);
}

/**
 * The `sessions` sampler (what it shows is its `doc`).
 *
 * @example
 * sessions.sample({ history, view, params: {} }).kind; // "table"
 */
export const sessions: SamplerDef<TableOut> = {
  kind: "table",
  doc: "one row per session like top's process list: target, portal, state, connections, r/s, w/s, MB/s, avg and p99 latency, wait and active queues, errors, reconnects, uptime",
  sample: ({ history, view }) => buildTable(SESSIONS_TABLE, visibleFacts(history), view),
};

/** Counts of visible sessions by state, "2 LOGGED_IN, 1 FAILED". */
function byState(facts: SessionFacts[]): string {
  const n = new Map<string, number>();
  for (const f of facts) n.set(f.state, (n.get(f.state) ?? 0) + 1);
  const rank = (s: string) => ["LOGGED_IN", "FAILED", "FREE"].indexOf(s) >>> 0; // unknown states last
  const states = [...n.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return states.length === 0 ? "none" : states.map((s) => `${n.get(s)} ${s}`).join(", ");
}

function sourceLine(h: History, view: ViewState): string {
  const src = view.source;
  const when = h.cur ? fmtClock(h.cur.t) : "--:--:--";
  const pace = src.replay ? `x${src.replay.speed}${src.replay.paused ? " PAUSED" : ""}` : `every ${view.delayS}s${view.paused ? "  PAUSED" : ""}`;
  return `iscsitop  ${src.kind}: ${src.source}  ${when}  ${pace}`;
}

/**
 * The `totals` sampler (what it shows is its `doc`).
 *
 * @example
 * totals.sample({ history, view, params: {} }).kind; // "text"
 */
export const totals: SamplerDef<TextOut> = {
  kind: "text",
  doc: "header: source and time, sessions by state, total IOPS and MB/s, errors, disconnects, reconnects, then the answer to the last key",
  sample: ({ history, view }) => {
    const facts = visibleFacts(history);
    const t = history.totals.newest();
    const sum = (f: (x: SessionFacts) => number) => facts.reduce((a, x) => a + f(x), 0);
    const conns = sum((f) => f.conns);
    const lat = t ? mergeHist([t.read, t.write]) : EMPTY_HIST;
    const rate = t ? `IOPS ${fmtRate(t.rps + t.wps)} (r ${fmtRate(t.rps)} w ${fmtRate(t.wps)})  MB/s ${fmtMBps(t.krps + t.kwps)} (r ${fmtMBps(t.krps)} w ${fmtMBps(t.kwps)})` : "IOPS -  MB/s -";
    const sort = view.sort.sessions;
    const hint = view.message ?? [
      `dashboard ${view.dashboard}`, sort ? `sort ${sort.column} ${sort.desc ? "desc" : "asc"}` : "", view.filter ? `filter '${view.filter}'` : "", "? help  q quit",
    ].filter(Boolean).join("  ");
    return {
      kind: "text",
      lines: [
        sourceLine(history, view),
        `Sessions ${byState(facts)}  Conns ${conns}  Errors ${sum((f) => f.errors)}  Disconnects ${sum((f) => f.disconnects)}  Reconnects ${sum((f) => f.reconnects)}`,
        `${rate}  Latency avg ${fmtNs(histMean(lat))} p99 ${fmtNs(histPercentile(lat, 99))}`,
        hint,
        // Below: only when the header has the room (a tall terminal).
        `Disconnects by reason: ${disconnectsByReason(facts.map((f) => f.sess?.data ?? {})) || "none"}`,
        `Queues: ${sum((f) => num(f.sess?.data.cntr_pkt_pending))} pending, ${sum((f) => num(f.sess?.data.cntr_qactive))} active now; iostat wait ${sum((f) => f.io.wait).toFixed(1)}, actv ${sum((f) => f.io.actv).toFixed(1)}; CmdSN window closed ${sum((f) => num(f.sess?.data.window_closed))} times`,
      ],
    };
  },
};

/**
 * The session a one-session sampler shows: the selected one when it is visible, else the
 * first in the sessions table's order; undefined when there is none.
 *
 * @example
 * const oid = selectedSession(history, view);
 */
export function selectedSession(h: History, view: ViewState): number | undefined {
  if (view.selected !== undefined && h.visible(view.selected)) return view.selected;
  return orderedSessions(h, view)[0];
}
