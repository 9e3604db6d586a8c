/**
 * One login's key negotiation, initiator side, in OpenBSD iscsid's shape: `mine` (what we
 * offer: RFC defaults, then our defaults, then the user's settings), `his` (what the target
 * said), `active` (the result), one result function per key from the table in keys.ts.
 *
 * The initiator drives it: `offer(stage)` gives the pairs for the next Login Request,
 * `receive(pairs)` takes each Login Response's pairs, `result()` gives the typed parameters
 * once the login is done, and `records()` feeds the `login:key` probe. CHAP_* keys are left
 * to {@link ChapInitiator}; this class never sees a secret.
 *
 * @example
 * const n = new Negotiation({ initiatorName: "iqn.2024-01.org.example:host", targetName: "iqn.2024-01.org.example:disk" });
 * send(n.offer("operational"));        // InitiatorName, TargetName, SessionType, HeaderDigest, ...
 * n.receive(decodeText(response.data)); // throws NegotiationError on an inadmissible answer
 * if (n.pendingAnswers().length > 0) send(n.offer("operational")); // answers to the target's offers
 * const params = n.result();           // { headerDigest: false, maxBurstLength: 262144, ... }
 */
import { NegotiationError } from "../errors.js";
import type { TextPair } from "../wire/text.js";
import {
  KEYS, isIrrelevant, isSpecialAnswer, keyDef, type KeyDef, type ResultFunction,
} from "./keys.js";
import { admissible, answerProposal, checkAnswer, parseNumber, splitList } from "./merge.js";
import { buildMine, isSettable, type NegotiationOptions } from "./options.js";
import { sessionParams, type SessionParams } from "./params.js";

export type { DigestOffer, KeySetting, NegotiationOptions } from "./options.js";

/** The two login stages that carry text (RFC 7143 §6.3). */
export type Stage = "security" | "operational";

/** One key's negotiation, for the `login:key` probe. */
export interface KeyRecord {
  key: string;
  /** The proposer's value (ours when proposer is "initiator"). */
  offered: string | undefined;
  /** The other side's answer, `undefined` while unanswered or for a declaration. */
  answered: string | undefined;
  /** The negotiated value; `undefined` when the key keeps its previous value. */
  result: string | undefined;
  proposer: "initiator" | "target";
  rule: ResultFunction;
  stage: Stage;
}

/** Keys that identify the session; sent first in the first request, whichever stage (§6.3). */
const IDENTITY_KEYS = new Set(["InitiatorName", "InitiatorAlias", "TargetName", "SessionType"]);
/** Offer order: identity keys, then the table's order (AuthMethod, then RFC 7143 §13 order). */
const OFFER_ORDER: readonly KeyDef[] = [
  ...[...IDENTITY_KEYS].map((k) => keyDef(k)!),
  ...KEYS.filter((d) => !IDENTITY_KEYS.has(d.name)),
];
/** Keys sent whatever their value: the digests and our declared receive length. */
const ALWAYS_OFFERED = new Set(["HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength"]);

/**
 * One login's negotiation, initiator side. Create one per connection login.
 *
 * @example
 * const n = new Negotiation({ initiatorName: "iqn.a:host", sessionType: "Discovery" });
 * n.offer("operational"); // [["InitiatorName", "iqn.a:host"], ["SessionType", "Discovery"], ["HeaderDigest", "None"], ...]
 */
export class Negotiation {
  readonly sessionType: "Normal" | "Discovery";
  readonly #mine: Map<string, string>;
  readonly #his = new Map<string, string>();
  readonly #active = new Map<string, string>();
  readonly #explicit: Set<string>;
  readonly #sendDefaults: boolean;
  readonly #sent = new Set<string>();
  readonly #offered = new Set<string>();
  readonly #received = new Set<string>();
  readonly #records = new Map<string, KeyRecord>();
  readonly #targetAddresses: string[] = [];
  #pending: TextPair[] = [];
  #stage: Stage = "security";

  /** Throws TypeError / RangeError for bad options (missing names, values out of range). */
  constructor(opts: NegotiationOptions) {
    const { mine, explicit } = buildMine(opts);
    this.sessionType = opts.sessionType ?? "Normal";
    this.#mine = mine;
    this.#explicit = explicit;
    this.#sendDefaults = opts.sendDefaults ?? false;
  }

  /** Our values, by key (the OpenBSD `mine`). */
  get mine(): ReadonlyMap<string, string> {
    return this.#mine;
  }

  /** The target's values, by key, as sent (the OpenBSD `his`). */
  get his(): ReadonlyMap<string, string> {
    return this.#his;
  }

  /** Negotiated values so far (the OpenBSD `active`); see {@link result} for the full set. */
  get active(): ReadonlyMap<string, string> {
    return this.#active;
  }

  /**
   * The pairs for the next Login Request in `stage`: first our answers to keys the target
   * offered, then the keys of this stage we have not sent yet. No key is sent twice. Call it
   * again in the same stage to get only the answers still owed.
   *
   * @example
   * n.offer("security");    // [["InitiatorName", ...], ["TargetName", ...], ["SessionType", "Normal"], ["AuthMethod", "CHAP"]]
   * n.offer("operational"); // [["HeaderDigest", "None"], ["DataDigest", "None"], ["InitialR2T", "No"], ...]
   */
  offer(stage: Stage): TextPair[] {
    // RFC 7143 §6.3: stages only move forward.
    if (stage === "security" && this.#stage === "operational") throw new RangeError("offer(\"security\") after the operational stage began");
    this.#stage = stage;
    const out = this.#pending;
    this.#pending = [];
    for (const def of OFFER_ORDER) {
      if (this.#sent.has(def.name) || !this.#shouldOffer(def, stage)) continue;
      const value = this.#mine.get(def.name)!;
      out.push([def.name, value]);
      this.#sent.add(def.name);
      this.#offered.add(def.name);
      const declared = def.result === "Declarative";
      this.#record("initiator", def, { offered: value, result: declared ? value : undefined });
      if (declared) this.#active.set(def.name, value);
    }
    return out;
  }

  /**
   * Takes the pairs of one Login Response: checks answers to our offers against their result
   * function, answers the target's own offers (queued for the next {@link offer}), records
   * declarations. CHAP_* keys are skipped (they belong to ChapInitiator). Throws
   * {@link NegotiationError} naming the key for an inadmissible answer, a key sent twice, a
   * key the target may not send, or a key in the wrong stage.
   *
   * @example
   * n.receive([["HeaderDigest", "None"], ["MaxBurstLength", "262144"], ["TargetPortalGroupTag", "1"]]);
   */
  receive(pairs: readonly TextPair[]): void {
    for (const [key, value] of pairs) this.#receiveOne(key, value);
  }

  /**
   * Answers owed to the target (its offers, keys we do not understand, obsolete keys), in the
   * order they will be sent by the next {@link offer}. RFC 7143 §11.13 (the T bit) forbids a target to
   * make such offers in a response with T=1; if it does, the last answers are left here.
   */
  pendingAnswers(): TextPair[] {
    return [...this.#pending];
  }

  /** Keys we offered that still need the target's answer (§6.2.2: optional ones excluded). */
  unanswered(): string[] {
    return [...this.#offered].filter((k) => {
      const def = keyDef(k)!;
      return def.result !== "Declarative" && !this.#his.has(k) && !this.#answerOptional(def);
    });
  }

  /**
   * Every negotiated key resolved into typed session parameters. A key nobody sent keeps its
   * RFC default; a key we offered that the target left unanswered also falls back to the
   * default (it was never negotiated), unless §6.2.2 makes the answer optional. Throws
   * {@link NegotiationError} when the results contradict each other (FirstBurstLength above
   * MaxBurstLength).
   *
   * @example
   * const { headerDigest, maxXmitDataSegmentLength } = n.result();
   */
  result(): SessionParams {
    return sessionParams((k) => this.#resolved(k), {
      sessionType: this.sessionType,
      targetMaxRecvDataSegmentLength: this.#his.get("MaxRecvDataSegmentLength"),
      targetAddresses: this.#targetAddresses,
    });
  }

  /** One record per key and proposer, in negotiation order (copies). */
  records(): KeyRecord[] {
    return [...this.#records.values()].map((r) => ({ ...r }));
  }

  #shouldOffer(def: KeyDef, stage: Stage): boolean {
    if (!this.#mine.has(def.name)) return false;
    if (IDENTITY_KEYS.has(def.name)) return true;
    if (def.use === "SEC") return stage === "security" && def.name === "AuthMethod";
    if (stage !== "operational" || !isSettable(def)) return false;
    if (isIrrelevant(def, (k) => (k === "SessionType" ? this.sessionType : this.#mine.get(k)))) return false;
    if (ALWAYS_OFFERED.has(def.name) || this.#explicit.has(def.name)) return true;
    // Keys new in RFC 7143 are offered only when asked for: RFC 3720 targets answer NotUnderstood.
    if (def.since7143) return false;
    return this.#sendDefaults || !sameValue(def, this.#mine.get(def.name)!, def.default);
  }

  #receiveOne(key: string, value: string): void {
    if (key.startsWith("CHAP_")) {
      if (this.#stage !== "security") throw new NegotiationError(key, "CHAP key in the operational stage (RFC 7143 §6.3, §12.1.3)");
      return;
    }
    const def = keyDef(key);
    if (this.#received.has(key) && !def?.repeatable) {
      throw new NegotiationError(key, `sent twice by the target (now ${JSON.stringify(value)}); a key is negotiated once per login (RFC 7143 §6.3)`);
    }
    this.#received.add(key);
    if (def === undefined) return this.#notUnderstood(key, value);
    this.#checkAllowed(def);
    if (def.result === "Declarative") return this.#declaration(def, value);
    if (this.#offered.has(key)) return this.#answer(def, value);
    return this.#proposal(def, value);
  }

  #checkAllowed(def: KeyDef): void {
    if (def.sender === "initiator") {
      throw new NegotiationError(def.name, `only the initiator sends this key during login (RFC 7143 ${def.rfc})`);
    }
    if (def.use === "SEC" && this.#stage !== "security") {
      throw new NegotiationError(def.name, "security key in the operational stage (RFC 7143 §6.3)");
    }
    if (def.use !== "SEC" && !def.anyStage && this.#stage === "security") {
      throw new NegotiationError(def.name, "operational key in the security stage (RFC 7143 §6.3, §13)");
    }
  }

  /** A key not in the table: an X- or X# extension, or one we do not know (§6.2). */
  #notUnderstood(key: string, value: string): void {
    if (isSpecialAnswer(value)) throw new NegotiationError(key, `target answered ${value} to a key we never offered`);
    this.#his.set(key, value);
    this.#queue(key, "NotUnderstood");
    const def: KeyDef = { name: key, type: "string", default: undefined, result: "None", use: "ALL", scope: "SW", sender: "both", rfc: "§6.2" };
    this.#record("target", def, { offered: value, answered: "NotUnderstood", result: undefined });
  }

  #declaration(def: KeyDef, value: string): void {
    const why = admissible(def, value);
    if (why !== undefined) throw new NegotiationError(def.name, `target declared ${why} (RFC 7143 ${def.rfc})`);
    this.#his.set(def.name, value);
    // The target's MaxRecvDataSegmentLength limits what we send; ours stays in `active`.
    if (def.name === "TargetAddress") this.#targetAddresses.push(value);
    else if (def.name !== "MaxRecvDataSegmentLength") this.#active.set(def.name, value);
    this.#record("target", def, { offered: value, answered: undefined, result: value });
  }

  /** The target's answer to a key we offered. */
  #answer(def: KeyDef, value: string): void {
    const offered = this.#mine.get(def.name)!;
    let result: string;
    if (value === "NotUnderstood") {
      // §6.2: keys of this document MUST NOT be answered NotUnderstood; RFC 3720 targets
      // legitimately do not know the keys RFC 7143 added, which then keep their defaults.
      if (!def.since7143) throw new NegotiationError(def.name, "target answered NotUnderstood to a key every iSCSI target must support (RFC 7143 §6.2)");
      result = def.default!;
    } else if (value === "Irrelevant") {
      result = def.default!;
    } else if (value === "Reject") {
      result = this.#afterReject(def, offered);
    } else {
      result = checkAnswer(def, offered, value);
    }
    this.#his.set(def.name, value);
    this.#active.set(def.name, result);
    this.#record("initiator", def, { answered: value, result });
  }

  /** §6.2: after Reject the key keeps its current value, here the RFC default. */
  #afterReject(def: KeyDef, offered: string): string {
    const fallback = def.default!;
    if (def.type === "list" && !splitList(offered).includes(fallback)) {
      throw new NegotiationError(def.name, `target rejected ${JSON.stringify(offered)}; the key stays ${fallback}, which we did not offer (RFC 7143 §6.2)`);
    }
    return fallback;
  }

  /** A key the target offers that we did not: answer it by its result function. */
  #proposal(def: KeyDef, value: string): void {
    if (isSpecialAnswer(value)) throw new NegotiationError(def.name, `target answered ${value} to a key we never offered`);
    this.#his.set(def.name, value);
    let answer: string | undefined;
    let result: string | undefined;
    if (def.obsolete) answer = "Reject"; // RFC 7143 §13.25
    // "Irrelevant" only where the whole session makes the key pointless (Discovery): tgtd 1.0.85
    // answers FirstBurstLength=Irrelevant (InitialR2T=Yes, ImmediateData=No) with a Reject and
    // fails the login, so a Normal session answers such keys by their result function.
    else if (this.sessionType === "Discovery" && isIrrelevant(def, (k) => (k === "SessionType" ? this.sessionType : this.#resolved(k)))) answer = "Irrelevant";
    else ({ answer, result } = answerProposal(def, this.#mine.get(def.name) ?? def.default!, value));
    // §6.2.2 lets us omit the answer to AND=No and OR=Yes (the offer decides), but answering
    // is allowed and some targets wait for it before they set T: answer anyway.
    if (answer === undefined && result !== undefined && (def.result === "And" || def.result === "Or")) answer = result;
    if (answer !== undefined) this.#queue(def.name, answer);
    if (result !== undefined) this.#active.set(def.name, result);
    this.#record("target", def, { offered: value, answered: answer, result });
  }

  #queue(key: string, answer: string): void {
    this.#pending.push([key, answer]);
    this.#sent.add(key);
  }

  /** §6.2.2: no answer is needed to OR=Yes or AND=No; the outcome is known. */
  #answerOptional(def: KeyDef): boolean {
    const v = this.#mine.get(def.name);
    return (def.result === "Or" && v === "Yes") || (def.result === "And" && v === "No");
  }

  /** The value in force for `key` (negotiated, else our offer where §6.2.2 fixes it, else the default). */
  #resolved(key: string): string | undefined {
    const active = this.#active.get(key);
    if (active !== undefined) return active;
    const def = keyDef(key);
    if (def === undefined) return undefined;
    if (this.#offered.has(key) && this.#answerOptional(def)) return this.#mine.get(key);
    return def.default;
  }

  #record(proposer: "initiator" | "target", def: KeyDef, fields: Partial<KeyRecord>): void {
    const id = `${proposer}:${def.name}`;
    const prev = this.#records.get(id);
    const base: KeyRecord = prev ?? {
      key: def.name, offered: undefined, answered: undefined, result: undefined, proposer, rule: def.result, stage: this.#stage,
    };
    this.#records.set(id, { ...base, ...fields });
  }
}

function sameValue(def: KeyDef, a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  if (def.type === "numeric") return parseNumber(a) === parseNumber(b);
  return a === b;
}
