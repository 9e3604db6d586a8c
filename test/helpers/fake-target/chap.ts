/**
 * CHAP, the target's side (RFC 7143 §12.1.3, RFC 1994): written here from the RFC, not
 * shared with the initiator's src/login/chap.ts, so one cannot hide a bug in the other.
 * CHAP_R = MD5(CHAP_I as one octet ‖ secret ‖ CHAP_C), MD5 being CHAP_A=5.
 */
import { createHash, randomBytes } from "node:crypto";
import type { TextPair } from "../../../src/wire/text.js";
import type { ChapConfig } from "./options.js";

/** CHAP_A value of MD5. */
export const CHAP_MD5 = "5";

/**
 * MD5(id ‖ secret ‖ challenge).
 *
 * @example
 * chapResponse(1, "secret", Buffer.from("0102", "hex")).toString("hex");
 */
export function chapResponse(id: number, secret: string, challenge: Uint8Array): Buffer {
  return createHash("md5").update(Uint8Array.of(id & 0xff)).update(secret).update(challenge).digest();
}

/** Decode a CHAP binary value: `0x` hex or `0b` base64 (RFC 7143 §6.1); undefined when neither. */
export function decodeChapBinary(v: string): Buffer | undefined {
  if (/^0x([0-9a-f]{2})+$/i.test(v)) return Buffer.from(v.slice(2), "hex");
  if (/^0b[A-Za-z0-9+/]+=*$/.test(v)) return Buffer.from(v.slice(2), "base64");
  return undefined;
}

/** One step of the exchange: pairs to send, or why the login fails (0x0201). */
export type ChapStep = { pairs: TextPair[]; done: boolean } | { fail: string };

/**
 * @example
 * const chap = new ChapTarget({ accounts: [{ user: "u", secret: "0123456789ab" }] });
 * chap.next([["CHAP_A", "5"]]); // { pairs: [["CHAP_A","5"],["CHAP_I",...],["CHAP_C","0x..."]], done: false }
 */
export class ChapTarget {
  private state: "algorithm" | "response" | "done" = "algorithm";
  private readonly id = randomBytes(1)[0];
  private readonly challenge = randomBytes(16);
  /** The user name the initiator authenticated as. */
  user: string | undefined;

  constructor(private readonly cfg: ChapConfig) {}

  get done(): boolean {
    return this.state === "done";
  }

  next(pairs: readonly TextPair[]): ChapStep {
    const get = (k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];
    if (this.state === "algorithm") {
      const a = get("CHAP_A");
      if (a === undefined) return { pairs: [], done: false };
      if (!a.split(",").includes(CHAP_MD5)) return { fail: `CHAP_A=${a} offers no MD5 (5)` };
      this.state = "response";
      return {
        pairs: [["CHAP_A", CHAP_MD5], ["CHAP_I", String(this.id)], ["CHAP_C", `0x${this.challenge.toString("hex")}`]],
        done: false,
      };
    }
    if (this.state === "done") return { pairs: [], done: true };
    return this.verify(get("CHAP_N"), get("CHAP_R"), get("CHAP_I"), get("CHAP_C"));
  }

  private verify(n: string | undefined, r: string | undefined, mi: string | undefined, mc: string | undefined): ChapStep {
    if (n === undefined || r === undefined) return { fail: "CHAP_N or CHAP_R missing" };
    const account = this.cfg.accounts.find((a) => a.user === n);
    if (!account) return { fail: `no CHAP account ${JSON.stringify(n)}` };
    const got = decodeChapBinary(r);
    if (!got || !got.equals(chapResponse(this.id, account.secret, this.challenge))) {
      return { fail: `CHAP_R of ${JSON.stringify(n)} does not match` };
    }
    this.user = n;
    if (mi === undefined && mc === undefined) {
      if (this.cfg.requireMutual) return { fail: "mutual CHAP required but the initiator sent no CHAP_I/CHAP_C" };
      this.state = "done";
      return { pairs: [], done: true };
    }
    return this.answerMutual(mi, mc);
  }

  private answerMutual(mi: string | undefined, mc: string | undefined): ChapStep {
    const id = mi === undefined ? NaN : Number(mi);
    const c = mc === undefined ? undefined : decodeChapBinary(mc);
    if (!Number.isInteger(id) || id < 0 || id > 255 || !c) return { fail: "mutual CHAP_I/CHAP_C malformed" };
    if (!this.cfg.target) return { fail: "mutual CHAP asked but the target has no secret" };
    // RFC 7143 §12.1.3: a challenge equal to the one we sent is a reflection attack.
    if (c.equals(this.challenge)) return { fail: "the initiator reflected the target's CHAP_C" };
    this.state = "done";
    const rsp = chapResponse(id, this.cfg.target.secret, c);
    return { pairs: [["CHAP_N", this.cfg.target.user], ["CHAP_R", `0x${rsp.toString("hex")}`]], done: true };
  }
}
