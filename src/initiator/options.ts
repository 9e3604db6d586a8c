/**
 * Options of the initiator, with open-iscsi's defaults (iscsid.conf) where it has one, so an
 * administrator meets the timeouts they already know.
 */

/** Timeouts in milliseconds. */
export interface Timeouts {
  /** TCP connect. */
  connectMs: number;
  /** Login completion (node.conn[0].timeo.login_timeout = 15 s). */
  loginMs: number;
  /** Logout completion (node.conn[0].timeo.logout_timeout = 15 s). */
  logoutMs: number;
  /** Idle time before a NOP-Out ping (noop_out_interval = 5 s); 0 disables pings. */
  nopIntervalMs: number;
  /** Wait for the NOP-In before failing the connection (noop_out_timeout = 5 s). */
  nopTimeoutMs: number;
  /** SCSI command timeout before ABORT TASK (the Linux SCSI default, 30 s). */
  commandMs: number;
  /** ABORT TASK response wait before a LOGICAL UNIT RESET (err_timeo.abort_timeout = 15 s). */
  abortMs: number;
  /** LOGICAL UNIT RESET response wait before dropping the connection (err_timeo.lu_reset_timeout = 30 s). */
  luResetMs: number;
  /** How long a failed session tries to come back before failing its commands (replacement_timeout = 120 s). */
  replacementMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 10_000,
  loginMs: 15_000,
  logoutMs: 15_000,
  nopIntervalMs: 5_000,
  nopTimeoutMs: 5_000,
  commandMs: 30_000,
  abortMs: 15_000,
  luResetMs: 30_000,
  replacementMs: 120_000,
};

/** A CHAP name and secret. The secret never appears in logs, probes, errors or records. */
export interface ChapCredentials {
  user: string;
  secret: string;
}

export interface AuthOptions {
  /** One-way CHAP: the target authenticates us. */
  chap?: ChapCredentials;
  /** Mutual CHAP: we authenticate the target too (needs `chap`). */
  mutual?: ChapCredentials;
  /** CHAP_A values to offer, most preferred first (default [5], MD5, as RFC 7143 requires). */
  algorithms?: number[];
}

/** A portal: where a target listens. */
export interface Portal {
  host: string;
  port: number;
  /** Target Portal Group Tag, when known from discovery. */
  tpgt?: number;
}

/** Operational keys the user may set; every other key takes the default offer. */
export interface NegotiationOverrides {
  HeaderDigest?: string;
  DataDigest?: string;
  InitialR2T?: boolean;
  ImmediateData?: boolean;
  FirstBurstLength?: number;
  MaxBurstLength?: number;
  MaxRecvDataSegmentLength?: number;
  MaxOutstandingR2T?: number;
  DefaultTime2Wait?: number;
  DefaultTime2Retain?: number;
  ErrorRecoveryLevel?: number;
  DataPDUInOrder?: boolean;
  DataSequenceInOrder?: boolean;
}

export interface SessionOptions {
  targetName: string;
  /** Portals to try in order; a host name resolves to all its addresses, each tried in turn. */
  portals: Portal[];
  auth?: AuthOptions;
  params?: NegotiationOverrides;
  timeouts?: Partial<Timeouts>;
  /** Commands in flight at most (open-iscsi's per-LUN queue_depth, 32). */
  queueDepth?: number;
  /** Follow login redirection (Status-Class 1) at most this many times. */
  maxRedirects?: number;
}

export const DEFAULT_QUEUE_DEPTH = 32;

/** Resolve partial timeouts against the defaults, rejecting nonsense with a RangeError. */
export function resolveTimeouts(t: Partial<Timeouts> = {}): Timeouts {
  const out = { ...DEFAULT_TIMEOUTS, ...t };
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`timeout ${k} must be a non-negative number of milliseconds, got ${v}`);
  }
  return out;
}

/**
 * Parse "host", "host:port", "[v6]:port" or "v6" into a portal (port 3260 by default).
 * Throws RangeError naming the text when it cannot be read.
 *
 * @example
 * parsePortal("[::1]:3261"); // { host: "::1", port: 3261 }
 */
export function parsePortal(text: string, defaultPort = 3260): Portal {
  const s = text.trim();
  let host = s;
  let port = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1];
    if (v6[2] !== undefined) port = Number(v6[2]);
  } else if ((s.match(/:/g) ?? []).length === 1) {
    const i = s.indexOf(":");
    host = s.slice(0, i);
    port = Number(s.slice(i + 1));
  }
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`portal '${text}' is not host[:port] with a port from 1 to 65535`);
  }
  return { host, port };
}

/** "host:port", with IPv6 addresses in brackets. */
export function formatPortal(p: Portal): string {
  return p.host.includes(":") ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`;
}
