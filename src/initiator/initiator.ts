/**
 * The initiator: it names itself, hands out ISIDs, and opens sessions — discovery sessions
 * for SendTargets and normal sessions to targets. Every probe goes to one bus.
 *
 * @example
 * const ini = new Initiator();
 * const targets = await ini.discover("127.0.0.1:3260");
 * const s = await ini.login({ targetName: targets[0].targetName, portals: targets[0].portals });
 * const r = await s.read(1, 0n, 8);
 * await s.logout();
 */
import { randomInt } from "node:crypto";
import { hostname } from "node:os";
import { defaultBus, type ProbeBus, type ProbeSet } from "../probe/bus.js";
import { systemClock, type Clock } from "./clock.js";
import { parseSendTargets, sendTargets, type DiscoveredTarget } from "./discovery.js";
import { formatPortal, parsePortal, type AuthOptions, type Portal, type SessionOptions, type Timeouts } from "./options.js";
import { Session } from "./session.js";
import { TcpTransport, type TransportFactory } from "./transport.js";
import { ScsiSession } from "./scsi-session.js";

export interface InitiatorOptions {
  /** Our iSCSI name; default `iqn.2026-11.io.iscsiscope:<hostname>`. */
  initiatorName?: string;
  /** The bus probes go to (default: the process-wide bus). */
  bus?: ProbeBus;
  clock?: Clock;
  /** How connections are made (default TCP); tests swap in scripted targets. */
  transport?: TransportFactory;
}

export interface DiscoverOptions {
  auth?: AuthOptions;
  timeouts?: Partial<Timeouts>;
}

let oidSeq = 0;

export class Initiator {
  readonly initiatorName: string;
  readonly probes: ProbeSet;
  readonly clock: Clock;
  readonly sessions = new Set<Session>();
  private readonly transport: TransportFactory;
  /** ISID (RFC 7143 §11.12.5): type Random (T=10b, byte 0 = 0x80), 24 random bits in B and C, a per-session qualifier in D. */
  private readonly isidBase = 0x8000_0000_0000 + randomInt(0, 0x1000000) * 0x10000;
  private qualifier = 0;

  constructor(opts: InitiatorOptions = {}) {
    this.initiatorName = opts.initiatorName ?? `iqn.2026-11.io.iscsiscope:${hostname().toLowerCase().replace(/[^a-z0-9.-]/g, "-")}`;
    this.probes = (opts.bus ?? defaultBus).module("initiator");
    this.clock = opts.clock ?? systemClock;
    this.transport = opts.transport ?? (() => new TcpTransport());
  }

  private context() {
    return {
      probes: this.probes, clock: this.clock, initiatorName: this.initiatorName, transport: this.transport,
      nextOid: () => ++oidSeq,
    };
  }

  private nextIsid(): number {
    this.qualifier = (this.qualifier + 1) & 0xffff;
    return this.isidBase + this.qualifier;
  }

  /**
   * SendTargets discovery on a portal ("host", "host:port", "[v6]:port"). Resolves with every
   * target and its portals; rejects with LoginError (named status), TransportError or TaskError.
   */
  async discover(portal: string | Portal, opts: DiscoverOptions = {}): Promise<DiscoveredTarget[]> {
    const p = typeof portal === "string" ? parsePortal(portal) : portal;
    const s = new Session(this.context(), { targetName: "", portals: [p], auth: opts.auth, timeouts: opts.timeouts }, "Discovery", this.nextIsid());
    this.sessions.add(s);
    try {
      await s.open();
      const conn = s.conn!;
      const pairs = await sendTargets(conn);
      const targets = parseSendTargets(pairs, p, formatPortal(p));
      const probe = this.probes["discovery:target"];
      if (probe.hasSubscribers) {
        for (const t of targets) {
          for (const a of t.portals) {
            probe.publish({ conn, targetName: t.targetName, address: `${formatPortal(a)},${a.tpgt}`, host: a.host, port: a.port, tpgt: a.tpgt, t: this.clock.now() });
          }
        }
      }
      return targets;
    } finally {
      await s.logout().catch(() => undefined);
      this.sessions.delete(s);
    }
  }

  /** Log in to a target; resolves with a logged-in session. */
  async login(opts: SessionOptions): Promise<ScsiSession> {
    if (!opts.targetName) throw new RangeError("login needs a targetName");
    if (opts.portals.length === 0) throw new RangeError("login needs at least one portal");
    const s = new ScsiSession(this.context(), opts, "Normal", this.nextIsid());
    this.sessions.add(s);
    try {
      await s.open();
    } catch (e) {
      this.sessions.delete(s);
      throw e;
    }
    return s;
  }

  /** Log out of every session. */
  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.logout().catch(() => undefined)));
    this.sessions.clear();
  }
}
