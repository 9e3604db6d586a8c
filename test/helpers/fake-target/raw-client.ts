/**
 * A bare-hands iSCSI initiator for the fake target's own tests: it sends the PDUs a test
 * builds (with src/wire's encodePdu) and hands back what comes in, over the fake target's
 * in-memory Transport or a TCP socket. It does not use src/initiator beyond `Transport`.
 */
import { connect as netConnect, type Socket } from "node:net";
import { PduError } from "../../../src/errors.js";
import type { Transport } from "../../../src/initiator/transport.js";
import { encodePdu } from "../../../src/wire/encode.js";
import { PduFramer } from "../../../src/wire/framer.js";
import { decodeText, encodeText, type TextPair } from "../../../src/wire/text.js";
import type { DigestOptions, LoginResponse, Pdu, ScsiCommand, TargetPdu } from "../../../src/wire/types.js";
import { FakeTarget } from "../fake-target.js";
import type { FakeTargetOptions } from "./options.js";

export const NONE = 0xffffffff;
const EMPTY = new Uint8Array(0);

/** What can arrive: a PDU, a PDU whose digest failed, or bytes that frame as nothing. */
export type Incoming =
  | TargetPdu
  | { kind: "bad-digest"; field: string; bytes: Uint8Array }
  | { kind: "framing-error"; message: string };
type IncomingOf<K extends Incoming["kind"]> = Extract<Incoming, { kind: K }>;

/** How the connection ended, as the client saw it. */
export interface ClientEnd {
  how: "fin" | "reset" | "error";
  code?: string;
}

interface Pipe {
  write(b: Uint8Array): void;
  close(): void;
}

export class RawClient {
  cmdSN = 1;
  expStatSN = 0;
  isid = 0x80_0000_1234;
  tsih = 0;
  cid = 1;
  digests: DigestOptions = {};
  readonly ended: Promise<ClientEnd>;
  private endResolve!: (e: ClientEnd) => void;
  private readonly framer = new PduFramer();
  private readonly queue: Incoming[] = [];
  private waiter: ((p: Incoming) => void) | undefined;
  private ittSeq = 0x10;
  private pipe!: Pipe;

  private constructor() {
    this.ended = new Promise((r) => (this.endResolve = r));
  }

  /** Connect through the fake target's in-memory Transport. */
  static async memory(transport: Transport): Promise<RawClient> {
    const c = new RawClient();
    await transport.connect("127.0.0.1", 3260, 1000, {
      data: (chunk) => c.onData(chunk),
      end: (how) => c.endResolve({ how: how.kind === "reset" ? "reset" : how.kind === "fin" ? "fin" : "error", code: how.code }),
    });
    c.pipe = { write: (b) => transport.write([b]), close: () => transport.close() };
    return c;
  }

  /** Connect over TCP. */
  static tcp(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const c = new RawClient();
    return new Promise((resolve, reject) => {
      const s: Socket = netConnect({ host, port, noDelay: true }, () => {
        s.off("error", reject);
        let why: ClientEnd = { how: "fin" };
        s.on("error", (e: NodeJS.ErrnoException) => (why = { how: e.code === "ECONNRESET" ? "reset" : "error", code: e.code }));
        s.on("close", () => c.endResolve(why));
        c.pipe = { write: (b) => void s.write(b), close: () => void s.end() };
        resolve(c);
      });
      s.on("data", (chunk: Buffer) => c.onData(chunk));
      s.once("error", reject);
    });
  }

  private onData(chunk: Uint8Array): void {
    this.framer.headerDigest = !!this.digests.headerDigest;
    this.framer.dataDigest = !!this.digests.dataDigest;
    try {
      this.framer.push(chunk, (p) => this.deliver(p as TargetPdu), (e, info) => {
        this.deliver({ kind: "bad-digest", field: e.field ?? "", bytes: info.bytes });
      });
    } catch (e) {
      this.deliver({ kind: "framing-error", message: e instanceof PduError ? e.message : String(e) });
    }
  }

  private deliver(p: Incoming): void {
    if ("statSN" in p && p.kind !== "r2t" && !(p.kind === "data-in" && !p.statusPresent) && !(p.kind === "nop-in" && p.itt === NONE)) {
      this.expStatSN = (p.statSN + 1) >>> 0;
    }
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(p);
    else this.queue.push(p);
  }

  /** A fresh ITT. */
  itt(): number {
    return this.ittSeq++;
  }

  /** Encode with the current digests, without sending. */
  encode(pdu: Pdu): Uint8Array {
    return encodePdu(pdu, this.digests);
  }

  /** Encode (with the current digests) and send; returns the bytes sent. */
  send(pdu: Pdu): Uint8Array {
    const bytes = this.encode(pdu);
    this.pipe.write(bytes);
    return bytes;
  }

  sendBytes(bytes: Uint8Array): void {
    this.pipe.write(bytes);
  }

  close(): void {
    this.pipe.close();
  }

  /** The next thing received; rejects after `ms`. */
  next(ms = 2000): Promise<Incoming> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`raw client: nothing received within ${ms} ms`));
      }, ms);
      this.waiter = (p) => {
        clearTimeout(t);
        resolve(p);
      };
    });
  }

  /** The next thing received, which must be of `kind`. */
  async expect<K extends Incoming["kind"]>(kind: K, ms = 2000): Promise<IncomingOf<K>> {
    const p = await this.next(ms);
    if (p.kind !== kind) throw new Error(`raw client: expected ${kind}, got ${p.kind} ${JSON.stringify(p, replacer)}`);
    return p as IncomingOf<K>;
  }

  /** Resolves if nothing arrives for `ms`; rejects with what did arrive. */
  async silence(ms: number): Promise<void> {
    const p = await this.next(ms).catch(() => undefined);
    if (p) throw new Error(`raw client: expected silence, got ${p.kind} ${JSON.stringify(p, replacer)}`);
  }

  /** A Login Request with this client's ISID, TSIH, CID, CmdSN and ExpStatSN. */
  loginRequest(o: { csg: number; nsg: number; transit: boolean; pairs: TextPair[]; itt?: number }): Pdu {
    return {
      kind: "login-request", immediate: true, transit: o.transit, continue: false, csg: o.csg, nsg: o.transit ? o.nsg : 0,
      versionMax: 0, versionMin: 0, isid: this.isid, tsih: this.tsih, itt: o.itt ?? 1, cid: this.cid,
      cmdSN: this.cmdSN, expStatSN: this.expStatSN, ahs: [], data: encodeText(o.pairs),
    };
  }

  /** One login round trip; returns the response and its pairs. */
  async loginStep(o: { csg: number; nsg: number; transit: boolean; pairs: TextPair[] }): Promise<{ rsp: LoginResponse; pairs: TextPair[] }> {
    this.send(this.loginRequest(o));
    const rsp = await this.expect("login-response");
    return { rsp, pairs: decodeText(rsp.data) };
  }

  /**
   * Log in without authentication: security stage, then operational keys until the target
   * transits to full feature phase (answering any keys the target offers). Digests follow
   * the answer. Returns the final response and every pair the target sent.
   */
  async login(o: { target?: string; keys?: TextPair[]; initiator?: string } = {}): Promise<{ final: LoginResponse; pairs: TextPair[] }> {
    const names: TextPair[] = [["InitiatorName", o.initiator ?? "iqn.2024-01.test.iscsiscope:raw"]];
    names.push(o.target === undefined ? ["SessionType", "Discovery"] : ["TargetName", o.target]);
    const first = await this.loginStep({ csg: 0, nsg: 1, transit: true, pairs: [...names, ["AuthMethod", "None"]] });
    const all = [...first.pairs];
    let step = await this.loginStep({ csg: 1, nsg: 3, transit: true, pairs: o.keys ?? [] });
    for (let i = 0; i < 4 && step.rsp.statusClass === 0 && !step.rsp.transit; i++) {
      all.push(...step.pairs);
      const answers = step.pairs.filter(([k]) => k !== "MaxRecvDataSegmentLength");
      step = await this.loginStep({ csg: 1, nsg: 3, transit: true, pairs: answers });
    }
    all.push(...step.pairs);
    this.afterLogin(step.rsp, all);
    return { final: step.rsp, pairs: all };
  }

  /** Take the TSIH and window from a final Login Response and turn on negotiated digests. */
  afterLogin(final: LoginResponse, pairs: TextPair[]): void {
    if (!final.transit || final.statusClass !== 0) return;
    this.tsih = final.tsih;
    this.cmdSN = final.expCmdSN;
    const get = (k: string): string | undefined => pairs.filter(([key]) => key === k).at(-1)?.[1];
    this.digests = { headerDigest: get("HeaderDigest") === "CRC32C", dataDigest: get("DataDigest") === "CRC32C" };
  }

  /** A SCSI Command (CmdSN taken and advanced unless immediate). */
  command(cdb: number[] | Uint8Array, o: { read?: number; write?: number; data?: Uint8Array; lun?: number; itt?: number } = {}): ScsiCommand {
    const c = new Uint8Array(16);
    c.set(cdb);
    const pdu: ScsiCommand = {
      kind: "scsi-command", immediate: false, final: true, read: (o.read ?? 0) > 0, write: (o.write ?? 0) > 0, attr: 1,
      lun: BigInt(o.lun ?? 0) << 48n, itt: o.itt ?? this.itt(), expectedDataTransferLength: o.read ?? o.write ?? 0,
      cmdSN: this.cmdSN, expStatSN: this.expStatSN, cdb: c, bidiReadLength: undefined, ahs: [], data: o.data ?? EMPTY,
    };
    this.cmdSN = (this.cmdSN + 1) >>> 0;
    return pdu;
  }

  /** A NOP-Out ping (immediate; ITT given unless `itt` is 0xffffffff). */
  nopOut(o: { itt?: number; ttt?: number; data?: Uint8Array } = {}): Pdu {
    return {
      kind: "nop-out", immediate: true, lun: 0n, itt: o.itt ?? this.itt(), ttt: o.ttt ?? NONE, cmdSN: this.cmdSN,
      expStatSN: this.expStatSN, ahs: [], data: o.data ?? EMPTY,
    };
  }
}

/**
 * A fake target and a raw client connected to it in memory; after the test the target
 * must have had no internal error, and is stopped.
 */
export async function setup(
  t: { after(fn: () => unknown): void },
  opts: FakeTargetOptions = {},
): Promise<{ target: FakeTarget; client: RawClient }> {
  const target = new FakeTarget(opts);
  t.after(() => {
    if (target.internalErrors.length > 0) throw new Error(`fake target internal errors:\n${target.log.events("internal-error").map((e) => e.detail).join("\n")}`);
    return target.stop();
  });
  return { target, client: await RawClient.memory(target.transport()) };
}

/** READ(10) / WRITE(10) CDBs. */
export function rw10(op: 0x28 | 0x2a, lba: number, blocks: number): number[] {
  return [op, 0, lba >>> 24, (lba >> 16) & 0xff, (lba >> 8) & 0xff, lba & 0xff, 0, blocks >> 8, blocks & 0xff, 0];
}

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  return v;
}
