/**
 * Probe arguments -> FeedEvents: the transitions, disconnects, logins, recoveries and
 * anomalies a dashboard lists, in words. Used by every feed that has a bus (in-process,
 * capture) and by the daemon, which sends the same events to iscsitop.
 */
import type { ProbeBus } from "../probe/bus.js";
import type { AnomalyArgs, DisconnectArgs, LoginResultArgs, SessionRecoveryArgs, StateChangeArgs } from "../probe/catalog.js";
import type { ConnRef, ProbeModule, SessionRef } from "../probe/types.js";
import type { FeedEvent } from "./feed.js";

/** Subscribe to the notable probes of `bus`; `push` gets each as a FeedEvent. Returns the unsubscribe. */
export function watchEvents(bus: ProbeBus, push: (e: FeedEvent) => void, module?: ProbeModule): () => void {
  const m = module ? `iscsi:${module}:` : "";
  const offs = [
    bus.subscribe(`${m}session:state-change`, (a) => {
      const x = a as StateChangeArgs<SessionRef, string>;
      push({ t: x.t, kind: "transition", sid: x.ref.oid, object: "session", from: x.from, to: x.to, rfc: x.rfc,
        text: `session ${x.from} -> ${x.to} (${x.rfc})${x.detail ? `: ${x.detail}` : ""}` });
    }),
    bus.subscribe(`${m}conn:state-change`, (a) => {
      const x = a as StateChangeArgs<ConnRef, string>;
      push({ t: x.t, kind: "transition", sid: x.ref.session.oid, cid: x.ref.cid, object: "conn", from: x.from, to: x.to, rfc: x.rfc,
        text: `conn ${x.ref.cid} ${x.from} -> ${x.to} (${x.rfc})${x.detail ? `: ${x.detail}` : ""}` });
    }),
    bus.subscribe(`${m}conn:disconnect`, (a) => {
      const x = a as DisconnectArgs;
      push({ t: x.t, kind: "disconnect", sid: x.conn.session.oid, cid: x.conn.cid, reason: x.reason, inFlight: x.inFlight,
        sinceLastRxNs: x.sinceLastRxNs, lastNopRttNs: x.lastNopRttNs, text: `${x.reason}: ${x.detail}` });
    }),
    bus.subscribe(`${m}login:result`, (a) => {
      const x = a as LoginResultArgs;
      push({ t: x.t, kind: "login", sid: x.conn.session.oid, cid: x.conn.cid, reason: x.status,
        text: `login ${x.status}${x.redirectedTo ? ` -> ${x.redirectedTo}` : ""}` });
    }),
    bus.subscribe(`${m}session:recovery`, (a) => {
      const x = a as SessionRecoveryArgs;
      push({ t: x.t, kind: "recovery", sid: x.session.oid, reason: x.reason, text: `reconnect attempt ${x.attempt} in ${x.delayMs} ms after ${x.reason}` });
    }),
    bus.subscribe(`${m}anomaly:*`, (a) => {
      const x = a as AnomalyArgs;
      push({ t: x.t, kind: "anomaly", sid: x.conn.session.oid, cid: x.conn.cid, reason: x.kind, text: `${x.kind}: ${x.detail}` });
    }),
  ];
  return () => offs.forEach((off) => off());
}
