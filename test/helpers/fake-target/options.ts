/**
 * Options of the fake target, and their defaults. Negotiation keys keep their RFC 7143
 * spelling (`MaxRecvDataSegmentLength`, not `maxRecvDataSegmentLength`) so a grep finds the
 * same word in the RFC, the initiator and here.
 */

/** One CHAP name and secret (RFC 7143 §12.1.3). */
export interface ChapAccount {
  user: string;
  secret: string;
}

/** CHAP as a target requires it: the initiators it accepts, and how it proves itself. */
export interface ChapConfig {
  /** Names and secrets the target accepts from initiators (one-way CHAP). */
  accounts: ChapAccount[];
  /** The name and secret the target answers a mutual challenge with. */
  target?: ChapAccount;
  /** Fail the login (0x0201) when the initiator does not challenge the target back. */
  requireMutual?: boolean;
}

/** A logical unit backed by sparse in-memory blocks of 512 bytes. */
export interface LunConfig {
  lun: number;
  /** Capacity in 512-byte blocks; default 131072 (64 MiB, allocated only where written). */
  blocks?: number;
  /** INQUIRY PRODUCT IDENTIFICATION (16 characters at most); default "FAKE-DISK". */
  product?: string;
  /** VPD page 0x80 serial; default derived from the target name and LUN. */
  serial?: string;
}

/** One iSCSI target node. */
export interface TargetConfig {
  /** The iSCSI name, e.g. "iqn.2003-01.org.iscsiscope:disk1". */
  name: string;
  alias?: string;
  /** LUN numbers or full configs; default [0, 1]. */
  luns?: (number | LunConfig)[];
  /** Require CHAP for normal sessions to this target. */
  chap?: ChapConfig;
  /** TargetPortalGroupTag returned in the first Login Response; default 1. */
  portalGroupTag?: number;
}

/**
 * Login status the target answers the first Login Request with, instead of going on with
 * the login: 0x0101/0x0102 redirect (with `targetAddress`), 0x0201 auth failure, 0x0203 not
 * found, 0x0301 service unavailable, ...
 */
export interface LoginStatusConfig {
  /** Status-Class << 8 | Status-Detail (RFC 7143 §11.13.5). */
  status: number;
  /** TargetAddress sent with a redirect, "host:port[,tpgt]". */
  targetAddress?: string;
  /** Only logins to this target name (default: every login, discovery included). */
  target?: string;
}

/** The target's side of every operational key it negotiates (RFC 7143 §13). */
export interface TargetParams {
  /** List, in the target's order of preference; default "None". */
  HeaderDigest: string;
  DataDigest: string;
  InitialR2T: "Yes" | "No";
  ImmediateData: "Yes" | "No";
  FirstBurstLength: number;
  MaxBurstLength: number;
  /** Declared by the target: the largest data segment it accepts. */
  MaxRecvDataSegmentLength: number;
  MaxOutstandingR2T: number;
  MaxConnections: number;
  DefaultTime2Wait: number;
  DefaultTime2Retain: number;
  ErrorRecoveryLevel: number;
  DataPDUInOrder: "Yes" | "No";
  DataSequenceInOrder: "Yes" | "No";
}

/** RFC 7143 §13 defaults, except DefaultTime2Retain (0, as at ErrorRecoveryLevel 0 tgtd does). */
export const DEFAULT_PARAMS: TargetParams = {
  HeaderDigest: "None",
  DataDigest: "None",
  InitialR2T: "Yes",
  ImmediateData: "Yes",
  FirstBurstLength: 65536,
  MaxBurstLength: 262144,
  MaxRecvDataSegmentLength: 8192,
  MaxOutstandingR2T: 1,
  MaxConnections: 1,
  DefaultTime2Wait: 2,
  DefaultTime2Retain: 0,
  ErrorRecoveryLevel: 0,
  DataPDUInOrder: "Yes",
  DataSequenceInOrder: "Yes",
};

export interface FakeTargetOptions {
  /** Target nodes; default one, {@link DEFAULT_TARGET_NAME} with LUNs 0 and 1. */
  targets?: TargetConfig[];
  /**
   * The target's values of the operational keys. A key set here that the initiator does
   * not offer is offered by the target (and must be answered before the login moves on).
   */
  params?: Partial<TargetParams>;
  /** Require CHAP for discovery sessions. */
  discoveryChap?: ChapConfig;
  /** Status of every first Login Request (see {@link LoginStatusConfig}); default success. */
  loginStatus?: LoginStatusConfig;
  /** Command window: MaxCmdSN = ExpCmdSN + window - 1; default 32. */
  window?: number;
  /** Send a target-initiated NOP-In ping on each logged-in connection every this many ms. */
  nopInterval?: number;
  /** Split SendTargets answers into Text Responses of at most this many bytes (C bit + TTT). */
  textChunk?: number;
  /** First StatSN of each connection; default 0x1000 (not 0, so tests see it is used). */
  initialStatSN?: number;
  /** Send status in the last Data-In (S bit) of a GOOD read; default true. */
  phaseCollapse?: boolean;
  /** Also listen on ::1 (same port when free); default false. */
  ipv6?: boolean;
  /** TargetAddress values in SendTargets answers; default the listening portals. */
  addresses?: string[];
  /** INQUIRY VENDOR IDENTIFICATION (8 characters); default "ISCSISCP". */
  vendor?: string;
}

export const DEFAULT_TARGET_NAME = "iqn.2003-01.org.iscsiscope:fake";
export const DEFAULT_LUN_BLOCKS = 131072;
export const DEFAULT_WINDOW = 32;
export const DEFAULT_INITIAL_STATSN = 0x1000;

/** Parse a number the way RFC 7143 §6.1 writes them: decimal or 0x hex. NaN when neither. */
export function parseKeyNumber(v: string): number {
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v.slice(2), 16);
  if (/^[0-9]+$/.test(v)) return parseInt(v, 10);
  return NaN;
}
