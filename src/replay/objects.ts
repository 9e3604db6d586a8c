/**
 * Sessions, connections and commands rebuilt from a capture. They implement the same
 * SessionRef / ConnRef / TaskRef as the live initiator's objects and are driven through the
 * same state machine tables (src/fsm), so every consumer of the bus reads them alike.
 */
import type { ProbeSet } from "../probe/bus.js";
import type { ConnRef, ConnState, DisconnectReason, Ns, SessionRef, SessionState, TaskRef, TaskState } from "../probe/types.js";
import type { ConnectionInfo } from "../capture/index.js";
import { StatSNTracker } from "../wire/statsn.js";
import type { TaskRequest } from "../wire/types.js";

/** The replay's clock: the capture time of the event being replayed. */
export interface ReplayClock {
  now(): Ns;
}

export class ReplaySession implements SessionRef {
  state: SessionState = "FREE";
  targetName = "";
  tsih = 0;
  type: "Normal" | "Discovery" = "Normal";
  initiatorName = "";
  /** The connection that logged in last (one per session, as the live initiator runs them). */
  conn: ReplayConn | undefined;
  /** Commands outstanding by ITT (ITTs are unique within a session). */
  readonly tasks = new Map<number, ReplayTask>();
  /** Commands taken back from a failed connection (E7), in CmdSN order, waiting to be sent again. */
  requeued: ReplayTask[] = [];
  /** Recovery attempts since the session last logged in. */
  attempts = 0;
  /** When and why its last connection ended, for session:recovery. */
  lastEnd: { t: Ns; reason: DisconnectReason } | undefined;
  /** The window as the target last stated it (RFC 7143 §4.2.2.1). */
  window: { exp: number; max: number } | undefined;
  /** A Logout Request closing the session went out (not one the target asked for). */
  closing = false;
  /** Its last login failed and the initiator may try again with the same ISID. */
  retrying = false;
  /** The session started before the capture did: its login is not in it. */
  readonly midStream: boolean;

  constructor(readonly oid: number, readonly isid: number, readonly probes: ProbeSet, readonly clock: ReplayClock, midStream = false) {
    this.midStream = midStream;
  }
}

export class ReplayConn implements ConnRef {
  state: ConnState = "FREE";
  cid = 0;
  readonly local: string;
  readonly remote: string;
  /** The StatSN sequence of the target's PDUs. */
  readonly statSN = new StatSNTracker();
  /** Capture time of the last PDU from the target. */
  lastRxT: Ns | null = null;
  lastNopRttNs: Ns | null = null;
  /** NOP-Out pings (ITT set) waiting for their NOP-In: ITT -> sent time. */
  readonly pings = new Map<number, Ns>();
  /** Target pings (NOP-In with a TTT) waiting for the initiator's NOP-Out: TTT -> time. */
  readonly targetPings = new Map<number, Ns>();
  /** The Login Request waiting for its response (time), for login-timeout. */
  loginPendingT: Ns | undefined;
  /** Keys of the login so far. */
  login: LoginTrack | undefined;
  /** Requests waiting for their response by ITT (text, logout, task management). */
  readonly requests = new Map<number, { kind: string; t: Ns; detail: string }>();
  /** What the wire last showed going wrong, to explain a close: digest errors, rejects, malformed bytes. */
  trouble: { reason: DisconnectReason; detail: string } | undefined;
  /** Logout reason code of the Logout Request on the wire. */
  logoutReason: number | undefined;
  /** The reason a target asked for with AsyncEvent 1. */
  logoutRequested = false;
  /** A Logout Response said the connection (or session) is closed. */
  loggedOut = false;
  ended = false;
  /** Reached LOGGED_IN (a login that failed ends the session's attempt, not the session). */
  loggedInOnce = false;
  /** The capture began in this connection's full feature phase. */
  midStream = false;
  /** The task management request outstanding (its response names only the ITT). */
  tmf: TaskRequest | undefined;
  /** Parts of a SendTargets answer continued over several Text Responses. */
  readonly sendTargets: Uint8Array[] = [];
  /** Bytes lost in each direction (capture gaps): later sequence checks would only report the capture. */
  lostToTarget = false;
  lostFromTarget = false;

  constructor(readonly info: ConnectionInfo, public session: ReplaySession, readonly probes: ProbeSet, readonly clock: ReplayClock) {
    this.local = fmt(info.initiator.address, info.initiator.port);
    this.remote = fmt(info.target.address, info.target.port);
  }
}

/** A key seen during a login: who sent it first, and each side's last value. */
export interface KeyTrack {
  key: string;
  proposer: "initiator" | "target";
  initiator: string | undefined;
  target: string | undefined;
}

export interface LoginTrack {
  startT: Ns;
  keys: Map<string, KeyTrack>;
  /** Text continued over several PDUs (C bit), per side. */
  partial: { initiator: Uint8Array[]; target: Uint8Array[] };
}

export class ReplayTask implements TaskRef {
  state: TaskState = "FREE";
  readonly probes: ProbeSet;
  readonly clock: ReplayClock;
  sentT: Ns;
  firstDataT: Ns | undefined;
  r2tWaitNs = 0n;
  waitFrom: Ns;
  bytes = 0;
  expDataSN = 0;
  expR2TSN = 0;
  /** Byte ranges the target asked for with R2Ts (and the unsolicited first burst). */
  allowed: Array<[number, number]> = [];
  /** Next Data-In offset expected. */
  nextOffset = 0;

  constructor(
    readonly session: ReplaySession,
    public conn: ReplayConn,
    public itt: number,
    public cmdSN: number,
    readonly lun: number,
    /** The CDB, copied (it identifies the command when it is sent again after a reconnect). */
    readonly cdb: Uint8Array,
    readonly lba: bigint | undefined,
    readonly length: number,
    readonly dir: "read" | "write" | "none",
    readonly queuedT: Ns,
  ) {
    this.probes = session.probes;
    this.clock = session.clock;
    this.sentT = queuedT;
    this.waitFrom = queuedT;
  }

  get op(): number {
    return this.cdb.length > 0 ? this.cdb[0] : -1;
  }

  /** Forget what the last send moved: the command goes out again from the start. */
  resend(conn: ReplayConn, itt: number, cmdSN: number, t: Ns): void {
    this.conn = conn;
    this.itt = itt;
    this.cmdSN = cmdSN;
    this.sentT = t;
    this.waitFrom = t;
    this.bytes = 0;
    this.expDataSN = 0;
    this.expR2TSN = 0;
    this.allowed = [];
    this.nextOffset = 0;
  }
}

function fmt(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
