/**
 * The initiator connection state machine, RFC 7143 §8.1.1 (states S1..S8 less the
 * target-only S3), with the ERL 0 end of the cleanup machine (§8.2: M1). Labels as in the RFC.
 */
import type { ConnState } from "../probe/types.js";
import { Machine, type FsmRow } from "./fsm.js";

export const CONN_STATES: readonly ConnState[] = [
  "FREE", "XPT_WAIT", "IN_LOGIN", "LOGGED_IN", "IN_LOGOUT", "LOGOUT_REQUESTED", "CLEANUP_WAIT",
];

export type ConnEvent =
  | "connect"              // the initiator asks for a transport connection
  | "connected"            // TCP connection established
  | "connect-failed"       // refused, unreachable or timed out
  | "login-ok"             // final Login Response, Status-Class 0
  | "login-failed"         // final Login Response with non-zero Status-Class, or login timeout
  | "logout"               // internal: ready to send a Logout Request
  | "async-logout-request" // Async Message, AsyncEvent 1
  | "logout-ok"            // Logout Response, response 0
  | "logout-failed"        // Logout Response non-zero, or logout timeout
  | "fail"                 // transport closed/reset, NOP timeout, digest or protocol error, async drop
  | "session-closed"       // "close the session" succeeded on another connection
  | "cleanup-done";        // the session took this connection's tasks; resources freed

export type ConnAction = "doConnect" | "doLogin" | "doLoggedIn" | "doLogout" | "doLogoutRequested" | "doClose" | "doFail";

export const CONN_FSM_ROWS: ReadonlyArray<FsmRow<ConnState, ConnEvent, ConnAction>> = [
  { from: "FREE", on: "connect", to: "XPT_WAIT", do: "doConnect", rfc: "T1" },
  { from: "XPT_WAIT", on: "connected", to: "IN_LOGIN", do: "doLogin", rfc: "T4" },
  { from: "XPT_WAIT", on: "connect-failed", to: "FREE", do: "doClose", rfc: "T2" },
  { from: "XPT_WAIT", on: "fail", to: "FREE", do: "doClose", rfc: "T2" },
  { from: "XPT_WAIT", on: "session-closed", to: "FREE", do: "doClose", rfc: "T2" },
  { from: "IN_LOGIN", on: "login-ok", to: "LOGGED_IN", do: "doLoggedIn", rfc: "T5" },
  { from: "IN_LOGIN", on: "login-failed", to: "FREE", do: "doClose", rfc: "T7" },
  { from: "IN_LOGIN", on: "fail", to: "FREE", do: "doClose", rfc: "T7" },
  { from: "IN_LOGIN", on: "session-closed", to: "FREE", do: "doClose", rfc: "T7" },
  { from: "LOGGED_IN", on: "session-closed", to: "FREE", do: "doClose", rfc: "T8" },
  { from: "LOGGED_IN", on: "logout", to: "IN_LOGOUT", do: "doLogout", rfc: "T9" },
  { from: "LOGOUT_REQUESTED", on: "logout", to: "IN_LOGOUT", do: "doLogout", rfc: "T10" },
  { from: "LOGGED_IN", on: "async-logout-request", to: "LOGOUT_REQUESTED", do: "doLogoutRequested", rfc: "T11" },
  { from: "LOGOUT_REQUESTED", on: "async-logout-request", to: "LOGOUT_REQUESTED", rfc: "T12" },
  { from: "IN_LOGOUT", on: "logout-ok", to: "FREE", do: "doClose", rfc: "T13" },
  { from: "IN_LOGOUT", on: "session-closed", to: "FREE", do: "doClose", rfc: "T13" },
  { from: "IN_LOGOUT", on: "async-logout-request", to: "IN_LOGOUT", rfc: "T14" },
  { from: "LOGGED_IN", on: "fail", to: "CLEANUP_WAIT", do: "doFail", rfc: "T15" },
  { from: "IN_LOGOUT", on: "logout-failed", to: "CLEANUP_WAIT", do: "doFail", rfc: "T16" },
  { from: "IN_LOGOUT", on: "fail", to: "CLEANUP_WAIT", do: "doFail", rfc: "T16" },
  { from: "LOGOUT_REQUESTED", on: "logout-failed", to: "CLEANUP_WAIT", do: "doFail", rfc: "T17" },
  { from: "LOGOUT_REQUESTED", on: "fail", to: "CLEANUP_WAIT", do: "doFail", rfc: "T17" },
  { from: "LOGOUT_REQUESTED", on: "session-closed", to: "FREE", do: "doClose", rfc: "T18" },
  { from: "CLEANUP_WAIT", on: "cleanup-done", to: "FREE", rfc: "M1" },
  { from: "CLEANUP_WAIT", on: "session-closed", to: "FREE", rfc: "M1" },
];

export const CONN_EVENTS: readonly ConnEvent[] = [
  "connect", "connected", "connect-failed", "login-ok", "login-failed", "logout", "async-logout-request",
  "logout-ok", "logout-failed", "fail", "session-closed", "cleanup-done",
];

export const CONNECTION_FSM = new Machine<ConnState, ConnEvent, ConnAction>("conn", CONN_STATES, CONN_EVENTS, CONN_FSM_ROWS);

/**
 * (state, event) pairs with no row, and why. Anything not here and not in the table is a
 * bug the table-walk test catches.
 */
export const CONN_UNHANDLED_BY_DESIGN: ReadonlyArray<[ConnState | "*", ConnEvent, string]> = [
  ["FREE", "*" as ConnEvent, "a FREE connection takes only 'connect'; events of a closed socket are detached"],
  ["CLEANUP_WAIT", "*" as ConnEvent, "a failed connection waits only for cleanup-done or session-closed (M1)"],
  ["XPT_WAIT", "*" as ConnEvent, "no login or logout traffic before the TCP connection is up"],
  ["IN_LOGIN", "*" as ConnEvent, "no logout before full feature phase (RFC 7143 §8.1.3: T9/T11 start in S5)"],
  ["LOGGED_IN", "login-ok", "login is over"], ["LOGGED_IN", "login-failed", "login is over"],
  ["LOGGED_IN", "connect", "already connected"], ["LOGGED_IN", "connected", "already connected"],
  ["LOGGED_IN", "connect-failed", "already connected"], ["LOGGED_IN", "logout-ok", "no Logout outstanding"],
  ["LOGGED_IN", "logout-failed", "no Logout outstanding"], ["LOGGED_IN", "cleanup-done", "not failed"],
  ["IN_LOGOUT", "connect", "connected"], ["IN_LOGOUT", "connected", "connected"],
  ["IN_LOGOUT", "connect-failed", "connected"], ["IN_LOGOUT", "login-ok", "login is over"],
  ["IN_LOGOUT", "login-failed", "login is over"], ["IN_LOGOUT", "logout", "a Logout is already outstanding"],
  ["IN_LOGOUT", "cleanup-done", "not failed"],
  ["LOGOUT_REQUESTED", "connect", "connected"], ["LOGOUT_REQUESTED", "connected", "connected"],
  ["LOGOUT_REQUESTED", "connect-failed", "connected"], ["LOGOUT_REQUESTED", "login-ok", "login is over"],
  ["LOGOUT_REQUESTED", "login-failed", "login is over"], ["LOGOUT_REQUESTED", "logout-ok", "no Logout sent yet"],
  ["LOGOUT_REQUESTED", "cleanup-done", "not failed"],
];
