/**
 * A session on the fake target: its identity (ISID, TSIH, initiator, target node), what it
 * negotiated, and the command window (RFC 7143 §4.2.2.1): ExpCmdSN advances as commands
 * arrive in order, MaxCmdSN = ExpCmdSN + window - 1. Closing the window stops MaxCmdSN where
 * it is: a target cannot take back what it granted (an initiator ignores a lower MaxCmdSN),
 * so the window closes (MaxCmdSN = ExpCmdSN - 1) once the initiator has used it up.
 */
import { snAdd, snLe, snLt } from "../../../src/wire/serial.js";
import type { SessionParams } from "./keys.js";
import type { LogicalUnit } from "./scsi.js";
import type { TargetConfig } from "./options.js";
import type { FakeConnection } from "./connection.js";

/** A target node with its logical units. */
export interface TargetNode {
  cfg: TargetConfig;
  luns: Map<number, LogicalUnit>;
  /** LUN numbers in REPORT LUNS order. */
  lunList: number[];
}

/** The window settings shared by every session of a target. */
export interface WindowControl {
  size: number;
  closed: boolean;
}

export class FakeSession {
  /** Assigned in the final Login Response; 0 until then. */
  tsih = 0;
  params: SessionParams | undefined;
  readonly connections = new Set<FakeConnection>();
  /** Commands the target took (CmdSN consumed) and will never answer: `ctx.drop()`. */
  readonly dropped = new Set<number>();
  private expected: number;
  /** The highest MaxCmdSN announced: never taken back. */
  private granted: number;
  /** CmdSNs received ahead of a gap, waiting for it to fill. */
  private readonly ahead = new Set<number>();

  constructor(
    readonly isid: number,
    readonly initiatorName: string,
    readonly type: "Normal" | "Discovery",
    readonly node: TargetNode | undefined,
    firstCmdSN: number,
    private readonly window: WindowControl,
  ) {
    this.expected = firstCmdSN >>> 0;
    this.granted = snAdd(this.expected, this.window.size - 1);
  }

  get expCmdSN(): number {
    return this.expected;
  }

  get maxCmdSN(): number {
    if (this.window.closed) return snLt(this.granted, snAdd(this.expected, -1)) ? snAdd(this.expected, -1) : this.granted;
    const max = snAdd(this.expected, this.window.size - 1);
    if (snLt(this.granted, max)) this.granted = max;
    return this.granted;
  }

  /**
   * Account for a command's CmdSN. Immediate commands do not advance ExpCmdSN. A
   * non-immediate command outside [ExpCmdSN, MaxCmdSN] is to be silently ignored (RFC 7143
   * §4.2.2.1): returns false for it.
   */
  accept(cmdSN: number, immediate: boolean): boolean {
    if (immediate) return true;
    if (!snLe(this.expected, cmdSN) || !snLe(cmdSN, this.maxCmdSN)) return false;
    if (cmdSN !== this.expected) {
      this.ahead.add(cmdSN);
      return true;
    }
    this.expected = snAdd(this.expected, 1);
    while (this.ahead.delete(this.expected)) this.expected = snAdd(this.expected, 1);
    return true;
  }

  /** True when `cmdSN` lies in the window and before `before` (ABORT TASK's RefCmdSN rule). */
  notYetReceived(cmdSN: number, before: number): boolean {
    return snLe(this.expected, cmdSN) && snLt(cmdSN, before) && !this.ahead.has(cmdSN);
  }
}
