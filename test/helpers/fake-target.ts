/**
 * A scripted iSCSI target inside the test process, for what a real target (tgtd) cannot be
 * made to do: a Reject, an Async Message, a malformed PDU, a stalled reply (STYLE.md §10).
 * By default it is a small, correct target: login with AuthMethod None or CHAP (one-way and
 * mutual), operational negotiation by the RFC result functions, SendTargets, a disk per LUN,
 * NOP, task management, logout, digests. Tests then bend it with hooks and faults.
 *
 * Reach it over TCP on 127.0.0.1 (`await FakeTarget.start()`, then `.port`) so any initiator
 * and tcpdump see real traffic, or in memory through {@link FakeTarget.transport}; both go
 * to the same target core (test/helpers/fake-target/).
 *
 * @example
 * const target = await FakeTarget.start({ params: { MaxBurstLength: 65536 } });
 * target.once("scsi-command", (pdu, ctx) => (pdu.cdb[0] === 0x28 ? ctx.reject(0x09) : "default"));
 * // ... connect an initiator to 127.0.0.1:target.port, run the test ...
 * assert.equal(target.log.sent("reject").length, 1);
 * await target.stop();
 */
import type { Server } from "node:net";
import type { Transport } from "../../src/initiator/transport.js";
import { RESERVED_TAG as NONE } from "../../src/wire/layout.js";
import type { NopOut } from "../../src/wire/types.js";
import type { FakeConnection } from "./fake-target/connection.js";
import { TargetCore } from "./fake-target/core.js";
import { stallKey, type StallTarget } from "./fake-target/faults.js";
import type { Hook, InitiatorKind } from "./fake-target/hooks.js";
import type { PduLog } from "./fake-target/log.js";
import type { FakeTargetOptions, LoginStatusConfig } from "./fake-target/options.js";
import { encodeLun, fixedSense, SenseKey, type LogicalUnit } from "./fake-target/scsi.js";
import type { FakeSession } from "./fake-target/session.js";
import { closeServer, listen, MemoryTransport } from "./fake-target/wire.js";

export type { FakeConnection } from "./fake-target/connection.js";
export type { HookAction, HookContext, Hook, TargetPduInit } from "./fake-target/hooks.js";
export type { LogEntry, PduLog, FakeEventName } from "./fake-target/log.js";
export type * from "./fake-target/options.js";
export { DEFAULT_TARGET_NAME } from "./fake-target/options.js";
export type { StallTarget } from "./fake-target/faults.js";

/** Parameters of an Asynchronous Message (RFC 7143 §11.9). */
export interface AsyncParams {
  parameter1?: number;
  parameter2?: number;
  parameter3?: number;
  /** LUN of an AsyncEvent 0; default 0. */
  lun?: number;
  asyncVCode?: number;
  /** AsyncEvent 0: sense data; default UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED (3F/0E). */
  sense?: Uint8Array;
  /** iSCSI event data after the sense data. */
  data?: Uint8Array;
}

export class FakeTarget {
  /** @internal */ readonly core: TargetCore;
  private servers: Server[] = [];
  private stopped = false;
  private listenPort = 0;

  /** A target reachable only through {@link transport}; use {@link FakeTarget.start} for TCP. */
  constructor(opts: FakeTargetOptions = {}) {
    this.core = new TargetCore(opts);
  }

  /**
   * Start a target listening on 127.0.0.1 (and ::1 with `ipv6`) on a free port.
   *
   * @example
   * const target = await FakeTarget.start({ targets: [{ name: "iqn.2003-01.org.example:a", luns: [0] }] });
   * console.log(`iscsi://${target.host}:${target.port}/iqn.2003-01.org.example:a/0`);
   */
  static async start(opts: FakeTargetOptions = {}): Promise<FakeTarget> {
    const t = new FakeTarget(opts);
    const v4 = await listen(t.core, "127.0.0.1", 0);
    t.servers.push(v4);
    t.listenPort = (v4.address() as { port: number }).port;
    t.core.portals = [`127.0.0.1:${t.listenPort}`];
    if (opts.ipv6) {
      const v6 = await listen(t.core, "::1", t.listenPort);
      t.servers.push(v6);
      t.core.portals.push(`[::1]:${t.listenPort}`);
    }
    return t;
  }

  /** The TCP port (0 for a target made with `new`). */
  get port(): number {
    return this.listenPort;
  }

  /** "127.0.0.1". */
  get host(): string {
    return "127.0.0.1";
  }

  /** Every "host:port" the target listens on. */
  get portals(): readonly string[] {
    return this.core.portals;
  }

  /**
   * Close every connection (RST) and the listeners; the memory transport refuses to connect.
   *
   * @example
   * after(() => target.stop());
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const c of this.core.connections) c.close("rst", "target stopped");
    await Promise.all(this.servers.map(closeServer));
  }

  /**
   * A new in-memory {@link Transport} (one connection) into this target.
   *
   * @example
   * const initiator = new Initiator({ transport: () => target.transport() });
   */
  transport(): Transport {
    return new MemoryTransport(this.core, () => this.stopped);
  }

  /**
   * Intercept every initiator PDU of `kind` before the target handles it. Hooks run in the
   * order added; the first to return an action other than "default" wins. Returns `off()`.
   *
   * @example
   * target.on("scsi-command", (pdu, ctx) => {
   *   if (pdu.cdb[0] === 0x2a) return ctx.delay(500);          // answer WRITEs late
   *   if (pdu.cdb[0] === 0x12) return ctx.respond({ kind: "scsi-response", status: 0x08 }); // BUSY
   *   return "default";
   * });
   */
  on<K extends InitiatorKind>(kind: K, hook: Hook<K>): () => void {
    return this.core.hooks.add(kind, hook, false);
  }

  /**
   * Like {@link on}, removed after the first time it returns an action.
   *
   * @example
   * target.once("nop-out", (_pdu, ctx) => ctx.drop());
   */
  once<K extends InitiatorKind>(kind: K, hook: Hook<K>): () => void {
    return this.core.hooks.add(kind, hook, true);
  }

  /**
   * Every PDU received and sent, and every event, in order.
   *
   * @example
   * assert.deepEqual(target.log.sent("async-message").map((a) => a.asyncEvent), [1]);
   */
  get log(): PduLog {
    return this.core.log;
  }

  /** Exceptions inside the fake target itself: a test can assert there were none. */
  get internalErrors(): readonly unknown[] {
    return this.core.internalErrors;
  }

  /** Every connection ever accepted, in order. */
  get connections(): readonly FakeConnection[] {
    return this.core.connections;
  }

  /**
   * The most recent connection.
   *
   * @example
   * target.sendAsync(target.connection, 1, { parameter3: 5 });
   */
  get connection(): FakeConnection {
    const c = this.core.connections.at(-1);
    if (!c) throw new Error("fake target: no connection yet");
    return c;
  }

  /** Live sessions (TSIH assigned, at least one connection). */
  get sessions(): readonly FakeSession[] {
    return [...this.core.sessions];
  }

  /**
   * The connection whose login completes next (or `since` a log mark).
   *
   * @example
   * const conn = await target.nextLogin();
   * assert.equal(conn.session?.tsih, 1);
   */
  async nextLogin(opts: { since?: number; timeoutMs?: number } = {}): Promise<FakeConnection> {
    const e = await this.log.waitFor((x) => x.dir === "event" && x.event === "login-complete", opts);
    return this.core.connections[e.conn - 1];
  }

  /**
   * A logical unit, to seed or inspect its blocks.
   *
   * @example
   * target.lun(1).disk.write(0, new Uint8Array(512).fill(0xab));
   */
  lun(lun: number, targetName?: string): LogicalUnit {
    const node = targetName ? this.core.nodes.get(targetName) : this.core.nodes.values().next().value;
    const lu = node?.luns.get(lun);
    if (!lu) throw new RangeError(`fake target: no LUN ${lun}${targetName ? ` on ${targetName}` : ""}`);
    return lu;
  }

  /**
   * Send an Asynchronous Message (RFC 7143 §11.9): 0 SCSI event (sense data), 1 logout
   * request (Parameter3: seconds to log out in), 2 dropping this connection (Parameter1 CID,
   * 2 Time2Wait, 3 Time2Retain), 3 dropping all, 4 renegotiation request, 255 vendor.
   *
   * @example
   * target.sendAsync(conn, 1, { parameter3: 2 }); // "log out within 2 s"
   */
  sendAsync(conn: FakeConnection, event: number, params: AsyncParams = {}): void {
    let data = params.data ?? new Uint8Array(0);
    if (event === 0) {
      const sense = params.sense ?? fixedSense(SenseKey.UnitAttention, 0x3f, 0x0e);
      const seg = new Uint8Array(2 + sense.length + data.length);
      seg[0] = sense.length >> 8;
      seg[1] = sense.length & 0xff;
      seg.set(sense, 2);
      seg.set(data, 2 + sense.length);
      data = seg;
    }
    conn.send({
      kind: "async-message", lun: encodeLun(params.lun ?? 0), itt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0,
      asyncEvent: event, asyncVCode: params.asyncVCode ?? 0,
      parameter1: params.parameter1 ?? (event === 2 ? conn.cid : 0),
      parameter2: params.parameter2 ?? 0, parameter3: params.parameter3 ?? 0, ahs: [], data,
    });
  }

  /**
   * Write bytes that are not a PDU (or a hand-made one) straight onto the connection.
   *
   * @example
   * target.sendGarbage(conn, new Uint8Array(48).fill(0x3b)); // opcode 0x3b is reserved
   */
  sendGarbage(conn: FakeConnection, bytes: Uint8Array): void {
    this.core.event(conn, "garbage", `${bytes.length} raw bytes`);
    conn.sendRaw(bytes);
  }

  /**
   * Flip a bit of the HeaderDigest of the next PDU sent with one on `conn` (digests
   * negotiated; the fault waits until then).
   *
   * @example
   * target.corruptNextHeaderDigest(conn);
   */
  corruptNextHeaderDigest(conn: FakeConnection): void {
    this.core.faults.corruptHeaderDigest.arm(true, conn.id);
  }

  /**
   * Flip a bit of the DataDigest of the next PDU with a data segment sent on `conn`.
   *
   * @example
   * target.corruptNextDataDigest(conn); // the next Data-In arrives with a bad digest
   */
  corruptNextDataDigest(conn: FakeConnection): void {
    this.core.faults.corruptDataDigest.arm(true, conn.id);
  }

  /**
   * Stop answering: PDUs of a kind (or opcode) are still taken (CmdSN counts) but their
   * answers are held; "all" holds everything the target would send, pings included. The
   * TCP connection stays open. {@link resume} lets the held answers go, in order.
   *
   * @example
   * target.stall("nop-out");  // the initiator's pings go unanswered
   */
  stall(what: StallTarget): void {
    this.core.faults.stalled.add(stallKey(what));
    this.core.event(undefined, "stall", `stall ${stallKey(what)}`);
  }

  /**
   * Undo {@link stall} for `what` (default: every stall) and send what was held.
   *
   * @example
   * target.resume("all");
   */
  resume(what?: StallTarget): void {
    const key = what === undefined ? undefined : stallKey(what);
    if (key === undefined) this.core.faults.stalled.clear();
    else this.core.faults.stalled.delete(key);
    this.core.event(undefined, "stall", `resume ${key ?? "everything"}`);
    for (const c of this.core.connections) c.release((tag) => key === undefined || tag === `stall:${key}`);
  }

  /**
   * Close a connection: "fin" (orderly) or "rst" (reset).
   *
   * @example
   * target.closeConnection(conn, "rst");
   */
  closeConnection(conn: FakeConnection, how: "fin" | "rst" = "fin"): void {
    conn.close(how, "closeConnection()");
  }

  /**
   * Close the next connection that sends a Login Request, without answering it.
   *
   * @example
   * target.closeDuringLogin("rst");
   */
  closeDuringLogin(how: "fin" | "rst" = "fin"): void {
    this.core.faults.closeDuringLogin = how;
  }

  /**
   * Hold the command window closed (MaxCmdSN = ExpCmdSN - 1: non-immediate commands are
   * ignored), reopen it, or resize it. Reopening tells each logged-in connection with a
   * NOP-In (ITT and TTT 0xffffffff) carrying the new MaxCmdSN.
   *
   * @example
   * target.setWindow({ closed: true });
   * target.setWindow({ closed: false, size: 4 });
   */
  setWindow(w: { closed?: boolean; size?: number }): void {
    const win = this.core.faults.window;
    const wasClosed = win.closed;
    if (w.size !== undefined) win.size = w.size;
    if (w.closed !== undefined) win.closed = w.closed;
    this.core.event(undefined, "window", `window ${win.closed ? "closed" : `open, size ${win.size}`}`);
    if (wasClosed && !win.closed) {
      for (const c of this.core.connections) {
        if (c.state !== "full-feature") continue;
        c.send({ kind: "nop-in", lun: 0n, itt: NONE, ttt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: new Uint8Array(0) });
      }
    }
  }

  /**
   * The next status-bearing PDU (on `conn`, or any) jumps StatSN ahead by `n`.
   *
   * @example
   * target.skipStatSN(2); // the next response's StatSN is 2 higher than expected
   */
  skipStatSN(n = 1, conn?: FakeConnection): void {
    this.core.faults.skipStatSN.arm(n, conn?.id);
  }

  /**
   * The next Data-In (on `conn`, or any) skips `n` DataSNs; the rest of that read follows on.
   *
   * @example
   * target.skipDataSN();
   */
  skipDataSN(n = 1, conn?: FakeConnection): void {
    this.core.faults.skipDataSN.arm(n, conn?.id);
  }

  /**
   * The next Data-In (on `conn`, or any) carries a Buffer Offset `delta` bytes off.
   *
   * @example
   * target.wrongBufferOffset(512);
   */
  wrongBufferOffset(delta = 512, conn?: FakeConnection): void {
    this.core.faults.wrongBufferOffset.arm(delta, conn?.id);
  }

  /**
   * Answer every following first Login Request with this status (undefined: succeed again).
   *
   * @example
   * target.setLoginStatus({ status: 0x0101, targetAddress: "127.0.0.1:3261,1" }); // redirect
   * target.setLoginStatus({ status: 0x0301 });                                  // unavailable
   */
  setLoginStatus(s: LoginStatusConfig | undefined): void {
    this.core.faults.loginStatus = s;
  }

  /**
   * A target-initiated NOP-In ping; resolves with the initiator's NOP-Out, rejects if the
   * connection closes first.
   *
   * @example
   * const echo = await target.ping(conn);
   */
  ping(conn: FakeConnection, data?: Uint8Array): Promise<NopOut> {
    return conn.ping(data);
  }
}
