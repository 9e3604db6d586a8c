import { test } from "node:test";
import assert from "node:assert/strict";
import type { FeedEvent } from "../../../src/tui/feed.js";
import { events, formatEvent, sessionDisconnect, sessionTimeline } from "../../../src/tui/samplers/events.js";
import { REASONS, reasonText } from "../../../src/tui/samplers/reasons.js";
import { at, historyOf, input, tick } from "./fixture.js";

process.env.TZ = "UTC";

const drop: FeedEvent = {
  t: at(3), kind: "disconnect", sid: 1, cid: 0, reason: "target-closed", text: "target-closed: the target closed the TCP connection (FIN)",
  inFlight: 3, sinceLastRxNs: 1_200_000n, lastNopRttNs: 250_000n,
};
const story: FeedEvent[] = [
  drop,
  { t: at(3), kind: "transition", sid: 1, cid: 0, object: "conn", from: "LOGGED_IN", to: "CLEANUP_WAIT", rfc: "T15", text: "conn 0 LOGGED_IN -> CLEANUP_WAIT (T15): the target closed the TCP connection (FIN)" },
  { t: at(3), kind: "transition", sid: 1, object: "session", from: "LOGGED_IN", to: "FAILED", rfc: "N5", text: "session LOGGED_IN -> FAILED (N5)" },
  { t: at(3), kind: "recovery", sid: 1, reason: "target-closed", text: "reconnect attempt 1 in 2000 ms after target-closed" },
  { t: at(5), kind: "transition", sid: 1, object: "session", from: "FAILED", to: "LOGGED_IN", rfc: "N4", text: "session FAILED -> LOGGED_IN (N4)" },
  { t: at(5), kind: "transition", sid: 2, object: "session", from: "FREE", to: "LOGGED_IN", rfc: "N1", text: "session FREE -> LOGGED_IN (N1)" },
];

function told() {
  const after = { oid: 1, sess: { disconnects: 1, disconnect_target_closed: 1 } };
  return historyOf([tick(2, [{ oid: 1 }, { oid: 2 }]), tick(6, [after, { oid: 2 }], story), tick(9, [after, { oid: 2 }])]);
}

test("formatEvent(): a disconnect says when, which connection, the reason and its words, and the context", () => {
  assert.equal(formatEvent(drop), "11:06:43 s1 conn 0 lost, target-closed: the target closed the TCP connection (FIN); 3 in flight, last receive 1.2ms before, NOP round trip 250us");
  assert.equal(formatEvent(story[2]), "11:06:43 s1 session LOGGED_IN -> FAILED (N5)");
  assert.equal(formatEvent({ ...drop, sinceLastRxNs: null, lastNopRttNs: null, inFlight: 0 }), "11:06:43 s1 conn 0 lost, target-closed: the target closed the TCP connection (FIN); 0 in flight, nothing received");
});

test("events: every session's events, oldest first", () => {
  const out = events.sample(input(told()));
  assert.equal(out.lines.length, 6);
  assert.match(out.lines[0], /conn 0 lost, target-closed/);
  assert.match(out.lines[5], /s2 session FREE -> LOGGED_IN/);
});

test("session-timeline: only the selected session's events", () => {
  const out = sessionTimeline.sample(input(told(), { selected: 2 }));
  assert.deepEqual(out.lines, ["11:06:45 s2 session FREE -> LOGGED_IN (N1)"]);
  assert.equal(sessionTimeline.sample(input(told(), { selected: 1 })).lines.length, 5);
});

test("session-disconnect: the last disconnect explained, with its context and what followed", () => {
  const out = sessionDisconnect.sample(input(told(), { selected: 1 }));
  assert.deepEqual(out.lines, [
    "Last disconnect: conn 0 at 11:06:43 (6s ago)",
    "target-closed: the target closed the TCP connection (FIN)",
    `Means: the target closed the TCP connection; ${REASONS["target-closed"].hint}`,
    "Context: 3 in flight, last receive 1.2ms before, NOP round trip 250us",
    "open-iscsi: 1020 ISCSI_ERR_TCP_CONN_CLOSE",
    "Then: logged in again at 11:06:45 after 1 attempt(s), 2s later",
    "All disconnects (1): target-closed 1",
  ]);
});

test("session-disconnect: without the event (it came before iscsitop), the kstat's reason and detail", () => {
  const h = historyOf([tick(1, [{ oid: 1, sess: { disconnects: 1, last_disconnect_reason: "nop-timeout", last_disconnect_detail: "no NOP-In within 5000 ms" } }])]);
  const out = sessionDisconnect.sample(input(h));
  assert.match(out.lines[0], /before iscsitop started.*nop-timeout/);
  assert.equal(out.lines[1], "no NOP-In within 5000 ms");
  assert.match(out.lines[2], /NOP-Out ping got no answer/);
  const calm = sessionDisconnect.sample(input(historyOf([tick(1, [{ oid: 1 }])])));
  assert.deepEqual(calm.lines, ["No disconnect since the session began."]);
});

test("reasonText(): every reason of the closed list has words; an unknown one is shown as it is", () => {
  for (const [k, r] of Object.entries(REASONS)) assert.ok(r.what && r.hint, k);
  assert.deepEqual(reasonText("gremlins"), { what: "gremlins", hint: "" });
});
