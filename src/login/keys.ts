/**
 * The negotiation keys of RFC 7143, one row per key: the table is the specification that
 * negotiate.ts applies [OpenBSD iscsid.h: one comment line and one MERGE_* rule per
 * parameter]. Nothing in this file knows about a particular login; it only describes keys.
 *
 * Columns:
 * - `type`: value syntax. `list` (list-of-values), `boolean` (Yes/No), `numeric` (a number,
 *   range `min..max`), `declarative` (a name or word the sender states), `string` (text or
 *   binary with no negotiation rule of its own: the CHAP values).
 * - `default`: the RFC default, as wire text; `undefined` where the RFC has none.
 * - `result`: the result function of RFC 7143 §13 (`Min`, `Max`, `Or`, `And`), `List` for
 *   list negotiation (§6.2.1), `Declarative` for keys that need no answer, `None` for keys with
 *   no negotiation rule (CHAP values, the obsolete marker intervals).
 * - `use`: IO (initialize only), LO (leading connection only), ALL, FFPO (full feature phase
 *   only), SEC (security stage only) — RFC 7143 §13 introduction; SEC is ours for §12 keys.
 * - `scope`: SW (session-wide) or CO (connection-only).
 * - `sender`: who may send the key *during login* (a target sends TargetName only in
 *   SendTargets answers, which are not login).
 * - `anyStage`: may also appear in the security stage (§13 intro: "Any-Stage"); every other
 *   non-SEC key is an operational key and belongs to the operational stage.
 * - `irrelevantWhen`: the RFC's "Irrelevant when:" line, as a list of conditions (OR of ANDs
 *   of `key=value`); `isIrrelevant()` evaluates it.
 *
 * @example
 * const def = keyDef("MaxBurstLength");
 * // { name: "MaxBurstLength", type: "numeric", default: "262144", min: 512, max: 16777215,
 * //   result: "Min", use: "LO", scope: "SW", sender: "both", ... rfc: "§13.13" }
 */

/** Value syntax of a key. */
export type KeyType = "list" | "boolean" | "numeric" | "declarative" | "string";
/** The result function that combines the two sides' values (RFC 7143 §6.2, §13). */
export type ResultFunction = "Min" | "Max" | "Or" | "And" | "List" | "Declarative" | "None";
/** Where a key may be used (RFC 7143 §13 introduction; SEC = security stage, §12). */
export type KeyUse = "IO" | "LO" | "ALL" | "FFPO" | "SEC";
/** Session-wide or connection-only. */
export type KeyScope = "SW" | "CO";
/** Who may send a key during login. */
export type KeySender = "initiator" | "target" | "both";
/** One "Irrelevant when:" condition: every `key=value` in it must hold. */
export type IrrelevantCondition = Readonly<Record<string, string>>;

/** One row of the key table. */
export interface KeyDef {
  readonly name: string;
  readonly type: KeyType;
  readonly default: string | undefined;
  /** Numeric keys: smallest and largest admissible value. */
  readonly min?: number;
  readonly max?: number;
  /** List and enumerated keys: the values the RFC defines. */
  readonly values?: readonly string[];
  readonly result: ResultFunction;
  readonly use: KeyUse;
  readonly scope: KeyScope;
  readonly sender: KeySender;
  readonly anyStage?: boolean;
  /** OR of conditions; a condition is an AND of `key=value`. */
  readonly irrelevantWhen?: readonly IrrelevantCondition[];
  /** New in RFC 7143: an RFC 3720 target may answer NotUnderstood. */
  readonly since7143?: boolean;
  /** Obsoleted by RFC 7143 §13.25: never offered, answered Reject. */
  readonly obsolete?: boolean;
  /** The key may legitimately appear more than once (TargetAddress, §13.8). */
  readonly repeatable?: boolean;
  /** Section of RFC 7143 that defines the key. */
  readonly rfc: string;
}

/**
 * 2**24 - 1: upper bound of the data-length keys (RFC 7143 §13.12–13.14).
 *
 * @example
 * keyDef("MaxBurstLength")!.max === MAX_DATA_LENGTH; // true
 */
export const MAX_DATA_LENGTH = 16777215;

const DISCOVERY: IrrelevantCondition = { SessionType: "Discovery" };

/** The rows, typed literally so that {@link KeyName} is a union of the names. */
const TABLE = [
  // §12: security stage. AuthMethod values KRB5, SRP, CHAP, None (SPKM1/2 obsoleted).
  { name: "AuthMethod", type: "list", default: "None", values: ["KRB5", "SRP", "CHAP", "None"], result: "List", use: "SEC", scope: "CO", sender: "both", rfc: "§12" },
  // §12.1.3 CHAP: 5 MD5 (required), 6 SHA1, 7 SHA-256, 8 SHA3-256 (IANA CHAP algorithms).
  { name: "CHAP_A", type: "list", default: undefined, values: ["5", "6", "7", "8"], result: "List", use: "SEC", scope: "CO", sender: "both", rfc: "§12.1.3" },
  { name: "CHAP_I", type: "numeric", default: undefined, min: 0, max: 255, result: "None", use: "SEC", scope: "CO", sender: "both", rfc: "§12.1.3" },
  { name: "CHAP_C", type: "string", default: undefined, result: "None", use: "SEC", scope: "CO", sender: "both", rfc: "§12.1.3" },
  { name: "CHAP_N", type: "string", default: undefined, result: "None", use: "SEC", scope: "CO", sender: "both", rfc: "§12.1.3" },
  { name: "CHAP_R", type: "string", default: undefined, result: "None", use: "SEC", scope: "CO", sender: "both", rfc: "§12.1.3" },
  // §13.1
  { name: "HeaderDigest", type: "list", default: "None", values: ["CRC32C", "None"], result: "List", use: "IO", scope: "CO", sender: "both", rfc: "§13.1" },
  { name: "DataDigest", type: "list", default: "None", values: ["CRC32C", "None"], result: "List", use: "IO", scope: "CO", sender: "both", rfc: "§13.1" },
  { name: "MaxConnections", type: "numeric", default: "1", min: 1, max: 65535, result: "Min", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.2" },
  { name: "SendTargets", type: "declarative", default: undefined, result: "Declarative", use: "FFPO", scope: "SW", sender: "initiator", rfc: "§13.3" },
  // The target sends TargetName only in SendTargets answers (FFPO), never in a login.
  { name: "TargetName", type: "declarative", default: undefined, result: "Declarative", use: "IO", scope: "SW", sender: "initiator", anyStage: true, rfc: "§13.4" },
  { name: "InitiatorName", type: "declarative", default: undefined, result: "Declarative", use: "IO", scope: "SW", sender: "initiator", anyStage: true, rfc: "§13.5" },
  { name: "TargetAlias", type: "declarative", default: undefined, result: "Declarative", use: "ALL", scope: "SW", sender: "target", anyStage: true, rfc: "§13.6" },
  { name: "InitiatorAlias", type: "declarative", default: undefined, result: "Declarative", use: "ALL", scope: "SW", sender: "initiator", anyStage: true, rfc: "§13.7" },
  { name: "TargetAddress", type: "declarative", default: undefined, result: "Declarative", use: "ALL", scope: "SW", sender: "target", anyStage: true, repeatable: true, rfc: "§13.8" },
  { name: "TargetPortalGroupTag", type: "numeric", default: undefined, min: 0, max: 65535, result: "Declarative", use: "IO", scope: "SW", sender: "target", anyStage: true, rfc: "§13.9" },
  { name: "InitialR2T", type: "boolean", default: "Yes", result: "Or", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.10" },
  { name: "ImmediateData", type: "boolean", default: "Yes", result: "And", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.11" },
  { name: "MaxRecvDataSegmentLength", type: "numeric", default: "8192", min: 512, max: MAX_DATA_LENGTH, result: "Declarative", use: "ALL", scope: "CO", sender: "both", rfc: "§13.12" },
  { name: "MaxBurstLength", type: "numeric", default: "262144", min: 512, max: MAX_DATA_LENGTH, result: "Min", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.13" },
  { name: "FirstBurstLength", type: "numeric", default: "65536", min: 512, max: MAX_DATA_LENGTH, result: "Min", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY, { InitialR2T: "Yes", ImmediateData: "No" }], rfc: "§13.14" },
  { name: "DefaultTime2Wait", type: "numeric", default: "2", min: 0, max: 3600, result: "Max", use: "LO", scope: "SW", sender: "both", rfc: "§13.15" },
  { name: "DefaultTime2Retain", type: "numeric", default: "20", min: 0, max: 3600, result: "Min", use: "LO", scope: "SW", sender: "both", rfc: "§13.16" },
  { name: "MaxOutstandingR2T", type: "numeric", default: "1", min: 1, max: 65535, result: "Min", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.17" },
  { name: "DataPDUInOrder", type: "boolean", default: "Yes", result: "Or", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.18" },
  { name: "DataSequenceInOrder", type: "boolean", default: "Yes", result: "Or", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], rfc: "§13.19" },
  { name: "ErrorRecoveryLevel", type: "numeric", default: "0", min: 0, max: 2, result: "Min", use: "LO", scope: "SW", sender: "both", rfc: "§13.20" },
  { name: "SessionType", type: "declarative", default: "Normal", values: ["Discovery", "Normal"], result: "Declarative", use: "LO", scope: "SW", sender: "initiator", anyStage: true, rfc: "§13.21" },
  { name: "TaskReporting", type: "list", default: "RFC3720", values: ["RFC3720", "ResponseFence", "FastAbort"], result: "List", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], since7143: true, rfc: "§13.23" },
  // 1 = RFC 7143, 2 = RFC 7144 (iSCSI SCSI features update).
  { name: "iSCSIProtocolLevel", type: "numeric", default: "1", min: 0, max: 31, result: "Min", use: "LO", scope: "SW", sender: "both", irrelevantWhen: [DISCOVERY], since7143: true, rfc: "§13.24" },
  // §13.25: obsolete. A responder SHOULD answer Reject to OFMarker/IFMarker (MAY answer No,
  // MUST NOT answer Yes) and MUST answer Reject to OFMarkInt/IFMarkInt. RFC 3720 defaults kept.
  { name: "OFMarker", type: "boolean", default: "No", result: "And", use: "IO", scope: "CO", sender: "both", obsolete: true, rfc: "§13.25" },
  { name: "IFMarker", type: "boolean", default: "No", result: "And", use: "IO", scope: "CO", sender: "both", obsolete: true, rfc: "§13.25" },
  { name: "OFMarkInt", type: "numeric", default: "2048", min: 1, max: 65535, result: "None", use: "IO", scope: "CO", sender: "both", irrelevantWhen: [{ OFMarker: "No" }], obsolete: true, rfc: "§13.25" },
  { name: "IFMarkInt", type: "numeric", default: "2048", min: 1, max: 65535, result: "None", use: "IO", scope: "CO", sender: "both", irrelevantWhen: [{ IFMarker: "No" }], obsolete: true, rfc: "§13.25" },
  // §13.26 (from RFC 4850): the one IANA-registered public extension key.
  { name: "X#NodeArchitecture", type: "declarative", default: undefined, result: "Declarative", use: "LO", scope: "SW", sender: "both", rfc: "§13.26" },
] as const satisfies readonly KeyDef[];

/**
 * Every RFC 7143 key, plus the CHAP keys of §12.1.3 and the obsolete marker keys. Rows are
 * in RFC 7143 §13 order after the security keys; negotiate.ts offers keys in this order.
 *
 * @example
 * KEYS.filter((k) => k.result === "Min").map((k) => k.name);
 * // ["MaxConnections", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Retain", ...]
 */
export const KEYS: readonly KeyDef[] = TABLE;

/** The name of a key in {@link KEYS}. */
export type KeyName = (typeof TABLE)[number]["name"];

const BY_NAME: ReadonlyMap<string, KeyDef> = new Map(KEYS.map((k) => [k.name, k]));

/**
 * The row for `name` (exact, case-sensitive: RFC 7143 §6.1 keys are case-sensitive), or
 * `undefined` for a key we do not know (an `X-` private key, an unregistered `X#` key, a typo).
 *
 * @example
 * keyDef("InitialR2T")?.result; // "Or"
 * keyDef("X-com.example.Foo");  // undefined -> answered NotUnderstood
 */
export function keyDef(name: string): KeyDef | undefined {
  return BY_NAME.get(name);
}

/**
 * True for private (`X-`) and public (`X#`) extension key names (RFC 7143 §6.1, §13.22).
 *
 * @example
 * isExtensionKey("X-com.example.Foo"); // true
 */
export function isExtensionKey(name: string): boolean {
  return name.startsWith("X-") || name.startsWith("X#");
}

/**
 * Evaluates a key's "Irrelevant when:" conditions against current values (`lookup` returns
 * the value in force for a key, e.g. the negotiated or default one).
 *
 * @example
 * const fbl = keyDef("FirstBurstLength")!;
 * isIrrelevant(fbl, (k) => ({ SessionType: "Normal", InitialR2T: "Yes", ImmediateData: "No" })[k]);
 * // true: no unsolicited data at all, so its length does not matter
 */
export function isIrrelevant(def: KeyDef, lookup: (key: string) => string | undefined): boolean {
  const conditions = def.irrelevantWhen ?? [];
  return conditions.some((cond) => Object.entries(cond).every(([k, v]) => lookup(k) === v));
}

/**
 * Reserved answer constants of RFC 7143 §6.2 ("None" is also reserved but is a real value).
 *
 * @example
 * SPECIAL_ANSWERS.includes("Reject"); // true
 */
export const SPECIAL_ANSWERS = ["Reject", "Irrelevant", "NotUnderstood"] as const;
/** One of {@link SPECIAL_ANSWERS}. */
export type SpecialAnswer = (typeof SPECIAL_ANSWERS)[number];

/**
 * True when `value` is one of the reserved answers Reject, Irrelevant, NotUnderstood.
 *
 * @example
 * isSpecialAnswer("Reject"); // true
 */
export function isSpecialAnswer(value: string): value is SpecialAnswer {
  return (SPECIAL_ANSWERS as readonly string[]).includes(value);
}
