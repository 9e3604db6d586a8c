/**
 * StatSN on a connection, as an initiator checks it (RFC 7143 §4.2.2.2): a PDU that carries
 * status takes the next StatSN and advances ExpStatSN; the others (Data-In without S, R2T,
 * a NOP-In that answers nothing) repeat the current one without advancing it. Shared by the
 * live connection and the capture replay, so both report the same gaps.
 */
import { RESERVED_TAG } from "./layout.js";
import { snLt } from "./serial.js";
import type { Pdu } from "./types.js";

/** PDU kinds whose StatSN advances the connection's ExpStatSN. */
export function advancesStatSN(p: Pdu): boolean {
  switch (p.kind) {
    case "scsi-response": case "task-response": case "text-response": case "logout-response":
    case "async-message": case "reject": case "login-response":
      return true;
    case "data-in": return p.statusPresent;
    case "nop-in": return p.itt !== RESERVED_TAG;
    default: return false;
  }
}

/**
 * The ExpStatSN of one connection, learned from the first status-bearing PDU.
 *
 * @example
 * const s = new StatSNTracker();
 * s.check(rsp);            // undefined: in sequence (or the first one)
 * s.expStatSN;             // rsp.statSN + 1, for the next request's ExpStatSN
 */
export class StatSNTracker {
  expStatSN = 0;
  known = false;

  /**
   * Note a PDU from the target. Returns the StatSN that was expected when the PDU's is out
   * of sequence, else undefined. A login refused with a non-zero Status-Class is not checked:
   * it ends the connection, and targets fill its StatSN loosely (tgtd sends 0).
   */
  check(pdu: Pdu & { statSN: number }): number | undefined {
    if (pdu.kind === "data-in" && !pdu.statusPresent) return undefined;
    if (pdu.kind === "login-response" && pdu.statusClass !== 0) return undefined;
    const advances = advancesStatSN(pdu);
    let expected: number | undefined;
    if (!this.known) {
      if (!advances) return undefined;
      this.known = true;
    } else if (advances ? pdu.statSN !== this.expStatSN : snLt(this.expStatSN, pdu.statSN)) {
      expected = this.expStatSN;
    }
    if (advances) this.expStatSN = (pdu.statSN + 1) >>> 0;
    return expected;
  }

  /** Forget the sequence (bytes were lost): the next status-bearing PDU sets it again. */
  reset(): void {
    this.known = false;
  }
}
