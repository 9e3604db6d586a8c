/**
 * The daemon's control protocol: newline-delimited JSON over a Unix socket (mode 0600).
 *
 * A client sends requests `{"id": N, "op": "...", ...}` and gets one response per request,
 * `{"id": N, "ok": true, ...}` or `{"id": N, "ok": false, "code": "ERR_...", "error": "..."}`.
 * A subscription makes the daemon push `{"sub": S, ...}` lines until it is cancelled or the
 * connection closes. The first request must be `hello` with the client's protocol version;
 * a daemon refuses another major version with ERR_PROTOCOL_VERSION.
 *
 * Requests:
 * - `hello {version, client}` -> `{version, daemon, pid, startedAt}`
 * - `list {level 0..3}` -> `{sessions: SessionInfo[]}`
 * - `snapshot {}` -> `{t, kstats}`: every counter now
 * - `subscribe {pattern}` -> `{sub}`, then `{sub, probe, t, args}` per probe (probeArgsJson form)
 * - `events {}` -> `{sub}`, then `{sub, event}` per notable event (FeedEvent)
 * - `unsubscribe {sub}` -> `{}`
 * - `login {target, portals, auth?, params?, timeouts?, queueDepth?}` -> `{session: SessionInfo}`
 * - `logout {sid} | {target}` -> `{loggedOut: number[]}`
 * - `workload {sid, workload}` -> `{result}`: run a fio-like workload on a held session (the
 *   I/O that `iscsistat` and `iscsitop` then show; what `iscsiscope bench --session` sends)
 *
 * Times (nanoseconds since the epoch) and other 64-bit values travel as decimal strings.
 */
import type { AuthOptions, NegotiationOverrides, Timeouts } from "../initiator/options.js";
import type { Kstat } from "../stat/kstat.js";
import type { WorkloadOptions } from "../initiator/workload.js";

export const PROTOCOL_VERSION = 1;
/** Longest line either side accepts (a snapshot of many sessions is the largest message). */
export const MAX_LINE = 16 * 1024 * 1024;

export interface ConnInfo {
  cid: number;
  state: string;
  local: string;
  remote: string;
}

export interface LunInfo {
  lun: number;
  type: string;
  vendor: string;
  product: string;
  revision: string;
  blocks?: string;
  blockSize?: number;
}

export interface SessionInfo {
  sid: number;
  target: string;
  portal: string;
  tpgt: number | undefined;
  type: "Normal" | "Discovery";
  state: string;
  isid: string;
  tsih: number;
  /** Seconds since the session first logged in. */
  uptime: number;
  /** Reconnects since the first login. */
  reconnects: number;
  conns: ConnInfo[];
  /** Negotiated parameters by RFC key name (level >= 2). */
  params?: Record<string, string | number | boolean>;
  /** Timeouts in force, seconds (level >= 2). */
  timeouts?: Record<string, number>;
  /** CHAP user names in use (level >= 2); secrets are never sent. */
  chap?: { user?: string; mutualUser?: string };
  luns?: LunInfo[];
  /** Held from the configuration file, or logged in on request. */
  origin: "config" | "request";
}

export type Request =
  | { id: number; op: "hello"; version: number; client?: string }
  | { id: number; op: "list"; level?: number }
  | { id: number; op: "snapshot" }
  | { id: number; op: "subscribe"; pattern: string }
  | { id: number; op: "events" }
  | { id: number; op: "unsubscribe"; sub: number }
  | {
    id: number; op: "login"; target: string; portals: string[]; auth?: AuthOptions; params?: NegotiationOverrides;
    timeouts?: Partial<Timeouts>; queueDepth?: number;
  }
  | { id: number; op: "logout"; sid?: number; target?: string }
  | { id: number; op: "workload"; sid: number; workload: WorkloadOptions };

export type Op = Request["op"];

export interface ErrorResponse {
  id: number;
  ok: false;
  code: string;
  error: string;
}

export interface HelloResponse { version: number; daemon: string; pid: number; startedAt: string }
export interface ListResponse { sessions: SessionInfo[] }
export interface SnapshotResponse { t: string; kstats: Kstat[] }
export interface SubscribeResponse { sub: number }
export interface LoginResponse { session: SessionInfo }
export interface LogoutResponse { loggedOut: number[] }

/** JSON with bigints as decimal strings (JSON has no 64-bit integers a reader can rely on). */
export function encodeLine(v: unknown): string {
  return `${JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x))}\n`;
}

/**
 * Split a byte stream into lines; refuses a line over MAX_LINE (a peer that never sends a
 * newline cannot make us buffer without bound).
 */
export class LineReader {
  private pending = "";

  push(chunk: string, onLine: (line: string) => void): void {
    let text = this.pending + chunk;
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (line.trim() !== "") onLine(line);
      nl = text.indexOf("\n");
    }
    if (text.length > MAX_LINE) throw new RangeError(`a line of more than ${MAX_LINE} bytes`);
    this.pending = text;
  }
}
