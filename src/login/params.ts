/**
 * The typed outcome of a login negotiation: what the rest of the initiator reads (the framer's
 * digest and length options, the task layer's burst limits, the recovery timers).
 */
import { NegotiationError } from "../errors.js";
import { keyDef, isIrrelevant } from "./keys.js";
import { parseNumber } from "./merge.js";

/** Negotiated session and connection parameters (RFC 7143 §13), typed. */
export interface SessionParams {
  sessionType: "Normal" | "Discovery";
  authMethod: string;
  /** HeaderDigest=CRC32C. */
  headerDigest: boolean;
  /** DataDigest=CRC32C. */
  dataDigest: boolean;
  /** What we declared: the target must not send us longer data segments. */
  maxRecvDataSegmentLength: number;
  /** The target's declared MaxRecvDataSegmentLength (8192 when it declared none): caps what we send. */
  maxXmitDataSegmentLength: number;
  maxConnections: number;
  initialR2T: boolean;
  immediateData: boolean;
  maxBurstLength: number;
  firstBurstLength: number;
  defaultTime2Wait: number;
  defaultTime2Retain: number;
  maxOutstandingR2T: number;
  dataPDUInOrder: boolean;
  dataSequenceInOrder: boolean;
  errorRecoveryLevel: number;
  taskReporting: string;
  iSCSIProtocolLevel: number;
  targetAlias: string | undefined;
  targetPortalGroupTag: number | undefined;
  /** TargetAddress values the target sent (a redirect, RFC 7143 §13.8), in order. */
  targetAddresses: string[];
}

/** Values that do not come from the key lookup. */
export interface SessionParamsExtra {
  sessionType: "Normal" | "Discovery";
  targetMaxRecvDataSegmentLength: string | undefined;
  targetAddresses: readonly string[];
}

/**
 * Builds {@link SessionParams} from a lookup of the value in force per key. Throws
 * {@link NegotiationError} when FirstBurstLength exceeds MaxBurstLength (RFC 7143 §13.14).
 *
 * @example
 * sessionParams((k) => keyDef(k)?.default, { sessionType: "Normal", targetMaxRecvDataSegmentLength: undefined, targetAddresses: [] });
 * // all RFC defaults: { headerDigest: false, initialR2T: true, maxBurstLength: 262144, ... }
 */
export function sessionParams(value: (key: string) => string | undefined, extra: SessionParamsExtra): SessionParams {
  const num = (k: string): number => parseNumber(value(k) ?? keyDef(k)!.default!)!;
  const yes = (k: string): boolean => (value(k) ?? keyDef(k)!.default) === "Yes";
  const tpgt = value("TargetPortalGroupTag");
  const params: SessionParams = {
    sessionType: extra.sessionType,
    authMethod: value("AuthMethod") ?? "None",
    headerDigest: value("HeaderDigest") === "CRC32C",
    dataDigest: value("DataDigest") === "CRC32C",
    maxRecvDataSegmentLength: num("MaxRecvDataSegmentLength"),
    maxXmitDataSegmentLength: parseNumber(extra.targetMaxRecvDataSegmentLength ?? keyDef("MaxRecvDataSegmentLength")!.default!)!,
    maxConnections: num("MaxConnections"),
    initialR2T: yes("InitialR2T"),
    immediateData: yes("ImmediateData"),
    maxBurstLength: num("MaxBurstLength"),
    firstBurstLength: num("FirstBurstLength"),
    defaultTime2Wait: num("DefaultTime2Wait"),
    defaultTime2Retain: num("DefaultTime2Retain"),
    maxOutstandingR2T: num("MaxOutstandingR2T"),
    dataPDUInOrder: yes("DataPDUInOrder"),
    dataSequenceInOrder: yes("DataSequenceInOrder"),
    errorRecoveryLevel: num("ErrorRecoveryLevel"),
    taskReporting: value("TaskReporting") ?? "RFC3720",
    iSCSIProtocolLevel: num("iSCSIProtocolLevel"),
    targetAlias: value("TargetAlias"),
    targetPortalGroupTag: tpgt === undefined ? undefined : parseNumber(tpgt),
    targetAddresses: [...extra.targetAddresses],
  };
  const fbl = keyDef("FirstBurstLength")!;
  const relevant = !isIrrelevant(fbl, (k) => (k === "SessionType" ? extra.sessionType : value(k)));
  if (relevant && params.firstBurstLength > params.maxBurstLength) {
    throw new NegotiationError("FirstBurstLength", `${params.firstBurstLength} exceeds MaxBurstLength ${params.maxBurstLength} (RFC 7143 §13.14)`);
  }
  return params;
}
