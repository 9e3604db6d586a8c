/**
 * Per-opcode interception: a test hook sees each decoded initiator PDU before the target
 * handles it and returns what to do instead: reject it, drop it, delay the answer, answer
 * with PDUs of its own, close the connection, or let the default handling run.
 */
import type { InitiatorPdu, TargetPdu } from "../../../src/wire/types.js";
import type { FakeConnection } from "./connection.js";

/** What a hook decided. Build one with the {@link HookContext} methods. */
export type HookAction =
  | "default"
  | { action: "reject"; reason: number }
  | { action: "drop" }
  | { action: "delay"; ms: number; then: HookAction }
  | { action: "respond"; pdus: TargetPduInit[] }
  | { action: "close"; how: "fin" | "rst" };

type Kinds = TargetPdu["kind"];
type TargetPduOf<K extends Kinds> = Extract<TargetPdu, { kind: K }>;

/**
 * A target PDU with only `kind` required: the rest defaults from the request (ITT, LUN)
 * and the connection (StatSN, ExpCmdSN, MaxCmdSN are stamped at send time unless given).
 */
export type TargetPduInit = { [K in Kinds]: { kind: K } & Partial<Omit<TargetPduOf<K>, "kind">> }[Kinds];

export type InitiatorKind = InitiatorPdu["kind"];
export type InitiatorPduOf<K extends InitiatorKind> = Extract<InitiatorPdu, { kind: K }>;

/** Handed to a hook with the PDU. */
export interface HookContext {
  /** The connection the PDU came on. */
  readonly conn: FakeConnection;
  /** Send a Reject carrying the PDU's header (reason e.g. 0x04 protocol error, 0x09 invalid field). */
  reject(reason: number): HookAction;
  /** Take the PDU (its CmdSN counts) and never answer it. */
  drop(): HookAction;
  /** Answer after `ms` milliseconds: the default answer, or `then`. */
  delay(ms: number, then?: HookAction): HookAction;
  /** Answer with these PDUs instead of the default. */
  respond(...pdus: TargetPduInit[]): HookAction;
  /** Close the connection instead of answering: FIN (default) or RST. */
  close(how?: "fin" | "rst"): HookAction;
}

/** A hook: return an action, or nothing / "default" for the target's own handling. */
export type Hook<K extends InitiatorKind> = (pdu: InitiatorPduOf<K>, ctx: HookContext) => HookAction | void;

interface Registered {
  kind: InitiatorKind;
  fn: Hook<InitiatorKind>;
  once: boolean;
}

export class HookRegistry {
  private hooks: Registered[] = [];

  add<K extends InitiatorKind>(kind: K, fn: Hook<K>, once: boolean): () => void {
    const r: Registered = { kind, fn: fn as unknown as Hook<InitiatorKind>, once };
    this.hooks.push(r);
    return () => {
      this.hooks = this.hooks.filter((h) => h !== r);
    };
  }

  /** Run the hooks for `pdu` in registration order; the first that returns an action wins. */
  decide(pdu: InitiatorPdu, conn: FakeConnection): HookAction {
    for (const h of this.hooks) {
      if (h.kind !== pdu.kind) continue;
      const action = h.fn(pdu, CONTEXT(conn)) ?? "default";
      if (action === "default") continue;
      if (h.once) this.hooks = this.hooks.filter((x) => x !== h);
      return action;
    }
    return "default";
  }
}

function CONTEXT(conn: FakeConnection): HookContext {
  return {
    conn,
    reject: (reason) => ({ action: "reject", reason }),
    drop: () => ({ action: "drop" }),
    delay: (ms, then = "default") => ({ action: "delay", ms, then }),
    respond: (...pdus) => ({ action: "respond", pdus }),
    close: (how = "fin") => ({ action: "close", how }),
  };
}

const EMPTY = new Uint8Array(0);
const NONE = 0xffffffff;

/** Fill in a {@link TargetPduInit} from the request it answers; `explicit` lists the given fields. */
export function completePdu(init: TargetPduInit, req: InitiatorPdu | undefined): { pdu: TargetPdu; explicit: Set<string> } {
  const itt = req?.itt ?? NONE;
  const lun = req && "lun" in req ? req.lun : 0n;
  const sn = { statSN: 0, expCmdSN: 0, maxCmdSN: 0, ahs: [], data: EMPTY };
  const base: Record<Kinds, object> = {
    "nop-in": { lun, itt, ttt: NONE },
    "scsi-response": { bidiReadOverflow: false, bidiReadUnderflow: false, overflow: false, underflow: false,
      response: 0, status: 0, itt, snackTag: 0, expDataSN: 0, bidiReadResidualCount: 0, residualCount: 0 },
    "task-response": { response: 0, itt },
    "login-response": { transit: false, continue: false, csg: 0, nsg: 0, versionMax: 0, versionActive: 0,
      isid: req?.kind === "login-request" ? req.isid : 0, tsih: 0, itt, statusClass: 0, statusDetail: 0 },
    "text-response": { final: true, continue: false, lun, itt, ttt: NONE },
    "data-in": { final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: false, status: 0,
      lun, itt, ttt: NONE, dataSN: 0, bufferOffset: 0, residualCount: 0 },
    "logout-response": { response: 0, itt, time2Wait: 0, time2Retain: 0 },
    "r2t": { lun, itt, ttt: 0x1000, r2tSN: 0, bufferOffset: 0, desiredDataTransferLength: 0 },
    "async-message": { lun, itt: NONE, asyncEvent: 0, asyncVCode: 0, parameter1: 0, parameter2: 0, parameter3: 0 },
    "reject": { reason: 0x09, itt: NONE, dataSN: 0 },
  };
  const pdu = { ...sn, ...base[init.kind], ...init } as TargetPdu;
  return { pdu, explicit: new Set(Object.keys(init)) };
}
