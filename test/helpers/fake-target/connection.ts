/**
 * One connection on the fake target: frames what the initiator sends, checks it, passes
 * each PDU through the test's hooks to its handler, and sends answers with StatSN,
 * ExpCmdSN and MaxCmdSN stamped at the moment they leave (so a held or delayed answer
 * still goes out in StatSN order). Bad input never throws: it becomes a Reject or a close,
 * and an entry in the log.
 */
import { PduError } from "../../../src/errors.js";
import { encodePduVec } from "../../../src/wire/encode.js";
import { PduFramer } from "../../../src/wire/framer.js";
import { BHS_LENGTH, RESERVED_TAG as NONE } from "../../../src/wire/layout.js";
import { snAdd } from "../../../src/wire/serial.js";
import { KIND_OPCODE, type InitiatorPdu, type NopOut, type Pdu, type TargetPdu } from "../../../src/wire/types.js";
import type { TargetCore } from "./core.js";
import { completePdu, type HookAction } from "./hooks.js";
import { onDataOut, onScsiCommand, onTaskRequest, type WriteTask } from "./io.js";
import type { ConnectionParams, Negotiator } from "./keys.js";
import { LoginPhase } from "./login.js";
import type { FakeSession } from "./session.js";
import { onTextRequest, TextState } from "./text.js";

/** How a connection reaches its peer: a TCP socket or the in-memory transport. */
export interface Wire {
  write(parts: readonly Uint8Array[]): void;
  close(how: "fin" | "rst"): void;
  readonly local: string;
  readonly remote: string;
}

export type ConnState = "login" | "full-feature" | "closed";

const EMPTY = new Uint8Array(0);
const NO_KEYS: ReadonlySet<string> = new Set();
const TARGET_KINDS = new Set(Object.keys(KIND_OPCODE).filter((k) => KIND_OPCODE[k as keyof typeof KIND_OPCODE] & 0x20));

interface Held {
  pdu: TargetPdu;
  explicit: ReadonlySet<string>;
  thenClose: boolean;
}

/** Target PDUs that carry a new StatSN (RFC 7143 §4.2.2.2); the others repeat the next one. */
function advancesStatSN(p: TargetPdu): boolean {
  if (p.kind === "data-in") return p.statusPresent;
  if (p.kind === "nop-in") return p.itt !== NONE;
  return p.kind !== "r2t";
}

/**
 * A connection as the target sees it. Tests get one from `target.connection`,
 * `target.connections` or `await target.nextLogin()`, read its state, and pass it to the
 * fault methods.
 *
 * @example
 * const conn = await target.nextLogin();
 * assert.equal(conn.params.headerDigest, true);
 * target.sendAsync(conn, 2); // "dropping this connection", Parameter1 = conn.cid
 */
export class FakeConnection {
  /** CID from the Login Request. */
  cid = 0;
  state: ConnState = "login";
  /** The session, from the first Login Request on (TSIH 0 until the login succeeds). */
  session: FakeSession | undefined;
  /** What this connection negotiated (digests, both MaxRecvDataSegmentLengths). */
  params: ConnectionParams = { headerDigest: false, dataDigest: false, initiatorMRDSL: 8192, targetMRDSL: 8192 };
  /** Next StatSN to send. */
  statSN: number;
  /** @internal */ negotiator: Negotiator | undefined;
  /** @internal */ loginCmdSN = 0;
  /** @internal */ readonly login = new LoginPhase(this);
  /** @internal */ readonly text = new TextState();
  /** @internal Writes waiting for data, by ITT. */ readonly writes = new Map<number, WriteTask>();
  /** @internal ITTs answered or aborted: late Data-Out for them is dropped quietly. */ readonly finished = new Set<number>();
  private readonly framer = new PduFramer({ maxDataSegmentLength: 8192 });
  private received = 0;
  private held: Held[] = [];
  private readonly holds = new Map<number, string>();
  private tttSeq = 0x100;
  private readonly pings = new Map<number, { resolve(p: NopOut): void; reject(e: Error): void }>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly core: TargetCore, private readonly wire: Wire, readonly id: number) {
    this.statSN = core.opts.initialStatSN;
  }

  get local(): string {
    return this.wire.local;
  }
  get remote(): string {
    return this.wire.remote;
  }

  // ---- input ----

  /** Bytes from the initiator. */
  receive(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    const base = this.received;
    this.received += chunk.length;
    try {
      this.framer.push(chunk, (pdu, info) => this.onPdu(pdu, info.bytes), (err, info) => this.onDigestError(err, info.bytes));
    } catch (e) {
      const at = e instanceof PduError ? e.offset - base : -1;
      const header = at >= 0 && at + BHS_LENGTH <= chunk.length ? chunk.slice(at, at + BHS_LENGTH) : new Uint8Array(BHS_LENGTH);
      this.core.event(this, "framing-error", e instanceof Error ? e.message : String(e));
      this.reject(0x04, header);
      this.close("fin", "stream out of step after a framing error");
    }
  }

  private onDigestError(err: PduError, bytes: Uint8Array): void {
    if (err.field === "HeaderDigest") {
      // RFC 7143 §7.8: a header that fails its digest cannot be trusted; at ERL 0, close.
      this.core.event(this, "header-digest-error", err.message);
      this.close("fin", "header digest error");
      return;
    }
    this.core.event(this, "data-digest-error", err.message);
    this.reject(0x02, bytes.subarray(0, BHS_LENGTH));
  }

  private onPdu(pdu: Pdu, bytes: Uint8Array): void {
    if (this.state === "closed") return;
    this.core.log.add({ dir: "in", conn: this.id, pdu, length: bytes.length });
    const header = bytes.slice(0, BHS_LENGTH);
    try {
      this.dispatch(pdu, header);
    } catch (e) {
      this.core.internalError(this, e);
      this.reject(0x04, header);
    }
  }

  private dispatch(pdu: Pdu, header: Uint8Array): void {
    if (pdu.kind === "vendor") return this.protocolError(0x05, header, `vendor opcode 0x${pdu.opcode.toString(16)}`);
    if (TARGET_KINDS.has(pdu.kind)) return this.protocolError(0x04, header, `${pdu.kind} is a target PDU`);
    const p = pdu as InitiatorPdu;
    if (this.state === "login" && p.kind !== "login-request") return this.login.invalid(p);
    if (this.state !== "login" && p.kind === "login-request") {
      return this.protocolError(0x04, header, "Login Request in full feature phase");
    }
    if (this.session && this.state !== "login" && !this.takeCmdSN(p)) return;
    const stall = p.itt === NONE ? undefined : this.core.faults.stallFor(p.kind, KIND_OPCODE[p.kind]);
    if (stall) {
      if (!this.holds.has(p.itt)) this.holds.set(p.itt, `stall:${stall}`);
      this.core.event(this, "stall", `answers to ${p.kind} itt=${p.itt} held`);
    }
    this.apply(this.core.hooks.decide(p, this), p, header);
  }

  /** Window check (RFC 7143 §4.2.2.1); false when the PDU is to be ignored. */
  private takeCmdSN(p: InitiatorPdu): boolean {
    if (p.kind === "data-out" || p.kind === "snack" || p.kind === "login-request") return true;
    const immediate = p.immediate || (p.kind === "nop-out" && p.itt === NONE);
    if (this.session!.accept(p.cmdSN, immediate)) return true;
    const s = this.session!;
    this.core.event(this, "out-of-window", `${p.kind} CmdSN ${p.cmdSN} outside [${s.expCmdSN}, ${s.maxCmdSN}]: ignored`);
    return false;
  }

  private apply(a: HookAction, p: InitiatorPdu, header: Uint8Array): void {
    if (a === "default") return this.handle(p, header);
    this.core.event(this, "hook", `${p.kind} itt=${p.itt}: ${a.action}`);
    switch (a.action) {
      case "reject": return this.reject(a.reason, header);
      case "drop": this.session?.dropped.add(p.itt); return;
      case "close": return this.close(a.how, `hook on ${p.kind}`);
      case "delay":
        if (a.then === "default" && p.itt !== NONE) {
          if (!this.holds.has(p.itt)) this.holds.set(p.itt, "delay");
          this.later(a.ms, () => this.release((tag, itt) => tag === "delay" && itt === p.itt));
          return this.handle(p, header);
        }
        return this.later(a.ms, () => this.apply(a.then, p, header));
      case "respond":
        for (const init of a.pdus) {
          const { pdu, explicit } = completePdu(init, p);
          if (pdu.kind === "reject" && !explicit.has("data")) pdu.data = header;
          this.send(pdu, explicit);
        }
    }
  }

  private handle(p: InitiatorPdu, header: Uint8Array): void {
    switch (p.kind) {
      case "login-request": return this.login.handle(p);
      case "scsi-command": return onScsiCommand(this, p, header);
      case "data-out": return onDataOut(this, p, header);
      case "task-request": return onTaskRequest(this, p, header);
      case "text-request": return onTextRequest(this, p, header);
      case "nop-out": return this.onNopOut(p);
      case "logout-request": return this.onLogout(p.reasonCode, p.cid, p.itt, header);
      case "snack": return this.protocolError(0x04, header, "SNACK at ErrorRecoveryLevel 0");
    }
  }

  private onNopOut(p: NopOut): void {
    if (p.itt !== NONE) {
      this.send({ kind: "nop-in", lun: p.lun, itt: p.itt, ttt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: p.data.slice() });
    }
    const ping = p.ttt !== NONE ? this.pings.get(p.ttt) : undefined;
    if (ping) {
      this.pings.delete(p.ttt);
      ping.resolve(p);
    }
  }

  private onLogout(reason: number, cid: number, itt: number, header: Uint8Array): void {
    const s = this.session!;
    const answer = (response: number, thenClose: boolean): void => this.send({
      kind: "logout-response", response, itt, statSN: 0, expCmdSN: 0, maxCmdSN: 0,
      time2Wait: s.params?.defaultTime2Wait ?? 2, time2Retain: s.params?.defaultTime2Retain ?? 0, ahs: [], data: EMPTY,
    }, NO_KEYS, thenClose);
    if (reason === 0) {
      for (const c of s.connections) if (c !== this) c.close("fin", "the session logged out");
      return answer(0, true);
    }
    if (reason === 1) {
      if (cid === this.cid) return answer(0, true);
      const other = [...s.connections].find((c) => c.cid === cid);
      other?.close("fin", `logout of CID ${cid} on another connection`);
      return answer(other ? 0 : 1, false);
    }
    if (reason === 2) return answer(2, false); // connection recovery needs ERL 2
    return this.protocolError(0x09, header, `Logout reason code ${reason}`);
  }

  // ---- output ----

  /** Send a PDU (stamped when it leaves; held while its ITT or everything is stalled or delayed). */
  send(pdu: TargetPdu, explicit: ReadonlySet<string> = NO_KEYS, thenClose = false): void {
    if (this.state === "closed") return;
    if (this.isHeld(pdu)) {
      this.held.push({ pdu, explicit, thenClose });
      return;
    }
    this.transmit(pdu, explicit);
    if (thenClose) this.close("fin", `after ${pdu.kind}`);
  }

  /** A Reject carrying the offending header (RFC 7143 §11.17). */
  reject(reason: number, header: Uint8Array): void {
    this.send({ kind: "reject", reason, itt: NONE, statSN: 0, expCmdSN: 0, maxCmdSN: 0, dataSN: 0, ahs: [], data: header.slice(0, BHS_LENGTH) });
  }

  /** Log and Reject: bad input from the initiator. */
  protocolError(reason: number, header: Uint8Array, why: string): void {
    this.core.event(this, "protocol-error", `${why}: Reject 0x${reason.toString(16).padStart(2, "0")}`);
    this.reject(reason, header);
  }

  /** Raw bytes, no framing. */
  sendRaw(bytes: Uint8Array): void {
    if (this.state !== "closed") this.wire.write([bytes]);
  }

  private isHeld(pdu: TargetPdu): boolean {
    return this.core.faults.stallAll || (pdu.itt !== NONE && this.holds.has(pdu.itt));
  }

  private transmit(pdu: TargetPdu, explicit: ReadonlySet<string>): void {
    this.stamp(pdu, explicit);
    const ffp = this.state === "full-feature";
    const digests = { headerDigest: ffp && this.params.headerDigest, dataDigest: ffp && this.params.dataDigest };
    const parts = encodePduVec(pdu, digests);
    const f = this.core.faults;
    if (digests.headerDigest && f.corruptHeaderDigest.take(this.id)) {
      parts[0][parts[0].length - 1] ^= 0xff;
      this.core.event(this, "fault", `corrupt header digest on ${pdu.kind}`);
    }
    if (digests.dataDigest && pdu.data.length > 0 && f.corruptDataDigest.take(this.id)) {
      const t = parts[parts.length - 1];
      t[t.length - 1] ^= 0xff;
      this.core.event(this, "fault", `corrupt data digest on ${pdu.kind}`);
    }
    this.core.log.add({ dir: "out", conn: this.id, pdu, length: parts.reduce((n, b) => n + b.length, 0) });
    this.wire.write(parts);
  }

  private stamp(pdu: TargetPdu, explicit: ReadonlySet<string>): void {
    const s = this.session;
    if (!explicit.has("expCmdSN")) pdu.expCmdSN = s ? s.expCmdSN : this.loginCmdSN;
    if (!explicit.has("maxCmdSN")) pdu.maxCmdSN = s ? s.maxCmdSN : this.loginCmdSN;
    if (explicit.has("statSN")) return;
    if (!advancesStatSN(pdu)) {
      pdu.statSN = this.statSN;
      return;
    }
    const skip = this.core.faults.skipStatSN.take(this.id);
    if (skip) {
      this.statSN = snAdd(this.statSN, skip);
      this.core.event(this, "fault", `StatSN skips ${skip} before ${pdu.kind}`);
    }
    pdu.statSN = this.statSN;
    this.statSN = snAdd(this.statSN, 1);
  }

  /** Let held answers go: those whose hold matches, and whatever is no longer held. */
  release(match: (tag: string, itt: number) => boolean): void {
    for (const [itt, tag] of this.holds) if (match(tag, itt)) this.holds.delete(itt);
    const still: Held[] = [];
    const queue = this.held;
    this.held = still;
    for (const h of queue) {
      if (this.state === "closed") return;
      if (this.isHeld(h.pdu)) still.push(h);
      else this.send(h.pdu, h.explicit, h.thenClose);
    }
  }

  /** Forget held answers to `itt` (its task was aborted); true when there were any. */
  discardHeld(itt: number): boolean {
    const had = this.holds.delete(itt) || this.held.some((h) => h.pdu.itt === itt);
    this.held = this.held.filter((h) => h.pdu.itt !== itt);
    return had;
  }

  /** A fresh Target Transfer Tag (never 0xffffffff). */
  nextTtt(): number {
    const t = this.tttSeq;
    this.tttSeq = this.tttSeq >= 0xfffffffe ? 0x100 : this.tttSeq + 1;
    return t;
  }

  /** Target-initiated NOP-In; resolves with the initiator's NOP-Out echo. */
  ping(data: Uint8Array = EMPTY): Promise<NopOut> {
    const ttt = this.nextTtt();
    const p = new Promise<NopOut>((resolve, reject) => this.pings.set(ttt, { resolve, reject }));
    this.send({ kind: "nop-in", lun: 0n, itt: NONE, ttt, statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data });
    return p;
  }

  /** Run `fn` after `ms` unless the connection closes first. */
  later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (this.state !== "closed") fn();
    }, ms);
    this.timers.add(t);
  }

  // ---- life cycle ----

  /** @internal The login succeeded: digests and the data segment limit apply from the next PDU. */
  enterFullFeature(params: ConnectionParams): void {
    this.state = "full-feature";
    this.params = params;
    this.framer.headerDigest = params.headerDigest;
    this.framer.dataDigest = params.dataDigest;
    this.framer.maxDataSegmentLength = params.targetMRDSL;
    const every = this.core.opts.nopInterval;
    if (every) {
      const t = setInterval(() => this.ping().catch(() => undefined), every);
      this.timers.add(t as unknown as NodeJS.Timeout);
    }
  }

  /** Close from the target's side: FIN, or RST. */
  close(how: "fin" | "rst", why: string): void {
    if (this.state === "closed") return;
    this.teardown(`${how === "rst" ? "reset (RST)" : "closed (FIN)"} by the target: ${why}`);
    this.wire.close(how);
  }

  /** @internal The initiator's side ended. */
  onWireEnd(how: string): void {
    if (this.state !== "closed") this.teardown(`the initiator ${how}`);
  }

  private teardown(detail: string): void {
    this.state = "closed";
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of this.pings.values()) p.reject(new Error(`connection ${this.id} closed before the ping was answered`));
    this.pings.clear();
    this.held = [];
    const s = this.session;
    if (s) {
      s.connections.delete(this);
      if (s.connections.size === 0) this.core.sessions.delete(s);
    }
    this.core.event(this, "close", detail);
  }
}
