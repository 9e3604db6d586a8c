/**
 * Events in words: the latest transitions, disconnects (with their reasons and context),
 * logins, recoveries and anomalies of every session, or the timeline of the selected one;
 * and the selected session's last disconnect explained.
 */
import type { FeedEvent } from "../feed.js";
import { num, str } from "../derive.js";
import { fmtAge, fmtClock, fmtNs, secondsBetween } from "./format.js";
import { reasonText } from "./reasons.js";
import { disconnectsByReason, sessionFacts } from "./facts.js";
import { selectedSession } from "./sessions.js";
import type { LinesOut, SamplerDef, TextOut } from "./types.js";

/** "3 in flight, last receive 12ms before, NOP round trip 250us" */
function context(e: FeedEvent): string {
  const parts: string[] = [];
  if (e.inFlight !== undefined) parts.push(`${e.inFlight} in flight`);
  if (e.sinceLastRxNs !== undefined) parts.push(e.sinceLastRxNs === null ? "nothing received" : `last receive ${fmtNs(Number(e.sinceLastRxNs))} before`);
  if (e.lastNopRttNs !== undefined && e.lastNopRttNs !== null) parts.push(`NOP round trip ${fmtNs(Number(e.lastNopRttNs))}`);
  return parts.join(", ");
}

/** The detail of a disconnect event: its text without the leading "reason: ". */
function detailOf(e: FeedEvent): string {
  return e.reason && e.text.startsWith(`${e.reason}: `) ? e.text.slice(e.reason.length + 2) : e.text;
}

/**
 * One event as a line: time, session, then what happened in words.
 *
 * @example
 * formatEvent({ t, kind: "disconnect", sid: 2, cid: 1, reason: "nop-timeout", text: "nop-timeout: no NOP-In within 5000 ms", inFlight: 3 });
 * // "14:03:27 s2 conn 1 lost, nop-timeout: no NOP-In within 5000 ms; 3 in flight"
 */
export function formatEvent(e: FeedEvent): string {
  const head = `${fmtClock(e.t)} s${e.sid}`;
  if (e.kind !== "disconnect") return `${head} ${e.text}`;
  const ctx = context(e);
  return `${head} conn ${e.cid ?? "?"} lost, ${e.reason}: ${detailOf(e)}${ctx ? `; ${ctx}` : ""}`;
}

/**
 * The `events` sampler (what it shows is its `doc`).
 *
 * @example
 * events.sample({ history, view, params: {} }).kind; // "lines"
 */
export const events: SamplerDef<LinesOut> = {
  kind: "lines",
  doc: "the latest state transitions, disconnects with their reasons and context, logins, reconnect attempts and anomalies, all sessions",
  sample: ({ history }) => ({ kind: "lines", lines: history.events.last(200).map(formatEvent) }),
};

/**
 * The `session-timeline` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionTimeline.sample({ history, view, params: {} }).kind; // "lines"
 */
export const sessionTimeline: SamplerDef<LinesOut> = {
  kind: "lines",
  doc: "the selected session's state timeline: session and connection transitions with RFC labels, disconnects, logins, reconnects",
  sample: ({ history, view }) => {
    const oid = selectedSession(history, view);
    const ring = oid === undefined ? undefined : history.timelines.get(oid);
    return { kind: "lines", lines: ring?.toArray().map(formatEvent) ?? [] };
  },
};

function explain(e: FeedEvent, now: bigint, after: FeedEvent[]): string[] {
  const r = reasonText(e.reason ?? "");
  const lines = [
    `Last disconnect: conn ${e.cid ?? "?"} at ${fmtClock(e.t)} (${fmtAge(secondsBetween(e.t, now))} ago)`,
    `${e.reason}: ${detailOf(e)}`,
    `Means: ${r.what}${r.hint ? `; ${r.hint}` : ""}`,
    `Context: ${context(e) || "not recorded"}`,
  ];
  if (r.openIscsi) lines.push(`open-iscsi: ${r.openIscsi}`);
  const back = after.find((x) => x.kind === "transition" && x.object === "session" && x.to === "LOGGED_IN");
  const tries = after.filter((x) => x.kind === "recovery").length;
  if (back) lines.push(`Then: logged in again at ${fmtClock(back.t)} after ${tries} attempt(s), ${fmtAge(secondsBetween(e.t, back.t))} later`);
  else if (tries > 0) lines.push(`Then: ${tries} reconnect attempt(s) so far`);
  return lines;
}

/**
 * The `session-disconnect` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionDisconnect.sample({ history, view, params: {} }).kind; // "text"
 */
export const sessionDisconnect: SamplerDef<TextOut> = {
  kind: "text",
  doc: "the selected session's last disconnect explained: reason in plain words, commands in flight, time since the last receive, NOP round trip, what followed",
  sample: ({ history, view }) => {
    const oid = selectedSession(history, view);
    const f = oid === undefined ? undefined : sessionFacts(history, oid);
    if (oid === undefined || !f || !history.cur) return { kind: "text", lines: ["No session selected."] };
    const data = f.sess?.data ?? {};
    const counts = disconnectsByReason([data]);
    const all = counts ? [`All disconnects (${num(data.disconnects)}): ${counts}`] : [];
    const e = history.lastDisconnect.get(oid);
    if (e) {
      const after = history.timelines.get(oid)?.toArray().filter((x) => x.t >= e.t && x !== e) ?? [];
      return { kind: "text", lines: [...explain(e, history.cur.t, after), ...all] };
    }
    const reason = str(data.last_disconnect_reason);
    if (reason) {
      const r = reasonText(reason);
      return { kind: "text", lines: [`Last disconnect (before iscsitop started; no context kept): ${reason}`, str(data.last_disconnect_detail), `Means: ${r.what}${r.hint ? `; ${r.hint}` : ""}`, ...all] };
    }
    return { kind: "text", lines: ["No disconnect since the session began."] };
  },
};
