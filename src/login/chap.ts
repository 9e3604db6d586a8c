/**
 * CHAP (RFC 1994) as iSCSI uses it in the security stage (RFC 7143 §12.1.3), initiator side,
 * one-way or mutual:
 *
 *   I->T AuthMethod=CHAP          T->I AuthMethod=CHAP
 *   I->T CHAP_A=5                 T->I CHAP_A=5 CHAP_I=<id> CHAP_C=<challenge>
 *   I->T CHAP_N=<user> CHAP_R=<H(id ‖ secret ‖ challenge)> [CHAP_I=<id'> CHAP_C=<challenge'>]
 *                                 T->I [CHAP_N=<target> CHAP_R=<H(id' ‖ target secret ‖ challenge')>]
 *
 * Failure reasons use open-iscsi's `auth_dbg_status` names so a log line reads the same as
 * iscsid's. Secrets never leave a ChapInitiator: not in errors, records, `util.inspect`, JSON or
 * `toString`. Records show CHAP_A, CHAP_I and CHAP_N (the user name) and never the values
 * of CHAP_C and CHAP_R: they cross the wire in clear, but logs, probes and the flight
 * recorder live longer and travel further, and one (challenge, response) pair is all an
 * offline dictionary attack on the secret needs. {@link redactPairs} applies the same rule
 * to any security-stage text before it is logged or probed.
 */
import { randomBytes as cryptoRandomBytes, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";
import { NegotiationError } from "../errors.js";
import type { TextPair } from "../wire/text.js";
import { CHAP_ALGORITHMS, REDACTED, chapResponse, decodeBinary, encodeBinary } from "./chap-response.js";
import { parseNumber, splitList } from "./merge.js";
import type { KeyRecord } from "./negotiate.js";

/**
 * Challenge lengths we accept and may send, in bytes. RFC 1994 sets no bound; 1024 is
 * open-iscsi's AUTH_LARGE_BINARY_MAX_LEN.
 *
 * @example
 * new ChapInitiator({ username: "u", secret: s, mutual: { secret: t, challengeLength: MAX_CHALLENGE_LENGTH } });
 */
export const MIN_CHALLENGE_LENGTH = 1;
/** See {@link MIN_CHALLENGE_LENGTH}. @example decodeBinary(value)!.length <= MAX_CHALLENGE_LENGTH */
export const MAX_CHALLENGE_LENGTH = 1024;

/** Why CHAP failed, in open-iscsi's `enum auth_dbg_status` vocabulary (usr/auth.h). */
export type ChapFailure =
  | "AUTH_FAIL" | "AUTH_METHOD_BAD" | "AUTH_METHOD_EXPECTED" | "AUTH_METHOD_NONE" | "AUTH_METHOD_REJECT"
  | "CHAP_ALG_EXPECTED" | "CHAP_ALG_REJECT" | "CHAP_IDENTIFIER_EXPECTED" | "CHAP_IDENTIFIER_BAD"
  | "CHAP_CHALLENGE_EXPECTED" | "CHALLENGE_BAD" | "CHAP_CHALLENGE_REFLECTED" | "CHAP_USERNAME_EXPECTED"
  | "CHAP_RSP_EXPECTED" | "CHAP_RSP_BAD" | "PASSWD_IDENTICAL" | "LOCAL_PASSWD_NOT_SET"
  | "UNEXPECTED_KEY_PRESENT" | "RECV_DUP_SET_KEY_VALUE";

/**
 * A CHAP failure: `reason` is the open-iscsi name, `key` the CHAP key concerned. The message
 * never holds a secret, a challenge or a response.
 *
 * @example
 * try { chap.receive(pairs); } catch (e) { if (e instanceof ChapError) log(`CHAP failed: ${e.reason}`); }
 */
export class ChapError extends NegotiationError {
  readonly reason: ChapFailure;
  constructor(key: string, reason: ChapFailure, message: string) {
    super(key, `${reason}: ${message}`);
    this.reason = reason;
  }
}

/**
 * Challenges this process has sent, to catch a target that reflects one back (RFC 7143
 * §12.1.3) on this or another connection, and to never reuse one. Bounded; the oldest go
 * first. Challenges are public (they cross the wire), so keeping them exposes nothing.
 *
 * @example
 * const ledger = new ChallengeLedger();
 * ledger.remember(c); ledger.has(c); // true
 */
export class ChallengeLedger {
  readonly #seen = new Set<string>();
  constructor(readonly limit = 4096) {}
  remember(challenge: Uint8Array): void {
    this.#seen.add(Buffer.from(challenge).toString("hex"));
    if (this.#seen.size > this.limit) this.#seen.delete(this.#seen.values().next().value!);
  }
  has(challenge: Uint8Array): boolean {
    return this.#seen.has(Buffer.from(challenge).toString("hex"));
  }
}

/** Process-wide ledger: a reflection may come on another connection than the challenge. */
const sharedLedger = new ChallengeLedger();

/** CHAP settings. Secrets are copied; the options object is not kept. */
export interface ChapOptions {
  /** Our CHAP_N. */
  username: string;
  /** The secret the target knows us by. */
  secret: string | Uint8Array;
  /** CHAP_A offer in order of preference; default [5] (MD5, the one RFC 7143 requires). */
  algorithms?: readonly number[];
  /** Mutual CHAP: the target must prove it knows this (different) secret. */
  mutual?: { secret: string | Uint8Array; username?: string; challengeLength?: number };
  /** Defaults to a process-wide ledger. */
  ledger?: ChallengeLedger;
  /** Source of our CHAP_I (one byte, drawn first) and challenge; default node:crypto randomBytes. */
  randomBytes?: (n: number) => Uint8Array;
}

/** Where the exchange stands. `skipped`: the target chose AuthMethod=None. */
export type ChapState = "idle" | "wait-challenge" | "wait-response" | "done" | "skipped" | "failed";

function secretBytes(s: string | Uint8Array, which: string): Buffer {
  const b = typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s);
  if (b.length === 0) throw new ChapError("CHAP_R", "LOCAL_PASSWD_NOT_SET", `no ${which} secret is configured`);
  return b;
}

/** Target pairs by key; a CHAP key twice in one response is an error. */
function collect(pairs: readonly TextPair[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of pairs) {
    if (m.has(k) && (k.startsWith("CHAP_") || k === "AuthMethod")) throw new ChapError(k, "RECV_DUP_SET_KEY_VALUE", "sent twice in one response");
    m.set(k, v);
  }
  return m;
}

/**
 * Drives CHAP for one login. Call {@link receive} with each security-stage Login Response's
 * pairs (from the one answering AuthMethod on); send what it returns. Throws {@link ChapError}.
 *
 * @example
 * const chap = new ChapInitiator({ username: "alice", secret: process.env.CHAP_SECRET! });
 * let out = chap.receive(response1Pairs); // AuthMethod=CHAP -> [["CHAP_A", "5"]]
 * out = chap.receive(response2Pairs);     // CHAP_A/I/C -> [["CHAP_N", "alice"], ["CHAP_R", "0x..."]]
 * chap.state;                             // "done" (one-way); "wait-response" (mutual)
 */
export class ChapInitiator {
  readonly username: string;
  readonly algorithms: readonly number[];
  readonly mutual: boolean;
  #secret: Buffer;
  #mutualSecret: Buffer | undefined;
  readonly #expectedTarget: string | undefined;
  readonly #challengeLength: number;
  readonly #ledger: ChallengeLedger;
  readonly #random: (n: number) => Uint8Array;
  #state: ChapState = "idle";
  #algorithm: number | undefined;
  #ourId = 0;
  #ourChallenge: Uint8Array | undefined;
  readonly #records: KeyRecord[] = [];

  /** Throws ChapError LOCAL_PASSWD_NOT_SET / PASSWD_IDENTICAL, RangeError for bad options. */
  constructor(opts: ChapOptions) {
    if (typeof opts.username !== "string" || opts.username === "") throw new TypeError("CHAP username is required");
    this.username = opts.username;
    this.algorithms = opts.algorithms ?? [5];
    if (this.algorithms.length === 0 || this.algorithms.some((a) => !CHAP_ALGORITHMS.has(a))) {
      throw new RangeError(`CHAP algorithms must be among ${[...CHAP_ALGORITHMS.keys()].join(", ")}`);
    }
    this.#secret = secretBytes(opts.secret, "initiator");
    this.mutual = opts.mutual !== undefined;
    this.#mutualSecret = opts.mutual ? secretBytes(opts.mutual.secret, "target (mutual CHAP)") : undefined;
    const m = this.#mutualSecret;
    if (m && m.length === this.#secret.length && timingSafeEqual(m, this.#secret)) {
      this.#wipe();
      throw new ChapError("CHAP_R", "PASSWD_IDENTICAL", "the mutual CHAP secret equals the initiator secret; RFC 7143 §12.1.3 forbids one secret for both directions");
    }
    this.#expectedTarget = opts.mutual?.username;
    this.#challengeLength = opts.mutual?.challengeLength ?? 16;
    if (!(this.#challengeLength >= MIN_CHALLENGE_LENGTH && this.#challengeLength <= MAX_CHALLENGE_LENGTH)) {
      throw new RangeError(`challenge length must be ${MIN_CHALLENGE_LENGTH}..${MAX_CHALLENGE_LENGTH}`);
    }
    this.#ledger = opts.ledger ?? sharedLedger;
    this.#random = opts.randomBytes ?? ((n) => new Uint8Array(cryptoRandomBytes(n)));
  }

  get state(): ChapState {
    return this.#state;
  }

  /** The CHAP_A the target chose, once known. */
  get algorithm(): number | undefined {
    return this.#algorithm;
  }

  /** The first CHAP request: our algorithm list. Called by {@link receive} on AuthMethod=CHAP. */
  start(): TextPair[] {
    if (this.#state !== "idle") throw new Error(`ChapInitiator.start() in state ${this.#state}`);
    const a = this.algorithms.join(",");
    this.#state = "wait-challenge";
    this.#note("initiator", "CHAP_A", { offered: a, rule: "List" });
    return [["CHAP_A", a]];
  }

  /**
   * Takes one security-stage response's pairs and returns the pairs to send next (empty when
   * nothing is owed). Non-CHAP keys (TargetPortalGroupTag, TargetAlias) are ignored.
   */
  receive(pairs: readonly TextPair[]): TextPair[] {
    try {
      const m = collect(pairs);
      switch (this.#state) {
        case "idle": return this.#onAuthMethod(m);
        case "wait-challenge": return this.#onChallenge(m);
        case "wait-response": return this.#onTargetResponse(m);
        default: return this.#onAfter(m);
      }
    } catch (e) {
      this.#state = "failed";
      this.#wipe();
      throw e;
    }
  }

  /** What was sent and received, CHAP_C and CHAP_R values redacted (see module comment). */
  records(): KeyRecord[] {
    return this.#records.map((r) => ({ ...r }));
  }

  toJSON(): object {
    return { username: this.username, algorithms: this.algorithms, algorithm: this.#algorithm, mutual: this.mutual, state: this.#state, secret: REDACTED };
  }

  toString(): string {
    return `ChapInitiator(${this.username}, ${this.#state}, secret ${REDACTED})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  #onAuthMethod(m: Map<string, string>): TextPair[] {
    const method = m.get("AuthMethod");
    if (method === undefined) throw new ChapError("AuthMethod", "AUTH_METHOD_EXPECTED", "the target did not answer AuthMethod");
    if (method === "CHAP") return this.start();
    if (method === "Reject") throw new ChapError("AuthMethod", "AUTH_METHOD_REJECT", "the target rejected CHAP");
    if (method !== "None") throw new ChapError("AuthMethod", "AUTH_METHOD_BAD", `the target chose ${JSON.stringify(method)}`);
    if (this.mutual) throw new ChapError("AuthMethod", "AUTH_METHOD_NONE", "the target chose None but mutual CHAP is required");
    this.#state = "skipped";
    this.#wipe();
    return [];
  }

  #onChallenge(m: Map<string, string>): TextPair[] {
    this.#refuse(m, ["CHAP_N", "CHAP_R"], "before our response");
    const alg = this.#checkAlgorithm(m.get("CHAP_A"));
    const id = this.#checkIdentifier(m.get("CHAP_I"));
    const challenge = this.#checkChallenge(m.get("CHAP_C"));
    const response = chapResponse(alg, id, this.#secret, challenge);
    const out: TextPair[] = [["CHAP_N", this.username], ["CHAP_R", encodeBinary(response)]];
    this.#note("initiator", "CHAP_N", { offered: this.username });
    this.#note("initiator", "CHAP_R", { offered: REDACTED });
    if (!this.mutual) {
      this.#state = "done";
      this.#wipe();
      return out;
    }
    this.#ourId = this.#random(1)[0];
    this.#ourChallenge = this.#newChallenge(challenge);
    out.push(["CHAP_I", String(this.#ourId)], ["CHAP_C", encodeBinary(this.#ourChallenge)]);
    this.#note("initiator", "CHAP_I", { offered: String(this.#ourId) });
    this.#note("initiator", "CHAP_C", { offered: REDACTED });
    this.#state = "wait-response";
    return out;
  }

  #checkAlgorithm(value: string | undefined): number {
    if (value === undefined) throw new ChapError("CHAP_A", "CHAP_ALG_EXPECTED", "the target sent no CHAP_A");
    const alg = parseNumber(value);
    if (alg === undefined || !this.algorithms.includes(alg) || splitList(value).length !== 1) {
      throw new ChapError("CHAP_A", "CHAP_ALG_REJECT", `the target chose ${JSON.stringify(value)}; we offered ${this.algorithms.join(",")}`);
    }
    this.#algorithm = alg;
    this.#note("initiator", "CHAP_A", { answered: value, result: String(alg) });
    return alg;
  }

  #checkIdentifier(value: string | undefined): number {
    if (value === undefined) throw new ChapError("CHAP_I", "CHAP_IDENTIFIER_EXPECTED", "the target sent no CHAP_I");
    const id = parseNumber(value);
    if (id === undefined || id > 255) throw new ChapError("CHAP_I", "CHAP_IDENTIFIER_BAD", `${JSON.stringify(value)} is not one octet (0..255)`);
    this.#note("target", "CHAP_I", { offered: value });
    return id;
  }

  #checkChallenge(value: string | undefined): Uint8Array {
    if (value === undefined) throw new ChapError("CHAP_C", "CHAP_CHALLENGE_EXPECTED", "the target sent no CHAP_C");
    const c = decodeBinary(value);
    if (c === undefined) throw new ChapError("CHAP_C", "CHALLENGE_BAD", "not a 0x hex or 0b base64 value");
    if (c.length < MIN_CHALLENGE_LENGTH || c.length > MAX_CHALLENGE_LENGTH) {
      throw new ChapError("CHAP_C", "CHALLENGE_BAD", `${c.length} bytes, outside ${MIN_CHALLENGE_LENGTH}..${MAX_CHALLENGE_LENGTH}`);
    }
    // RFC 7143 §12.1.3: a challenge we sent coming back is a reflection attack; refuse to answer it.
    if (this.#ledger.has(c)) throw new ChapError("CHAP_C", "CHAP_CHALLENGE_REFLECTED", "the target's challenge is one we sent (reflection, RFC 7143 §12.1.3)");
    this.#note("target", "CHAP_C", { offered: REDACTED });
    return c;
  }

  /** A fresh challenge: never one sent before, never the target's (RFC 7143 §12.1.3). */
  #newChallenge(theirs: Uint8Array): Uint8Array {
    for (;;) {
      const c = this.#random(this.#challengeLength);
      if (!this.#ledger.has(c) && Buffer.compare(Buffer.from(c), Buffer.from(theirs)) !== 0) {
        this.#ledger.remember(c);
        return c;
      }
    }
  }

  #onTargetResponse(m: Map<string, string>): TextPair[] {
    this.#refuse(m, ["CHAP_A", "CHAP_I", "CHAP_C"], "in the target's mutual response");
    const name = m.get("CHAP_N");
    if (name === undefined) throw new ChapError("CHAP_N", "CHAP_USERNAME_EXPECTED", "the target did not authenticate itself (no CHAP_N)");
    if (this.#expectedTarget !== undefined && name !== this.#expectedTarget) {
      throw new ChapError("CHAP_N", "AUTH_FAIL", `the target calls itself ${JSON.stringify(name)}, expected ${JSON.stringify(this.#expectedTarget)}`);
    }
    this.#note("target", "CHAP_N", { offered: name });
    const value = m.get("CHAP_R");
    if (value === undefined) throw new ChapError("CHAP_R", "CHAP_RSP_EXPECTED", "the target did not authenticate itself (no CHAP_R)");
    const got = decodeBinary(value);
    const want = chapResponse(this.#algorithm!, this.#ourId, this.#mutualSecret!, this.#ourChallenge!);
    // Constant time: the comparison must not tell a forger how many leading bytes were right.
    if (got === undefined || got.length !== want.length || !timingSafeEqual(got, want)) {
      throw new ChapError("CHAP_R", "CHAP_RSP_BAD", "the target's response does not prove it knows the mutual secret");
    }
    this.#note("target", "CHAP_R", { offered: REDACTED, result: "verified" });
    this.#state = "done";
    this.#wipe();
    return [];
  }

  #onAfter(m: Map<string, string>): TextPair[] {
    this.#refuse(m, ["CHAP_A", "CHAP_I", "CHAP_C", "CHAP_N", "CHAP_R"], `after CHAP ended (${this.#state})`);
    return [];
  }

  #refuse(m: Map<string, string>, keys: string[], when: string): void {
    const bad = keys.find((k) => m.has(k));
    if (bad !== undefined) throw new ChapError(bad, "UNEXPECTED_KEY_PRESENT", `the target sent ${bad} ${when}`);
  }

  #note(proposer: "initiator" | "target", key: string, fields: Partial<KeyRecord>): void {
    const rec = this.#records.find((r) => r.key === key && r.proposer === proposer);
    if (rec) Object.assign(rec, fields);
    else this.#records.push({ key, offered: undefined, answered: undefined, result: undefined, proposer, rule: "None", stage: "security", ...fields });
  }

  /** Overwrites the secrets once they are no longer needed. */
  #wipe(): void {
    this.#secret.fill(0);
    this.#mutualSecret?.fill(0);
    this.#secret = Buffer.alloc(0);
    this.#mutualSecret = undefined;
  }
}
