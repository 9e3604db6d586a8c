/**
 * `iscsiscope daemon`: the iscsid of iscsiscope. It holds sessions (from the configuration
 * file and on request), keeps kstat-like counters of everything on its bus, optionally
 * records to SQLite and serves Prometheus metrics, and answers the control socket, so that
 * `iscsistat`, `iscsitop` and `iscsiscope list/login/logout` attach from other processes the
 * way kstat and dtrace attach to a kernel.
 */
import type { Server, Socket } from "node:net";
import { IscsiError } from "../errors.js";
import { systemClock, type Clock } from "../initiator/clock.js";
import { Initiator } from "../initiator/initiator.js";
import { parsePortal, type SessionOptions } from "../initiator/options.js";
import { ProbeBus } from "../probe/bus.js";
import { runWorkload } from "../initiator/workload.js";
import { probeArgsJson } from "../probe/json.js";
import { IscsiStats } from "../stat/collector.js";
import { watchEvents } from "../tui/events.js";
import type { DaemonConfig } from "./config.js";
import { SessionHolder } from "./holder.js";
import { encodeLine, LineReader, PROTOCOL_VERSION, type Request } from "./protocol.js";
import { listenOnSocket } from "./socket-path.js";
import { TOOL_VERSION } from "../version.js";

export interface DaemonOptions {
  socket: string;
  config?: DaemonConfig;
  clock?: Clock;
  /** One line per event worth logging (default: stderr with a time stamp). */
  log?: (line: string) => void;
  /** Credentials for configured targets, by target name. */
  credentials?: (target: string) => SessionOptions["auth"];
}

/** A client whose socket buffers more than this gets no more pushes until it drains (counted). */
const PUSH_LIMIT = 8 * 1024 * 1024;

export class Daemon {
  readonly bus = new ProbeBus();
  readonly stats: IscsiStats;
  readonly ini: Initiator;
  readonly holder: SessionHolder;
  readonly clock: Clock;
  readonly startedAt = new Date();
  private server: Server | undefined;
  private readonly clients = new Set<ClientConnection>();
  private readonly closers: Array<() => Promise<void> | void> = [];
  readonly log: (line: string) => void;

  constructor(readonly opts: DaemonOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? ((line) => process.stderr.write(`${new Date().toISOString()} iscsiscope daemon: ${line}\n`));
    this.stats = new IscsiStats(this.bus);
    this.ini = new Initiator({ bus: this.bus, clock: this.clock, initiatorName: opts.config?.initiatorName });
    this.holder = new SessionHolder(this.ini, this.log);
  }

  /** Take the socket (refusing a live daemon), then log in to the configured targets. */
  async start(): Promise<void> {
    this.server = await listenOnSocket(this.opts.socket, (s) => this.accept(s));
    this.log(`listening on ${this.opts.socket} (protocol ${PROTOCOL_VERSION}), initiator ${this.ini.initiatorName}`);
    for (const t of this.opts.config?.targets ?? []) {
      this.holder.keep({
        targetName: t.targetName, portals: t.portals, params: t.params, timeouts: t.timeouts, queueDepth: t.queueDepth,
        auth: this.opts.credentials?.(t.targetName),
      });
    }
  }

  /** Run `close` at shutdown, after the sessions logged out (the recorder flushes last). */
  onStop(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  /** Log out of everything, close the clients and the socket, run the closers. */
  async stop(why = "shutdown"): Promise<void> {
    this.log(`stopping (${why}): logging out of ${this.holder.sessions().length} session(s)`);
    await this.holder.stop();
    for (const c of this.clients) c.close();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    for (const close of this.closers) await close();
    this.stats.close();
  }

  private accept(s: Socket): void {
    const c = new ClientConnection(this, s);
    this.clients.add(c);
    s.on("close", () => {
      c.close();
      this.clients.delete(c);
    });
  }

  /** Answer one request (after hello). */
  async handle(req: Request, c: ClientConnection): Promise<object> {
    switch (req.op) {
      case "hello": return { version: PROTOCOL_VERSION, daemon: `iscsiscope ${TOOL_VERSION}`, pid: process.pid, startedAt: this.startedAt.toISOString() };
      case "list": return { sessions: this.holder.info(Math.max(0, Math.min(3, req.level ?? 0))) };
      case "snapshot": {
        const t = this.clock.now();
        return { t, kstats: this.stats.snapshot(t) };
      }
      case "subscribe": return { sub: c.subscribe(req.pattern) };
      case "events": return { sub: c.subscribeEvents() };
      case "unsubscribe": return c.unsubscribe(req.sub), {};
      case "login": return { session: await this.login(req) };
      case "logout": return { loggedOut: await this.holder.logout({ sid: req.sid, target: req.target }) };
      case "workload": {
        const s = this.holder.sessions().find((x) => x.oid === req.sid);
        if (!s) throw new IscsiError("ERR_NO_SESSION", `no session ${req.sid} is held by this daemon`);
        return { result: await runWorkload(s, { ...req.workload, onTick: undefined }) };
      }
    }
  }

  private async login(req: Extract<Request, { op: "login" }>): Promise<object> {
    if (typeof req.target !== "string" || !Array.isArray(req.portals) || req.portals.length === 0) {
      throw new IscsiError("ERR_BAD_REQUEST", "login needs a target and at least one portal");
    }
    const s = await this.holder.login({
      targetName: req.target, portals: req.portals.map((p) => parsePortal(p)), auth: req.auth, params: req.params,
      timeouts: req.timeouts, queueDepth: req.queueDepth,
    });
    return this.holder.info(3).find((i) => i.sid === s.oid) ?? { sid: s.oid };
  }
}

/** One client on the control socket. */
class ClientConnection {
  private greeted = false;
  private subSeq = 0;
  private readonly subs = new Map<number, () => void>();
  private readonly reader = new LineReader();
  /** Pushes not sent because the client was not reading. */
  dropped = 0;

  constructor(private readonly d: Daemon, private readonly s: Socket) {
    s.setEncoding("utf8");
    s.on("data", (chunk: string) => {
      try {
        this.reader.push(chunk, (line) => void this.line(line));
      } catch (e) {
        this.send({ id: null, ok: false, code: "ERR_BAD_REQUEST", error: (e as Error).message });
        s.end();
      }
    });
    s.on("error", () => undefined);
  }

  private async line(line: string): Promise<void> {
    let req: Request;
    try {
      req = JSON.parse(line) as Request;
      if (typeof req !== "object" || req === null || typeof req.op !== "string") throw new Error("not a request object");
    } catch (e) {
      return this.send({ id: null, ok: false, code: "ERR_BAD_REQUEST", error: `not a JSON request: ${(e as Error).message}` });
    }
    try {
      if (req.op === "hello") {
        if (Math.floor(Number(req.version)) !== PROTOCOL_VERSION) {
          throw new IscsiError("ERR_PROTOCOL_VERSION", `client speaks protocol ${req.version}, this daemon ${PROTOCOL_VERSION}`);
        }
        this.greeted = true;
      } else if (!this.greeted) {
        throw new IscsiError("ERR_PROTOCOL", "send hello first");
      }
      const out = await this.d.handle(req, this);
      this.send({ id: req.id, ok: true, ...out });
    } catch (e) {
      const code = e instanceof IscsiError ? e.code : e instanceof RangeError || e instanceof TypeError ? "ERR_BAD_REQUEST" : "ERR_INTERNAL";
      this.send({ id: req.id, ok: false, code, error: (e as Error).message });
    }
  }

  send(v: object): void {
    if (!this.s.destroyed) this.s.write(encodeLine(v));
  }

  private push(v: object): void {
    if (this.s.writableLength > PUSH_LIMIT) {
      this.dropped++;
      return;
    }
    this.send(v);
  }

  subscribe(pattern: string): number {
    const sub = ++this.subSeq;
    const off = this.d.bus.subscribe(pattern, (args, probe) => {
      const { t, ...rest } = args as { t: bigint };
      this.push({ sub, probe: probe.id, t, args: probeArgsJson(rest) });
    });
    this.subs.set(sub, off);
    return sub;
  }

  subscribeEvents(): number {
    const sub = ++this.subSeq;
    this.subs.set(sub, watchEvents(this.d.bus, (event) => this.push({ sub, event })));
    return sub;
  }

  unsubscribe(sub: number): void {
    this.subs.get(sub)?.();
    this.subs.delete(sub);
  }

  close(): void {
    for (const off of this.subs.values()) off();
    this.subs.clear();
    if (!this.s.destroyed) this.s.end();
  }
}
