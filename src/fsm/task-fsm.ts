/**
 * The command state machine of the illumos initiator (iscsi_cmd.c, "Command State Diagram
 * for an Initiator"): C1 FREE, C2 PENDING (queued; waits here while the CmdSN window is
 * closed), C3 ACTIVE (on the wire), C4 ABORTING, C5 COMPLETED, with its events E1..E10.
 * Difference by design: on a connection failure (E7) an ACTIVE command goes back to PENDING
 * and is sent again after session recovery (as open-iscsi and libiscsi do), instead of
 * completing with an error; it completes with an error if the replacement timeout runs out.
 */
import type { TaskState } from "../probe/types.js";
import { Machine, type FsmRow } from "./fsm.js";

export const TASK_STATES: readonly TaskState[] = ["FREE", "PENDING", "ACTIVE", "ABORTING", "COMPLETED"];

export type TaskEvent =
  | "queue"        // E1 requested to be sent
  | "send"         // E2 submitted on the wire (window open, ITT allocated)
  | "complete"     // E3 status received (SCSI Response, or Data-In with S)
  | "abort"        // E4 abort requested
  | "timeout"      // E6 timed out
  | "conn-fail"    // E7 the connection failed
  | "free"         // E8 completion delivered to the caller
  | "abort-done"   // E9 the ABORT TASK (or LU reset) completed
  | "fail";        // E7 variant: the session gave up (replacement timeout, logout, shutdown)

export const TASK_FSM_ROWS: ReadonlyArray<FsmRow<TaskState, TaskEvent, never>> = [
  { from: "FREE", on: "queue", to: "PENDING", rfc: "E1" },
  { from: "PENDING", on: "send", to: "ACTIVE", rfc: "E2" },
  { from: "PENDING", on: "abort", to: "COMPLETED", rfc: "E4" },
  { from: "PENDING", on: "timeout", to: "COMPLETED", rfc: "E6" },
  { from: "PENDING", on: "fail", to: "COMPLETED", rfc: "E7" },
  { from: "ACTIVE", on: "complete", to: "COMPLETED", rfc: "E3" },
  { from: "ACTIVE", on: "abort", to: "ABORTING", rfc: "E4" },
  { from: "ACTIVE", on: "timeout", to: "ABORTING", rfc: "E6" },
  { from: "ACTIVE", on: "conn-fail", to: "PENDING", rfc: "E7" },
  { from: "ACTIVE", on: "fail", to: "COMPLETED", rfc: "E7" },
  { from: "ABORTING", on: "complete", to: "COMPLETED", rfc: "E10" },
  { from: "ABORTING", on: "abort-done", to: "COMPLETED", rfc: "E9" },
  { from: "ABORTING", on: "abort", to: "ABORTING", rfc: "E4" },
  { from: "ABORTING", on: "timeout", to: "ABORTING", rfc: "E6" },
  { from: "ABORTING", on: "conn-fail", to: "COMPLETED", rfc: "E7" },
  { from: "ABORTING", on: "fail", to: "COMPLETED", rfc: "E7" },
  { from: "COMPLETED", on: "free", to: "FREE", rfc: "E8" },
];

export const TASK_EVENTS: readonly TaskEvent[] = [
  "queue", "send", "complete", "abort", "timeout", "conn-fail", "free", "abort-done", "fail",
];

export const TASK_FSM = new Machine<TaskState, TaskEvent, never>("task", TASK_STATES, TASK_EVENTS, TASK_FSM_ROWS);

export const TASK_UNHANDLED_BY_DESIGN: ReadonlyArray<[TaskState, TaskEvent, string]> = [
  ["FREE", "send", "a command is queued before it is sent"],
  ["FREE", "complete", "no status for a command that was never sent (an unknown ITT anomaly)"],
  ["FREE", "abort", "nothing to abort"], ["FREE", "timeout", "no timer runs for a FREE command"],
  ["FREE", "conn-fail", "not on a connection"], ["FREE", "free", "already free"],
  ["FREE", "abort-done", "nothing was aborted"], ["FREE", "fail", "nothing to fail"],
  ["PENDING", "queue", "already queued"],
  ["PENDING", "complete", "a queued command has not been sent: status for it is an unknown-ITT anomaly"],
  ["PENDING", "conn-fail", "a queued command is not on the wire: it simply waits for the next connection"],
  ["PENDING", "free", "not completed"], ["PENDING", "abort-done", "no abort was sent for a queued command"],
  ["ACTIVE", "queue", "already queued"], ["ACTIVE", "send", "already sent"], ["ACTIVE", "free", "not completed"],
  ["ACTIVE", "abort-done", "no abort outstanding"],
  ["ABORTING", "queue", "already queued"], ["ABORTING", "send", "already sent"], ["ABORTING", "free", "not completed"],
  ["COMPLETED", "queue", "completed"], ["COMPLETED", "send", "completed"], ["COMPLETED", "complete", "completed (a duplicate status is an anomaly)"],
  ["COMPLETED", "abort", "completed"], ["COMPLETED", "timeout", "timers stop at completion"],
  ["COMPLETED", "conn-fail", "completed"], ["COMPLETED", "abort-done", "a late TMF response after completion is ignored"],
  ["COMPLETED", "fail", "completed"],
];
