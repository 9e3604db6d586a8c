/**
 * The initiator session state machine, RFC 7143 §8.3: Q1 FREE, Q3 LOGGED_IN, Q4 FAILED with
 * the initiator's events N1, N3, N4, N5, N6 (N2, N7..N11 are target-side).
 */
import type { SessionState } from "../probe/types.js";
import { Machine, type FsmRow } from "./fsm.js";

export const SESSION_STATES: readonly SessionState[] = ["FREE", "LOGGED_IN", "FAILED"];

export type SessionEvent =
  | "conn-logged-in"  // a connection reached LOGGED_IN
  | "conn-logged-out" // the session was closed by a successful Logout
  | "conn-failed"     // the connection of a logged-in session failed
  | "login-failed"    // a login attempt of this session failed
  | "timeout";        // replacement timeout ran out, or the user gave up on a failed session

export type SessionAction = "doLoggedIn" | "doLoggedOut" | "doFailed" | "doRetry" | "doFree" | "doLoginFailed";

export const SESSION_FSM_ROWS: ReadonlyArray<FsmRow<SessionState, SessionEvent, SessionAction>> = [
  { from: "FREE", on: "conn-logged-in", to: "LOGGED_IN", do: "doLoggedIn", rfc: "N1" },
  { from: "FREE", on: "login-failed", to: "FREE", do: "doLoginFailed", rfc: "-" },
  { from: "LOGGED_IN", on: "conn-logged-out", to: "FREE", do: "doLoggedOut", rfc: "N3" },
  { from: "LOGGED_IN", on: "conn-failed", to: "FAILED", do: "doFailed", rfc: "N5" },
  { from: "FAILED", on: "conn-logged-in", to: "LOGGED_IN", do: "doLoggedIn", rfc: "N4" },
  { from: "FAILED", on: "login-failed", to: "FAILED", do: "doRetry", rfc: "-" },
  { from: "FAILED", on: "conn-failed", to: "FAILED", do: "doRetry", rfc: "-" },
  { from: "FAILED", on: "timeout", to: "FREE", do: "doFree", rfc: "N6" },
  { from: "FAILED", on: "conn-logged-out", to: "FREE", do: "doFree", rfc: "N6" },
];

export const SESSION_EVENTS: readonly SessionEvent[] = ["conn-logged-in", "conn-logged-out", "conn-failed", "login-failed", "timeout"];

export const SESSION_FSM = new Machine<SessionState, SessionEvent, SessionAction>("session", SESSION_STATES, SESSION_EVENTS, SESSION_FSM_ROWS);

export const SESSION_UNHANDLED_BY_DESIGN: ReadonlyArray<[SessionState, SessionEvent, string]> = [
  ["FREE", "conn-logged-out", "a FREE session has no connection to log out"],
  ["FREE", "conn-failed", "a connection that never logged in fails its login instead (login-failed)"],
  ["FREE", "timeout", "no replacement timer runs unless the session FAILED"],
  ["LOGGED_IN", "conn-logged-in", "one connection per session (MaxConnections=1): no second login"],
  ["LOGGED_IN", "login-failed", "no login in progress while logged in"],
  ["LOGGED_IN", "timeout", "the replacement timer runs only in FAILED"],
];
