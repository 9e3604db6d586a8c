/**
 * The probe catalog: every probe iscsiscope fires, with its arguments. This file is the
 * documentation (`iscsitrace -l` prints it); adding a probe means adding it here.
 *
 * Names are DTrace's `provider:module:function:name`: provider `iscsi`, module `initiator`
 * (live) or `pcap` (replayed), function the object, name the event. The keys below are
 * `function:name`; the module is chosen by the producer.
 */
// Type-only: erased at compile time, so src/probe still imports nothing of ours at run time.
import type { Pdu } from "../wire/types.js";
import type {
  AnomalyKind, ConnRef, ConnState, DisconnectReason, Ns, SessionRef, SessionState, TaskRef, TaskState,
} from "./types.js";

/** A state machine moved. `rfc` is the RFC 7143 transition label (T5, N1, ...) or illumos's (E2). */
export interface StateChangeArgs<R, S extends string> {
  ref: R;
  from: S;
  to: S;
  event: string;
  rfc: string;
  /** What caused it, in words, when the event alone does not say (e.g. "TCP FIN"). */
  detail?: string;
  t: Ns;
}

export interface PduArgs {
  conn: ConnRef;
  pdu: Pdu;
  /** Bytes on the wire: header, AHS, digests, data and padding. */
  wireLength: number;
  t: Ns;
}

export interface DisconnectArgs {
  conn: ConnRef;
  reason: DisconnectReason;
  /** The reason in plain words with its context. */
  detail: string;
  /** SCSI commands in flight (sent, not completed) when it happened. */
  inFlight: number;
  /** Time since the last byte was received, or null if nothing ever was. */
  sinceLastRxNs: Ns | null;
  /** Round trip of the last answered NOP-Out, or null. */
  lastNopRttNs: Ns | null;
  /** For login-failed: the target's Status-Class/Detail. */
  statusClass?: number;
  statusDetail?: number;
  t: Ns;
}

export interface LoginStartArgs {
  conn: ConnRef;
  /** 1 for the first attempt of a session, then counts reconnects. */
  attempt: number;
  t: Ns;
}

export interface LoginStageArgs {
  conn: ConnRef;
  /** Current and next stage: 0 security, 1 operational, 3 full feature. */
  csg: number;
  nsg: number;
  transit: boolean;
  t: Ns;
}

export interface LoginKeyArgs {
  conn: ConnRef;
  key: string;
  /** What we sent, if we sent it. Security-stage secrets are never carried. */
  offered: string | undefined;
  /** What the target answered or offered. */
  answered: string | undefined;
  /** The value in force; undefined when the key keeps its previous value (rejected, unanswered). */
  result: string | undefined;
  proposer: "initiator" | "target";
  /** The RFC 7143 result function: Min, Max, Or, And, List, Declarative. */
  rule: string;
  t: Ns;
}

export interface LoginResultArgs {
  conn: ConnRef;
  statusClass: number;
  statusDetail: number;
  /** "0x0201 Authentication failure" style. */
  status: string;
  tsih: number;
  /** From the TCP connect to the final Login Response. */
  durationNs: Ns;
  /** For Status-Class 1: where the target sent us. */
  redirectedTo?: string;
  t: Ns;
}

export interface DiscoveryTargetArgs {
  conn: ConnRef;
  targetName: string;
  /** TargetAddress as sent: "host:port,tpgt". */
  address: string;
  host: string;
  port: number;
  tpgt: number;
  t: Ns;
}

export interface NetConnectArgs {
  conn: ConnRef;
  host: string;
  port: number;
  family: 4 | 6;
  ok: boolean;
  /** errno-style code when not ok: ECONNREFUSED, ETIMEDOUT, ... */
  error?: string;
  durationNs: Ns;
  t: Ns;
}

export interface TimerArgs {
  conn?: ConnRef;
  session?: SessionRef;
  task?: TaskRef;
  timer: "login" | "logout" | "nop" | "abort" | "lu-reset" | "replacement" | "command" | "connect";
  /** The configured timeout that ran out. */
  timeoutMs: number;
  t: Ns;
}

export interface TaskArgs {
  task: TaskRef;
  t: Ns;
}

export interface TaskR2TArgs {
  task: TaskRef;
  r2tSN: number;
  bufferOffset: number;
  desiredDataTransferLength: number;
  t: Ns;
}

export interface TaskDoneArgs {
  task: TaskRef;
  /** iSCSI Response (0 completed at target) and SAM status, or undefined when it never completed. */
  response: number | undefined;
  status: number | undefined;
  /** Sense key, ASC, ASCQ when the status carried sense data. */
  sense: { key: number; asc: number; ascq: number } | undefined;
  /** Why the task ended without a status: "aborted", "connection-lost", "timeout", ... */
  error: string | undefined;
  /** Data bytes moved. */
  bytes: number;
  residual: number;
  queuedT: Ns;
  sentT: Ns | undefined;
  firstDataT: Ns | undefined;
  /** Total time the task waited for R2Ts. */
  r2tWaitNs: Ns;
  t: Ns;
}

export interface XferArgs {
  task: TaskRef;
  dir: "read" | "write";
  bufferOffset: number;
  length: number;
  t: Ns;
}

export interface NopRttArgs {
  conn: ConnRef;
  rttNs: Ns;
  t: Ns;
}

export interface SessionRecoveryArgs {
  session: SessionRef;
  /** 1, 2, ... since the session failed. */
  attempt: number;
  /** Hold time before this attempt. */
  delayMs: number;
  reason: DisconnectReason;
  t: Ns;
}

export interface AnomalyArgs {
  conn: ConnRef;
  kind: AnomalyKind;
  detail: string;
  itt?: number;
  expected?: number;
  got?: number;
  t: Ns;
}

export interface UnhandledArgs {
  machine: "session" | "conn" | "task";
  state: string;
  event: string;
  t: Ns;
}

/** The PDU probe names, as the DTrace iscsi provider names them (read from the initiator's side). */
export const PDU_PROBE_BY_KIND = {
  "nop-out": "nop-out", "scsi-command": "scsi-command", "task-request": "task-command",
  "login-request": "login-command", "text-request": "text-command", "data-out": "data-out",
  "logout-request": "logout-command", "snack": "snack", "nop-in": "nop-in",
  "scsi-response": "scsi-response", "task-response": "task-response", "login-response": "login-response",
  "text-response": "text-response", "data-in": "data-in", "logout-response": "logout-response",
  "r2t": "r2t", "async-message": "async-message", "reject": "reject", "vendor": "vendor",
} as const;

type PduProbeName = (typeof PDU_PROBE_BY_KIND)[keyof typeof PDU_PROBE_BY_KIND];

/** The probe key of each PDU kind, as constants (a key built per PDU would be hashed per PDU). */
export const PDU_PROBE_KEY: { readonly [K in keyof typeof PDU_PROBE_BY_KIND]: `pdu:${(typeof PDU_PROBE_BY_KIND)[K]}` } = {
  "nop-out": "pdu:nop-out", "scsi-command": "pdu:scsi-command", "task-request": "pdu:task-command",
  "login-request": "pdu:login-command", "text-request": "pdu:text-command", "data-out": "pdu:data-out",
  "logout-request": "pdu:logout-command", "snack": "pdu:snack", "nop-in": "pdu:nop-in",
  "scsi-response": "pdu:scsi-response", "task-response": "pdu:task-response", "login-response": "pdu:login-response",
  "text-response": "pdu:text-response", "data-in": "pdu:data-in", "logout-response": "pdu:logout-response",
  "r2t": "pdu:r2t", "async-message": "pdu:async-message", "reject": "pdu:reject", "vendor": "pdu:vendor",
};

/** Every probe's arguments, keyed `function:name`. */
export type ProbeArgsMap = {
  "session:state-change": StateChangeArgs<SessionRef, SessionState>;
  "session:recovery": SessionRecoveryArgs;
  "conn:state-change": StateChangeArgs<ConnRef, ConnState>;
  "conn:disconnect": DisconnectArgs;
  "conn:nop-rtt": NopRttArgs;
  "task:state-change": StateChangeArgs<TaskRef, TaskState>;
  "task:queued": TaskArgs;
  "task:sent": TaskArgs;
  "task:r2t": TaskR2TArgs;
  "task:first-data": TaskArgs;
  "task:done": TaskDoneArgs;
  "task:xfer-start": XferArgs;
  "task:xfer-done": XferArgs;
  "pdu:send": PduArgs;
  "pdu:receive": PduArgs;
  "login:start": LoginStartArgs;
  "login:stage": LoginStageArgs;
  "login:key": LoginKeyArgs;
  "login:result": LoginResultArgs;
  "discovery:target": DiscoveryTargetArgs;
  "net:connect": NetConnectArgs;
  "timer:expire": TimerArgs;
  "fsm:unhandled": UnhandledArgs;
} & { [K in `pdu:${PduProbeName}`]: PduArgs } & { [K in `anomaly:${AnomalyKind}`]: AnomalyArgs };

export type ProbeKey = keyof ProbeArgsMap;

/** One line of documentation per probe, and per argument. */
export interface ProbeDoc {
  doc: string;
  args: string;
}

/** One probe per anomaly kind, so `iscsi:::statsn-gap` names exactly one question. */
const ANOMALY_DOC: Record<AnomalyKind, string> = {
  "statsn-gap": "StatSN skipped or went back on a connection",
  "datasn-gap": "a Data-In DataSN skipped or repeated within a command",
  "r2tsn-gap": "an R2TSN skipped or repeated within a command",
  "unknown-itt": "a response for an Initiator Task Tag with no command outstanding",
  "duplicate-itt": "a new command reused an Initiator Task Tag still outstanding",
  "expcmdsn-backwards": "ExpCmdSN from the target went backwards",
  "maxcmdsn-invalid": "MaxCmdSN fell below ExpCmdSN - 1 (RFC 7143 §4.2.2.1)",
  "header-digest-error": "a PDU's header digest did not match",
  "data-digest-error": "a PDU's data digest did not match",
  "data-out-beyond-r2t": "Data-Out outside the window an R2T (or FirstBurstLength) allowed",
  "data-in-offset": "a Data-In Buffer Offset that is not where the previous one ended",
  "nop-unanswered": "a target NOP-In asking for an answer got none",
  "reject": "the target rejected a PDU",
  "malformed": "bytes that are not a valid PDU (capture resynchronised after them)",
};

function anomalyDocs(): { [K in `anomaly:${AnomalyKind}`]: ProbeDoc } {
  const out: Record<string, ProbeDoc> = {};
  for (const [k, doc] of Object.entries(ANOMALY_DOC)) {
    out[`anomaly:${k}`] = { doc, args: "conn, kind, detail, itt?, expected?, got?, t" };
  }
  return out as { [K in `anomaly:${AnomalyKind}`]: ProbeDoc };
}


const STATE = "ref, from, to, event, rfc, detail?, t";
const PDU = "conn, pdu (decoded, fields by RFC name), wireLength, t";

/** The documentation of every probe; `iscsitrace -l` prints it. Order is the listing order. */
export const CATALOG: { readonly [K in ProbeKey]: ProbeDoc } = {
  "session:state-change": { doc: "a session moved between FREE, LOGGED_IN, FAILED (RFC 7143 §8.3, N1..N6)", args: STATE },
  "session:recovery": { doc: "a failed session starts a reconnect attempt after its hold time", args: "session, attempt, delayMs, reason, t" },
  "conn:state-change": { doc: "a connection moved between RFC 7143 §8.1 states (T1..T18)", args: STATE },
  "conn:disconnect": { doc: "a connection ended; reason from the closed list with its context", args: "conn, reason, detail, inFlight, sinceLastRxNs, lastNopRttNs, statusClass?, statusDetail?, t" },
  "conn:nop-rtt": { doc: "a NOP-Out ping was answered", args: "conn, rttNs, t" },
  "task:state-change": { doc: "a command moved between FREE, PENDING, ACTIVE, ABORTING, COMPLETED (illumos E1..E10)", args: STATE },
  "task:queued": { doc: "a SCSI command was queued (E1)", args: "task, t" },
  "task:sent": { doc: "a SCSI command went on the wire (E2; CmdSN window open)", args: "task, t" },
  "task:r2t": { doc: "the target asked for write data", args: "task, r2tSN, bufferOffset, desiredDataTransferLength, t" },
  "task:first-data": { doc: "the first Data-In of a read arrived, or the first Data-Out of a write left", args: "task, t" },
  "task:done": { doc: "a command completed, with its status, sense and timings", args: "task, response, status, sense, error, bytes, residual, queuedT, sentT, firstDataT, r2tWaitNs, t" },
  "task:xfer-start": { doc: "a data burst of a command starts (Data-In or Data-Out sequence)", args: "task, dir, bufferOffset, length, t" },
  "task:xfer-done": { doc: "a data burst of a command is complete", args: "task, dir, bufferOffset, length, t" },
  "pdu:send": { doc: "any PDU sent", args: PDU },
  "pdu:receive": { doc: "any PDU received", args: PDU },
  "pdu:nop-out": { doc: "NOP-Out sent", args: PDU },
  "pdu:scsi-command": { doc: "SCSI Command sent", args: PDU },
  "pdu:task-command": { doc: "Task Management Function Request sent", args: PDU },
  "pdu:login-command": { doc: "Login Request sent", args: PDU },
  "pdu:text-command": { doc: "Text Request sent", args: PDU },
  "pdu:data-out": { doc: "SCSI Data-Out sent", args: PDU },
  "pdu:logout-command": { doc: "Logout Request sent", args: PDU },
  "pdu:snack": { doc: "SNACK Request sent", args: PDU },
  "pdu:nop-in": { doc: "NOP-In received", args: PDU },
  "pdu:scsi-response": { doc: "SCSI Response received", args: PDU },
  "pdu:task-response": { doc: "Task Management Function Response received", args: PDU },
  "pdu:login-response": { doc: "Login Response received", args: PDU },
  "pdu:text-response": { doc: "Text Response received", args: PDU },
  "pdu:data-in": { doc: "SCSI Data-In received", args: PDU },
  "pdu:logout-response": { doc: "Logout Response received", args: PDU },
  "pdu:r2t": { doc: "Ready To Transfer received", args: PDU },
  "pdu:async-message": { doc: "Asynchronous Message received", args: PDU },
  "pdu:reject": { doc: "Reject received", args: PDU },
  "pdu:vendor": { doc: "a vendor-specific PDU, either direction", args: PDU },
  "login:start": { doc: "a login attempt starts on a new connection", args: "conn, attempt, t" },
  "login:stage": { doc: "a Login Request asks to move from stage csg to nsg", args: "conn, csg, nsg, transit, t" },
  "login:key": { doc: "a negotiation key was settled (offered, answered, result, who proposed)", args: "conn, key, offered, answered, result, proposer, rule, t" },
  "login:result": { doc: "a login ended: Status-Class/Detail by name, TSIH, duration", args: "conn, statusClass, statusDetail, status, tsih, durationNs, redirectedTo?, t" },
  "discovery:target": { doc: "SendTargets reported a target at a portal", args: "conn, targetName, address, host, port, tpgt, t" },
  "net:connect": { doc: "a TCP connect finished (or failed)", args: "conn, host, port, family, ok, error?, durationNs, t" },
  "timer:expire": { doc: "a timeout ran out (login, logout, nop, abort, lu-reset, replacement, command, connect)", args: "conn?, session?, task?, timer, timeoutMs, t" },
  "fsm:unhandled": { doc: "a state machine got an event no row handles (a bug or a hostile peer)", args: "machine, state, event, t" },
  ...anomalyDocs(),
};

/** Every probe key, in catalog order. */
export const PROBE_KEYS = Object.keys(CATALOG) as ProbeKey[];

export type { PduProbeName };
export type { AnomalyKind, ConnRef, ConnState, DisconnectReason, Ns, SessionRef, SessionState, TaskRef, TaskState };
