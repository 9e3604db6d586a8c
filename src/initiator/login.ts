/**
 * The login phase of one connection (RFC 7143 §6): the security stage (AuthMethod None or
 * CHAP), the operational stage (every key through src/login's Negotiation), continued
 * responses (C bit), status by name, redirection. Fires login:stage, login:key, login:result.
 */
import { LoginError } from "../errors.js";
import { ChapInitiator } from "../login/chap.js";
import { Negotiation, type KeyRecord } from "../login/negotiate.js";
import type { SessionParams } from "../login/params.js";
import { formatLoginStatus } from "../login/status.js";
import { encodeText, TextAccumulator, type TextPair } from "../wire/text.js";
import type { LoginRequest, LoginResponse } from "../wire/types.js";
import type { Connection } from "./connection.js";
import { parsePortal, type Portal } from "./options.js";

export type { SessionParams };

export interface LoginOutcome {
  params: SessionParams;
  tsih: number;
  /** The window the final Login Response opened. */
  expCmdSN: number;
  maxCmdSN: number;
}

/** A login that the target redirected (Status-Class 1): where to go instead. */
export class LoginRedirect extends LoginError {
  constructor(cls: number, detail: number, readonly portal: Portal) {
    super(cls, detail, `${formatLoginStatus(cls, detail)}: redirected to ${portal.host}:${portal.port}`);
  }
}

const STAGE = { security: 0, operational: 1, full: 3 } as const;
/** A login that needs more round trips than this is a target that does not converge. */
const MAX_ROUND_TRIPS = 24;

/**
 * Run the login on `conn`; resolves with the negotiated parameters and TSIH, rejects with
 * LoginError (a non-zero Status-Class, named), LoginRedirect, NegotiationError, or the
 * connection's error.
 */
export async function runLogin(conn: Connection): Promise<LoginOutcome> {
  const s = conn.session;
  const auth = s.options.auth;
  const neg = new Negotiation({
    initiatorName: s.initiatorName,
    targetName: s.type === "Normal" ? s.targetName : undefined,
    sessionType: s.type,
    authMethod: auth?.chap ? "CHAP" : "None",
    settings: s.options.params as never,
  });
  const chap = auth?.chap
    ? new ChapInitiator({
      username: auth.chap.user, secret: auth.chap.secret, algorithms: auth.algorithms,
      mutual: auth.mutual ? { secret: auth.mutual.secret, username: auth.mutual.user } : undefined,
    })
    : undefined;
  const itt = s.nextItt();
  let stage: number = STAGE.security;
  let pairs: TextPair[] = neg.offer("security");
  let transit = !chap;
  let last: LoginResponse | undefined;
  try {
    for (let round = 0; round < MAX_ROUND_TRIPS; round++) {
      const nsg = stage === STAGE.security ? STAGE.operational : STAGE.full;
      const rsp = await roundTrip(conn, { itt, csg: stage, nsg, transit, pairs });
      last = rsp.pdu;
      checkStatus(rsp.pdu, rsp.pairs);
      if (stage === STAGE.security && chap) {
        pairs = chapStep(chap, neg, rsp.pairs);
        transit = chap.state === "done" || chap.state === "wait-response" || chap.state === "skipped";
      } else {
        neg.receive(rsp.pairs);
        pairs = neg.pendingAnswers();
        transit = true;
      }
      if (rsp.pdu.transit) {
        if (rsp.pdu.nsg === STAGE.full) break;
        stage = rsp.pdu.nsg;
        pairs = [...pairs, ...neg.offer("operational")];
        transit = true;
      }
    }
    if (!last?.transit || last.nsg !== STAGE.full) throw new LoginError(0, 0, `login did not reach full feature phase in ${MAX_ROUND_TRIPS} round trips`);
    if (chap && chap.state !== "done" && chap.state !== "skipped") {
      throw new LoginError(0, 0, `CHAP did not complete (${chap.state}) before the target left the security stage`);
    }
    const params = neg.result();
    publishKeys(conn, [...(chap?.records() ?? []), ...neg.records()]);
    publishResult(conn, last, undefined);
    return { params, tsih: last.tsih, expCmdSN: last.expCmdSN, maxCmdSN: last.maxCmdSN };
  } catch (e) {
    publishKeys(conn, [...(chap?.records() ?? []), ...neg.records()]);
    publishResult(conn, last, e);
    throw e;
  }
}

/** CHAP moves: AuthMethod answer -> CHAP_A -> CHAP_N/CHAP_R (-> verify the target's CHAP_R). */
function chapStep(chap: ChapInitiator, neg: Negotiation, pairs: TextPair[]): TextPair[] {
  const rest = pairs.filter(([k]) => !k.startsWith("CHAP_"));
  if (rest.length > 0) neg.receive(rest);
  return chap.receive(pairs);
}

interface Exchange {
  itt: number;
  csg: number;
  nsg: number;
  transit: boolean;
  pairs: TextPair[];
}

/**
 * Send one Login Request and collect the whole answer: while the target sets C, ask for the
 * rest with an empty Login Request (RFC 7143 §6.3).
 */
async function roundTrip(conn: Connection, x: Exchange): Promise<{ pdu: LoginResponse; pairs: TextPair[] }> {
  const acc = new TextAccumulator();
  let data = encodeText(x.pairs);
  let transit = x.transit;
  for (;;) {
    const req: LoginRequest = {
      kind: "login-request", immediate: true, transit, continue: false, csg: x.csg, nsg: transit ? x.nsg : 0,
      versionMax: 0, versionMin: 0, isid: conn.session.isid, tsih: 0, itt: x.itt, cid: conn.cid,
      cmdSN: conn.session.cmdSN, expStatSN: conn.expStatSN, ahs: [], data,
    };
    const p = conn.probes["login:stage"];
    if (p.hasSubscribers) p.publish({ conn, csg: req.csg, nsg: req.nsg, transit: req.transit, t: conn.clock.now() });
    const rsp = await conn.exchange(req);
    if (rsp.kind !== "login-response") throw new LoginError(0, 0, `expected a Login Response, got ${rsp.kind}`);
    const pairs = acc.add(rsp.data, rsp.continue);
    if (pairs) return { pdu: rsp, pairs };
    data = new Uint8Array(0);
    transit = false;
  }
}

function checkStatus(rsp: LoginResponse, pairs: TextPair[]): void {
  if (rsp.statusClass === 0) return;
  if (rsp.statusClass === 1) {
    const addr = pairs.find(([k]) => k === "TargetAddress")?.[1];
    if (addr) throw new LoginRedirect(rsp.statusClass, rsp.statusDetail, parsePortal(addr.split(",")[0]));
  }
  throw new LoginError(rsp.statusClass, rsp.statusDetail, `login failed: ${formatLoginStatus(rsp.statusClass, rsp.statusDetail)}`);
}

/** One login:key per negotiated key; CHAP records come with CHAP_C/CHAP_R already redacted. */
function publishKeys(conn: Connection, records: KeyRecord[]): void {
  const p = conn.probes["login:key"];
  if (!p.hasSubscribers) return;
  const t = conn.clock.now();
  for (const r of records) {
    p.publish({ conn, key: r.key, offered: r.offered, answered: r.answered, result: r.result, proposer: r.proposer, rule: r.rule, t });
  }
}

function publishResult(conn: Connection, rsp: LoginResponse | undefined, err: unknown): void {
  const p = conn.probes["login:result"];
  if (!p.hasSubscribers || !rsp) return;
  p.publish({
    conn, statusClass: rsp.statusClass, statusDetail: rsp.statusDetail,
    status: formatLoginStatus(rsp.statusClass, rsp.statusDetail), tsih: rsp.tsih, durationNs: conn.sinceStart(),
    redirectedTo: err instanceof LoginRedirect ? `${err.portal.host}:${err.portal.port}` : undefined, t: conn.clock.now(),
  });
}
