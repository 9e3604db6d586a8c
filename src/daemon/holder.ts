/**
 * The sessions the daemon holds: from the configuration file (kept logged in: a failed
 * first login is retried with back-off; a session that gives up after its replacement
 * timeout is logged in again) and on request (`iscsiscope login`). After each login it takes
 * the LUN inventory, as illumos does at N1 (REPORT LUNS, INQUIRY, capacity).
 */
import type { Initiator } from "../initiator/initiator.js";
import { formatPortal, type SessionOptions } from "../initiator/options.js";
import type { ScsiSession } from "../initiator/scsi-session.js";
import { deviceTypeName } from "../scsi/index.js";
import type { LunInfo, SessionInfo } from "./protocol.js";

interface Held {
  opts: SessionOptions;
  origin: "config" | "request";
  session: ScsiSession | undefined;
  /** Sessions of this target so far, the current one last (a session that gave up is replaced). */
  firstLoginAt: number | undefined;
  reconnects: number;
  luns: LunInfo[];
  /** Keep it logged in (config) until stop. */
  keep: boolean;
  timer: NodeJS.Timeout | undefined;
  failures: number;
}

export type HolderLog = (line: string) => void;

export class SessionHolder {
  private readonly held: Held[] = [];
  private stopping = false;

  constructor(private readonly ini: Initiator, private readonly log: HolderLog) {}

  /** Keep a configured target logged in; returns at once, logs in in the background. */
  keep(opts: SessionOptions): void {
    const h: Held = { opts, origin: "config", session: undefined, firstLoginAt: undefined, reconnects: 0, luns: [], keep: true, timer: undefined, failures: 0 };
    this.held.push(h);
    void this.attempt(h);
  }

  /** Log in on request; rejects with the login's error. */
  async login(opts: SessionOptions): Promise<ScsiSession> {
    const h: Held = { opts, origin: "request", session: undefined, firstLoginAt: undefined, reconnects: 0, luns: [], keep: false, timer: undefined, failures: 0 };
    await this.loginHeld(h);
    this.held.push(h);
    return h.session!;
  }

  private async attempt(h: Held): Promise<void> {
    h.timer = undefined;
    if (this.stopping) return;
    try {
      await this.loginHeld(h);
      h.failures = 0;
    } catch (e) {
      h.failures++;
      const delay = Math.min(2 ** Math.min(h.failures - 1, 6), 60);
      this.log(`login to ${h.opts.targetName} failed: ${(e as Error).message}; next attempt in ${delay} s`);
      h.timer = setTimeout(() => void this.attempt(h), delay * 1000);
    }
  }

  private async loginHeld(h: Held): Promise<void> {
    const s = await this.ini.login(h.opts);
    if (h.firstLoginAt === undefined) h.firstLoginAt = Date.now();
    else h.reconnects++;
    h.session = s;
    this.log(`session ${s.oid} logged in to ${h.opts.targetName} at ${s.conn?.remote}`);
    this.watch(h, s);
    h.luns = await inventory(s).catch(() => []);
  }

  /** A held session that ends (replacement timeout, target logout) is logged in again if kept. */
  private watch(h: Held, s: ScsiSession): void {
    const poll = setInterval(() => {
      if (s.state !== "FREE" || this.stopping) return;
      clearInterval(poll);
      if (h.session !== s) return;
      h.session = undefined;
      if (!h.keep) return this.forget(h);
      this.log(`session ${s.oid} to ${h.opts.targetName} ended; logging in again`);
      void this.attempt(h);
    }, 500);
    poll.unref();
  }

  private forget(h: Held): void {
    const i = this.held.indexOf(h);
    if (i >= 0) this.held.splice(i, 1);
  }

  /** Log out of sessions by session id or target name; returns the ids logged out. */
  async logout(sel: { sid?: number; target?: string }): Promise<number[]> {
    const out: number[] = [];
    for (const h of [...this.held]) {
      const s = h.session;
      const match = sel.sid !== undefined ? s?.oid === sel.sid : h.opts.targetName === sel.target;
      if (!match) continue;
      h.keep = false;
      if (h.timer) clearTimeout(h.timer);
      if (s) {
        await s.logout();
        out.push(s.oid);
      }
      this.forget(h);
    }
    return out;
  }

  /** Log out of everything (SIGTERM). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const h of this.held) if (h.timer) clearTimeout(h.timer);
    await Promise.all(this.held.map((h) => h.session?.logout().catch(() => undefined)));
  }

  /** What `list` shows, at the iscsiadm -P level asked. */
  info(level: number): SessionInfo[] {
    return this.held.filter((h) => h.session).map((h) => sessionInfo(h, level));
  }

  sessions(): ScsiSession[] {
    return this.held.flatMap((h) => (h.session ? [h.session] : []));
  }
}

/** Timeouts by the names iscsiadm -P 2 and iscsid.conf admins know. */
const TIMEOUT_NAMES: Record<string, string> = {
  connectMs: "Connect Timeout", loginMs: "Login Timeout", logoutMs: "Logout Timeout", nopIntervalMs: "NOP-Out Interval",
  nopTimeoutMs: "NOP-Out Timeout", commandMs: "Command Timeout", abortMs: "Abort Timeout", luResetMs: "LUN Reset Timeout",
  replacementMs: "Recovery Timeout",
};

function sessionInfo(h: Held, level: number): SessionInfo {
  const s = h.session!;
  const c = s.conn;
  const info: SessionInfo = {
    sid: s.oid, target: s.targetName, portal: c ? c.remote : formatPortal(h.opts.portals[0]), tpgt: s.params?.targetPortalGroupTag,
    type: s.type, state: s.state, isid: s.isid.toString(16).padStart(12, "0"), tsih: s.tsih,
    uptime: h.firstLoginAt === undefined ? 0 : Math.round((Date.now() - h.firstLoginAt) / 1000), reconnects: h.reconnects,
    conns: c ? [{ cid: c.cid, state: c.state, local: c.local, remote: c.remote }] : [], origin: h.origin,
  };
  if (level >= 2 && s.params) {
    const p = s.params;
    info.params = {
      HeaderDigest: p.headerDigest ? "CRC32C" : "None", DataDigest: p.dataDigest ? "CRC32C" : "None",
      MaxRecvDataSegmentLength: p.maxRecvDataSegmentLength, MaxXmitDataSegmentLength: p.maxXmitDataSegmentLength,
      FirstBurstLength: p.firstBurstLength, MaxBurstLength: p.maxBurstLength, ImmediateData: p.immediateData,
      InitialR2T: p.initialR2T, MaxOutstandingR2T: p.maxOutstandingR2T, ErrorRecoveryLevel: p.errorRecoveryLevel,
      DefaultTime2Wait: p.defaultTime2Wait, DefaultTime2Retain: p.defaultTime2Retain,
    };
    info.timeouts = Object.fromEntries(Object.entries(s.timeouts).map(([k, ms]) => [TIMEOUT_NAMES[k] ?? k, ms / 1000]));
    info.chap = { user: h.opts.auth?.chap?.user, mutualUser: h.opts.auth?.mutual?.user };
  }
  if (level >= 3) info.luns = h.luns;
  return info;
}

/** REPORT LUNS, then INQUIRY and capacity of each LUN. */
async function inventory(s: ScsiSession): Promise<LunInfo[]> {
  const out: LunInfo[] = [];
  for (const lun of await s.luns()) {
    const inq = await s.inquiry(lun);
    const cap = inq.peripheralDeviceType === 0 ? await s.readCapacity(lun).catch(() => undefined) : undefined;
    out.push({
      lun, type: deviceTypeName(inq.peripheralDeviceType), vendor: inq.vendor ?? "", product: inq.product ?? "",
      revision: inq.revision ?? "", blocks: cap?.blocks.toString(), blockSize: cap?.blockSize,
    });
  }
  return out;
}
