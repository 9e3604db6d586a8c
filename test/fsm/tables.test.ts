import { test } from "node:test";
import assert from "node:assert/strict";
import { CONNECTION_FSM, CONN_UNHANDLED_BY_DESIGN } from "../../src/fsm/connection-fsm.js";
import { SESSION_FSM, SESSION_UNHANDLED_BY_DESIGN } from "../../src/fsm/session-fsm.js";
import { TASK_FSM, TASK_UNHANDLED_BY_DESIGN } from "../../src/fsm/task-fsm.js";
import type { Machine } from "../../src/fsm/fsm.js";

type Unhandled = ReadonlyArray<readonly [string, string, string]>;

/** Every (state, event) pair has a row or is listed as unhandled by design, never both. */
function walk(m: Machine<string, string, string>, unhandled: Unhandled): void {
  const exact = new Set(unhandled.filter(([, e]) => e !== "*").map(([s, e]) => `${s} ${e}`));
  const wholeState = new Set(unhandled.filter(([, e]) => e === "*").map(([s]) => s));
  const missing: string[] = [];
  for (const s of m.states) {
    for (const e of m.events) {
      const row = m.row(s, e);
      const listed = exact.has(`${s} ${e}`);
      if (row && listed) assert.fail(`${m.name} ${s} + ${e} has a row (${row.rfc}) and is listed as unhandled`);
      if (!row && !listed && !wholeState.has(s)) missing.push(`${s} + ${e}`);
      if (row) assert.ok(m.states.includes(row.to), `${m.name} ${s} + ${e} goes to unknown state ${row.to}`);
    }
  }
  assert.deepEqual(missing, [], `${m.name}: pairs with no row and not listed as unhandled by design`);
  for (const [s, e] of unhandled) {
    assert.ok(m.states.includes(s), `${m.name}: unhandled list names unknown state ${s}`);
    assert.ok(e === "*" || m.events.includes(e), `${m.name}: unhandled list names unknown event ${e}`);
  }
}

test("connection FSM: every (state, event) pair is a row or unhandled by design", () => {
  walk(CONNECTION_FSM as unknown as Machine<string, string, string>, CONN_UNHANDLED_BY_DESIGN);
});

test("session FSM: every (state, event) pair is a row or unhandled by design", () => {
  walk(SESSION_FSM as unknown as Machine<string, string, string>, SESSION_UNHANDLED_BY_DESIGN);
});

test("task FSM: every (state, event) pair is a row or unhandled by design", () => {
  walk(TASK_FSM as unknown as Machine<string, string, string>, TASK_UNHANDLED_BY_DESIGN);
});

test("connection FSM carries the RFC 7143 §8.1.1 initiator transitions T1, T2, T4, T5, T7..T18 and M1", () => {
  const labels = new Set(CONNECTION_FSM.rows.map((r) => r.rfc));
  for (const t of ["T1", "T2", "T4", "T5", "T7", "T8", "T9", "T10", "T11", "T12", "T13", "T14", "T15", "T16", "T17", "T18", "M1"]) {
    assert.ok(labels.has(t), `missing ${t}`);
  }
  assert.ok(!labels.has("T3") && !labels.has("T6"), "T3 and T6 are target-only");
});

test("connection FSM T4: XPT_WAIT + connected -> IN_LOGIN; T15: LOGGED_IN + fail -> CLEANUP_WAIT", () => {
  assert.equal(CONNECTION_FSM.row("XPT_WAIT", "connected")?.to, "IN_LOGIN");
  assert.equal(CONNECTION_FSM.row("LOGGED_IN", "fail")?.to, "CLEANUP_WAIT");
  assert.equal(CONNECTION_FSM.row("IN_LOGIN", "fail")?.to, "FREE", "T7: a failure during login frees the connection");
});

test("session FSM: N1 FREE->LOGGED_IN, N5 LOGGED_IN->FAILED, N4 FAILED->LOGGED_IN, N6 FAILED->FREE", () => {
  assert.deepEqual(
    [["FREE", "conn-logged-in"], ["LOGGED_IN", "conn-failed"], ["FAILED", "conn-logged-in"], ["FAILED", "timeout"]]
      .map(([s, e]) => { const r = SESSION_FSM.row(s as never, e as never); return `${r?.rfc} ${r?.to}`; }),
    ["N1 LOGGED_IN", "N5 FAILED", "N4 LOGGED_IN", "N6 FREE"],
  );
});

test("task FSM: a command waits PENDING for the CmdSN window, goes back to PENDING on E7", () => {
  assert.equal(TASK_FSM.row("FREE", "queue")?.to, "PENDING");
  assert.equal(TASK_FSM.row("PENDING", "send")?.to, "ACTIVE");
  assert.equal(TASK_FSM.row("ACTIVE", "conn-fail")?.to, "PENDING");
  assert.equal(TASK_FSM.row("ACTIVE", "timeout")?.to, "ABORTING");
});
