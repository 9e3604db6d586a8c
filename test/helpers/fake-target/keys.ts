/**
 * The target's side of operational text negotiation (RFC 7143 §6.2, §13): one table row per
 * key with its result function, and a negotiator that answers the initiator's offers, offers
 * what the test configured and the initiator left out, and computes the agreed values.
 */
import type { TextPair } from "../../../src/wire/text.js";
import { DEFAULT_PARAMS, parseKeyNumber, type TargetParams } from "./options.js";

type Rule = "list" | "min" | "max" | "or" | "and";

interface KeyRow {
  rule: Rule;
  /** Numeric range (min/max keys). */
  range?: readonly [number, number];
  /** Session-wide keys are negotiated on the leading connection only (LO). */
  scope: "session" | "connection";
  /** RFC 7143 default, the result when neither side offers the key. */
  rfcDefault: string;
}

const LEN: readonly [number, number] = [512, 0xffffff];

/** RFC 7143 §13, the keys with a result function. */
const KEYS: Readonly<Record<string, KeyRow>> = {
  HeaderDigest: { rule: "list", scope: "connection", rfcDefault: "None" },
  DataDigest: { rule: "list", scope: "connection", rfcDefault: "None" },
  MaxConnections: { rule: "min", range: [1, 65535], scope: "session", rfcDefault: "1" },
  InitialR2T: { rule: "or", scope: "session", rfcDefault: "Yes" },
  ImmediateData: { rule: "and", scope: "session", rfcDefault: "Yes" },
  MaxBurstLength: { rule: "min", range: LEN, scope: "session", rfcDefault: "262144" },
  FirstBurstLength: { rule: "min", range: LEN, scope: "session", rfcDefault: "65536" },
  DefaultTime2Wait: { rule: "max", range: [0, 3600], scope: "session", rfcDefault: "2" },
  DefaultTime2Retain: { rule: "min", range: [0, 3600], scope: "session", rfcDefault: "20" },
  MaxOutstandingR2T: { rule: "min", range: [1, 65535], scope: "session", rfcDefault: "1" },
  DataPDUInOrder: { rule: "or", scope: "session", rfcDefault: "Yes" },
  DataSequenceInOrder: { rule: "or", scope: "session", rfcDefault: "Yes" },
  ErrorRecoveryLevel: { rule: "min", range: [0, 2], scope: "session", rfcDefault: "0" },
};

/** Keys answered with a fixed value: obsolete markers (RFC 7143 §13.25 allows "No"), levels. */
const FIXED: Readonly<Record<string, string>> = {
  OFMarker: "No", IFMarker: "No", OFMarkInt: "Reject", IFMarkInt: "Reject",
  TaskReporting: "RFC3720", iSCSIProtocolLevel: "1",
};

/** Keys the initiator declares; the target takes note and does not answer. */
const DECLARED = new Set(["InitiatorName", "InitiatorAlias", "TargetName", "SessionType", "MaxRecvDataSegmentLength"]);

/** What a session agreed on. */
export interface SessionParams {
  initialR2T: boolean;
  immediateData: boolean;
  firstBurstLength: number;
  maxBurstLength: number;
  maxOutstandingR2T: number;
  maxConnections: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  errorRecoveryLevel: number;
}

/** What one connection agreed on. */
export interface ConnectionParams {
  headerDigest: boolean;
  dataDigest: boolean;
  /** The initiator's MaxRecvDataSegmentLength: the largest data segment we may send. */
  initiatorMRDSL: number;
  /** Ours: the largest data segment we accept. */
  targetMRDSL: number;
}

/** Apply a key's result function to an offer and the target's value; "Reject" when invalid. */
function resolve(row: KeyRow, offered: string, mine: string): string {
  if (row.rule === "list") {
    const ours = mine.split(",");
    return offered.split(",").find((v) => ours.includes(v)) ?? "Reject";
  }
  if (row.rule === "or" || row.rule === "and") {
    if (offered !== "Yes" && offered !== "No") return "Reject";
    const yes = row.rule === "or" ? offered === "Yes" || mine === "Yes" : offered === "Yes" && mine === "Yes";
    return yes ? "Yes" : "No";
  }
  const n = parseKeyNumber(offered);
  const [lo, hi] = row.range ?? [0, 0xffffffff];
  if (Number.isNaN(n) || n < lo || n > hi) return "Reject";
  const m = Number(mine);
  return String(row.rule === "min" ? Math.min(n, m) : Math.max(n, m));
}

/**
 * @example
 * const neg = new Negotiator(params, new Set(["MaxBurstLength"]), true);
 * neg.answer([["InitialR2T", "No"]]); // [["InitialR2T", "No"]]
 * neg.targetOffers();                 // [["MaxBurstLength", "65536"]]
 */
export class Negotiator {
  private readonly results = new Map<string, string>();
  /** Keys offered by either side and answered, "Reject" included: never offered again. */
  private readonly settled = new Set<string>();
  /** Keys the target offered and the initiator has not answered yet. */
  readonly awaiting = new Set<string>();
  private initiatorMRDSL = 8192;
  private declaredMRDSL = false;

  constructor(
    private readonly mine: TargetParams,
    /** Keys the test set explicitly: offered by the target when the initiator does not. */
    private readonly explicit: ReadonlySet<string>,
    /** Leading connection of a new session (LO keys negotiable). */
    private readonly leading: boolean,
  ) {}

  /** Answer the initiator's pairs. `ffp`: a Text Request in full feature phase. */
  answer(pairs: readonly TextPair[], ffp = false): TextPair[] {
    const out: TextPair[] = [];
    for (const [k, v] of pairs) {
      const row = KEYS[k];
      if (this.awaiting.has(k)) {
        this.awaiting.delete(k);
        this.settled.add(k);
        if (row && v !== "Reject" && v !== "NotUnderstood" && v !== "Irrelevant") {
          const r = resolve(row, v, String(this.mine[k as keyof TargetParams]));
          if (r !== "Reject") this.results.set(k, r);
        }
      } else if (k === "MaxRecvDataSegmentLength") {
        const n = parseKeyNumber(v);
        if (Number.isNaN(n) || n < LEN[0] || n > LEN[1]) out.push([k, "Reject"]);
        else this.initiatorMRDSL = n;
      } else if (DECLARED.has(k)) {
        continue;
      } else if (row) {
        if (ffp || (!this.leading && row.scope === "session")) {
          out.push([k, "Irrelevant"]);
          continue;
        }
        const r = resolve(row, v, String(this.mine[k as keyof TargetParams]));
        if (r !== "Reject") this.results.set(k, r);
        this.settled.add(k);
        out.push([k, r]);
      } else if (FIXED[k] !== undefined) {
        out.push([k, k === "iSCSIProtocolLevel" ? String(Math.min(parseKeyNumber(v) || 1, 1)) : FIXED[k]]);
      } else {
        out.push([k, "NotUnderstood"]);
      }
    }
    return out;
  }

  /**
   * The target's own declarations and offers for the operational stage: its
   * MaxRecvDataSegmentLength once, and each explicitly configured key nobody has settled yet.
   */
  targetOffers(): TextPair[] {
    const out: TextPair[] = [];
    if (!this.declaredMRDSL) {
      this.declaredMRDSL = true;
      out.push(["MaxRecvDataSegmentLength", String(this.mine.MaxRecvDataSegmentLength)]);
    }
    for (const k of this.explicit) {
      const row = KEYS[k];
      if (!row || this.settled.has(k) || this.awaiting.has(k)) continue;
      if (!this.leading && row.scope === "session") continue;
      this.awaiting.add(k);
      out.push([k, String(this.mine[k as keyof TargetParams])]);
    }
    return out;
  }

  private value(k: string): string {
    return this.results.get(k) ?? KEYS[k].rfcDefault;
  }

  /** The agreed session-wide values (RFC defaults for keys nobody offered or that were rejected). */
  session(): SessionParams {
    const num = (k: string): number => Number(this.value(k));
    const maxBurst = num("MaxBurstLength");
    return {
      initialR2T: this.value("InitialR2T") === "Yes",
      immediateData: this.value("ImmediateData") === "Yes",
      firstBurstLength: Math.min(num("FirstBurstLength"), maxBurst),
      maxBurstLength: maxBurst,
      maxOutstandingR2T: num("MaxOutstandingR2T"),
      maxConnections: num("MaxConnections"),
      defaultTime2Wait: num("DefaultTime2Wait"),
      defaultTime2Retain: num("DefaultTime2Retain"),
      errorRecoveryLevel: num("ErrorRecoveryLevel"),
    };
  }

  /** The agreed values of this connection. */
  connection(): ConnectionParams {
    return {
      headerDigest: this.value("HeaderDigest") === "CRC32C",
      dataDigest: this.value("DataDigest") === "CRC32C",
      initiatorMRDSL: this.initiatorMRDSL,
      targetMRDSL: this.mine.MaxRecvDataSegmentLength,
    };
  }

  /** Update the initiator's MaxRecvDataSegmentLength from a full-feature Text Request. */
  get initiatorMaxRecv(): number {
    return this.initiatorMRDSL;
  }
}

/** The full target parameter set: defaults overlaid with what the test gave. */
export function targetParams(given: Partial<TargetParams> | undefined): TargetParams {
  return { ...DEFAULT_PARAMS, ...given };
}
