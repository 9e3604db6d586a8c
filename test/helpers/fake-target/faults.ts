/**
 * Fault state armed by the test and consumed by the target as it sends: one-shot faults
 * (skip a StatSN, skip a DataSN, a wrong buffer offset, a corrupt digest) and standing ones
 * (stalled opcodes, a closed window, a login status, closing during login).
 */
import type { PduKind } from "../../../src/wire/types.js";
import type { LoginStatusConfig } from "./options.js";
import type { WindowControl } from "./session.js";

/** What `stall()` can name: an initiator PDU kind, its opcode, or everything. */
export type StallTarget = PduKind | number | "all";

/** A queue of armed one-shot faults, each for one connection id or for any (0). */
export class OneShot<T> {
  private armed: { conn: number; value: T }[] = [];

  arm(value: T, conn = 0): void {
    this.armed.push({ conn, value });
  }

  /** The first fault armed for `conn` or for any connection, removed; undefined when none. */
  take(conn: number): T | undefined {
    const i = this.armed.findIndex((a) => a.conn === 0 || a.conn === conn);
    if (i < 0) return undefined;
    return this.armed.splice(i, 1)[0].value;
  }

  get pending(): number {
    return this.armed.length;
  }
}

export class Faults {
  /** Initiator PDU kinds whose answers are held ("all": every PDU the target sends). */
  readonly stalled = new Set<string>();
  readonly skipStatSN = new OneShot<number>();
  readonly skipDataSN = new OneShot<number>();
  readonly wrongBufferOffset = new OneShot<number>();
  readonly corruptHeaderDigest = new OneShot<true>();
  readonly corruptDataDigest = new OneShot<true>();
  /** Close the next connection that sends a Login Request, before answering it. */
  closeDuringLogin: "fin" | "rst" | undefined;
  loginStatus: LoginStatusConfig | undefined;
  readonly window: WindowControl;

  constructor(windowSize: number, loginStatus: LoginStatusConfig | undefined) {
    this.window = { size: windowSize, closed: false };
    this.loginStatus = loginStatus;
  }

  /** The stall key that holds answers to `kind` (opcode `opcode`), if any. */
  stallFor(kind: string, opcode: number): string | undefined {
    if (this.stalled.has(kind)) return kind;
    return this.stalled.has(`op:${opcode}`) ? `op:${opcode}` : undefined;
  }

  get stallAll(): boolean {
    return this.stalled.has("all");
  }
}

/** The key `stall()` stores for a stall target. */
export function stallKey(what: StallTarget): string {
  return typeof what === "number" ? `op:${what & 0x3f}` : what;
}
