/**
 * What a login offers: the options an administrator sets, our defaults (open-iscsi's), and
 * `buildMine()`, which turns them into the `mine` table of a {@link Negotiation}. Bad
 * settings are refused here, before anything is sent (TypeError / RangeError: API misuse).
 */
import { KEYS, keyDef, type KeyDef, type KeyName } from "./keys.js";
import { admissible } from "./merge.js";

/** The digest offers an administrator can ask for (RFC 7143 §13.1). */
export type DigestOffer = "None" | "CRC32C" | "CRC32C,None" | "None,CRC32C";
/** A setting as the user writes it: wire text, a number, or a boolean for Yes/No keys. */
export type KeySetting = string | number | boolean;

/** What this login offers. */
export interface NegotiationOptions {
  /** Our iSCSI name (RFC 7143 §13.5); required. */
  initiatorName: string;
  /** The target's iSCSI name; required for Normal sessions (§13.4). */
  targetName?: string;
  /** Default "Normal". */
  sessionType?: "Normal" | "Discovery";
  initiatorAlias?: string;
  /** AuthMethod list in order of preference, e.g. "CHAP" or "CHAP,None"; default "None". */
  authMethod?: string;
  /** Overrides of {@link INITIATOR_DEFAULTS} or of RFC defaults, by RFC key name. */
  settings?: Partial<Record<KeyName, KeySetting>> & { HeaderDigest?: DigestOffer; DataDigest?: DigestOffer };
  /**
   * Offer every relevant key even when our value equals the RFC default (what open-iscsi and
   * libiscsi do). Default false: RFC 7143 §6 lets an originator leave a key at its default.
   */
  sendDefaults?: boolean;
}

/**
 * What we offer when the user sets nothing: open-iscsi's. Its idbm.c defaults
 * DefaultTime2Wait to 2 (ISCSI_DEF_TIME2WAIT; early versions used 0) and DefaultTime2Retain to
 * 0, and login.c sends both in every login, with ErrorRecoveryLevel=0, MaxOutstandingR2T=1,
 * MaxConnections=1, DataPDUInOrder=Yes and DataSequenceInOrder=Yes hard-coded, plus the
 * obsolete IFMarker=No and OFMarker=No (which we never send, RFC 7143 §13.25). With ERL 0
 * there is no task reassignment, so asking the target to retain connection state (the RFC's
 * 20 s) buys nothing; Min(0, x) = 0 whatever the target offers. TaskReporting and
 * iSCSIProtocolLevel (new in RFC 7143) are not offered unless set: neither open-iscsi nor
 * libiscsi sends them, and an RFC 3720 target answers NotUnderstood.
 *
 * @example
 * new Negotiation({ initiatorName, targetName, settings: { ...INITIATOR_DEFAULTS, ImmediateData: "No" } });
 */
export const INITIATOR_DEFAULTS: Readonly<Partial<Record<KeyName, string>>> = {
  HeaderDigest: "None",
  DataDigest: "None",
  InitialR2T: "No",
  ImmediateData: "Yes",
  FirstBurstLength: "262144",
  MaxBurstLength: "16776192",
  MaxRecvDataSegmentLength: "262144",
  MaxOutstandingR2T: "1",
  MaxConnections: "1",
  DefaultTime2Wait: "2",
  DefaultTime2Retain: "0",
  ErrorRecoveryLevel: "0",
  DataPDUInOrder: "Yes",
  DataSequenceInOrder: "Yes",
};

/**
 * Our MaxRecvDataSegmentLength in Discovery sessions: open-iscsi's
 * `discovery.sendtargets.iscsi.MaxRecvDataSegmentLength`.
 *
 * @example
 * new Negotiation({ initiatorName, sessionType: "Discovery" }).mine.get("MaxRecvDataSegmentLength"); // "32768"
 */
export const DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH = 32768;

/**
 * Keys a user may set: operational keys whose result a function computes, plus our declared
 * MaxRecvDataSegmentLength.
 *
 * @example
 * isSettable(keyDef("MaxBurstLength")!); // true
 * isSettable(keyDef("OFMarker")!);       // false (obsolete)
 */
export function isSettable(def: KeyDef): boolean {
  if (def.obsolete || def.use === "SEC" || def.use === "FFPO") return false;
  return def.result !== "Declarative" || def.name === "MaxRecvDataSegmentLength";
}

function toWire(key: string, v: KeySetting): string {
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (typeof v === "number") return String(v);
  if (typeof v === "string") return v;
  throw new TypeError(`setting ${key} must be a string, number or boolean`);
}

/**
 * Builds `mine` from RFC defaults, {@link INITIATOR_DEFAULTS} and the options; `explicit`
 * holds the keys the user set.
 *
 * @example
 * buildMine({ initiatorName: "iqn.a:i", targetName: "iqn.a:t", settings: { MaxBurstLength: 65536 } }).mine.get("FirstBurstLength");
 * // "65536": our default FirstBurstLength follows a smaller MaxBurstLength
 */
export function buildMine(opts: NegotiationOptions): { mine: Map<string, string>; explicit: Set<string> } {
  const mine = new Map<string, string>();
  const explicit = new Set<string>();
  const discovery = opts.sessionType === "Discovery";
  if (typeof opts.initiatorName !== "string" || opts.initiatorName === "") throw new TypeError("initiatorName is required");
  if (!discovery && !opts.targetName) throw new TypeError("targetName is required for a Normal session (RFC 7143 §13.4)");
  mine.set("InitiatorName", opts.initiatorName);
  if (opts.initiatorAlias) mine.set("InitiatorAlias", opts.initiatorAlias);
  if (!discovery) mine.set("TargetName", opts.targetName!);
  mine.set("SessionType", discovery ? "Discovery" : "Normal");
  mine.set("AuthMethod", opts.authMethod ?? "None");
  for (const def of KEYS.filter(isSettable)) {
    mine.set(def.name, INITIATOR_DEFAULTS[def.name as KeyName] ?? def.default!);
  }
  if (discovery) mine.set("MaxRecvDataSegmentLength", String(DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH));
  for (const [key, value] of Object.entries(opts.settings ?? {})) {
    const def = keyDef(key);
    if (def === undefined || !isSettable(def)) throw new TypeError(`${key} is not a key an initiator can set`);
    mine.set(key, toWire(key, value as KeySetting));
    explicit.add(key);
  }
  for (const key of ["AuthMethod", ...KEYS.filter(isSettable).map((d) => d.name)]) {
    const why = admissible(keyDef(key)!, mine.get(key)!);
    if (why !== undefined) throw new RangeError(`${key}: ${why}`);
  }
  if (Number(mine.get("FirstBurstLength")) > Number(mine.get("MaxBurstLength"))) {
    // RFC 7143 §13.14. Our default FirstBurstLength follows a smaller MaxBurstLength setting.
    if (explicit.has("FirstBurstLength")) throw new RangeError("FirstBurstLength must not exceed MaxBurstLength (RFC 7143 §13.14)");
    mine.set("FirstBurstLength", mine.get("MaxBurstLength")!);
  }
  return { mine, explicit };
}
