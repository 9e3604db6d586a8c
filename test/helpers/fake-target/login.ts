/**
 * The target's side of the login phase (RFC 7143 §6, §11.12–11.13): the first request's
 * checks (version, names, session type, TSIH), the security stage (AuthMethod None or CHAP),
 * the operational stage (keys.ts), continuation (C bit), and the final response that assigns
 * the TSIH. A failure answers with its Status-Class/Detail and closes the connection.
 */
import { TextError } from "../../../src/errors.js";
import { encodeText, TextAccumulator, type TextPair } from "../../../src/wire/text.js";
import type { InitiatorPdu, LoginRequest } from "../../../src/wire/types.js";
import { ChapTarget } from "./chap.js";
import type { FakeConnection } from "./connection.js";
import { Negotiator } from "./keys.js";
import type { ChapConfig } from "./options.js";
import { FakeSession } from "./session.js";

/** Login status codes (Status-Class << 8 | Status-Detail) used here. */
export const LoginStatus = {
  Success: 0x0000, InitiatorError: 0x0200, AuthFailure: 0x0201, NotFound: 0x0203, UnsupportedVersion: 0x0205,
  TooManyConnections: 0x0206, MissingParameter: 0x0207, SessionTypeUnsupported: 0x0209,
  SessionDoesNotExist: 0x020a, InvalidDuringLogin: 0x020b,
} as const;

const STAGE_OPERATIONAL = 1;
const STAGE_FULL = 3;

class LoginFailure extends Error {
  constructor(readonly status: number, message: string, readonly pairs: TextPair[] = []) {
    super(message);
  }
}

export class LoginPhase {
  private readonly acc = new TextAccumulator();
  private started = false;
  private stage = 0;
  private auth: ChapConfig | undefined;
  private chap: ChapTarget | undefined;
  private authDone = false;
  private sentFirst = false;
  private neg: Negotiator | undefined;

  constructor(private readonly conn: FakeConnection) {}

  /** A Login Request: answer it, or fail the login. */
  handle(req: LoginRequest): void {
    const core = this.conn.core;
    if (core.faults.closeDuringLogin) {
      const how = core.faults.closeDuringLogin;
      core.faults.closeDuringLogin = undefined;
      return this.conn.close(how, "closeDuringLogin() fault");
    }
    this.conn.loginCmdSN = req.cmdSN;
    try {
      if (req.continue) {
        this.collect(req, true);
        return this.respond(req, [], false, 0);
      }
      const pairs = this.collect(req, false) ?? [];
      if (!this.started) this.begin(req, pairs);
      if (req.csg === 0) return this.security(req, pairs);
      if (req.csg === STAGE_OPERATIONAL) return this.operational(req, pairs);
      throw new LoginFailure(LoginStatus.InitiatorError, `CSG ${req.csg} is not a login stage`);
    } catch (e) {
      if (!(e instanceof LoginFailure)) throw e;
      this.fail(req, e.status, e.message, e.pairs);
    }
  }

  /** A PDU other than Login Request before the login ended: 0x020b, then close. */
  invalid(p: InitiatorPdu): void {
    this.fail({ itt: p.itt, isid: 0, csg: 0 }, LoginStatus.InvalidDuringLogin, `${p.kind} during login`, []);
  }

  private collect(req: LoginRequest, more: boolean): TextPair[] | undefined {
    try {
      return this.acc.add(req.data, more);
    } catch (e) {
      if (e instanceof TextError) throw new LoginFailure(LoginStatus.InitiatorError, e.message);
      throw e;
    }
  }

  /** The first request: version, names, session type, session lookup, configured status. */
  private begin(req: LoginRequest, pairs: TextPair[]): void {
    const core = this.conn.core;
    const get = (k: string): string | undefined => pairs.find(([key]) => key === k)?.[1];
    if (req.versionMin > 0) throw new LoginFailure(LoginStatus.UnsupportedVersion, `Version-min ${req.versionMin}`);
    const initiatorName = get("InitiatorName");
    if (!initiatorName) throw new LoginFailure(LoginStatus.MissingParameter, "no InitiatorName");
    const type = get("SessionType") ?? "Normal";
    if (type !== "Normal" && type !== "Discovery") throw new LoginFailure(LoginStatus.SessionTypeUnsupported, `SessionType=${type}`);
    const targetName = get("TargetName");
    if (type === "Normal" && !targetName) throw new LoginFailure(LoginStatus.MissingParameter, "no TargetName");
    const node = targetName === undefined ? undefined : core.nodes.get(targetName);
    if (type === "Normal" && !node) throw new LoginFailure(LoginStatus.NotFound, `no target ${targetName}`);
    const forced = core.faults.loginStatus;
    if (forced && forced.status !== 0 && (forced.target === undefined || forced.target === targetName)) {
      const pairs: TextPair[] = forced.targetAddress ? [["TargetAddress", forced.targetAddress]] : [];
      throw new LoginFailure(forced.status, "configured login status", pairs);
    }
    this.conn.cid = req.cid;
    this.conn.session = req.tsih === 0
      ? this.newSession(req, initiatorName, type, node)
      : this.joinSession(req);
    this.auth = type === "Discovery" ? core.opts.discoveryChap : node?.cfg.chap;
    this.neg = new Negotiator(core.params, core.explicit, req.tsih === 0);
    this.conn.negotiator = this.neg;
    this.started = true;
  }

  private newSession(req: LoginRequest, name: string, type: "Normal" | "Discovery", node: FakeSession["node"]): FakeSession {
    const core = this.conn.core;
    // Session reinstatement (RFC 7143 §6.3.5): same initiator, ISID and target, TSIH 0.
    for (const old of core.sessions) {
      if (old.isid === req.isid && old.initiatorName === name && old.node === node && old.type === type) {
        for (const c of [...old.connections]) c.close("fin", "session reinstated");
        core.sessions.delete(old);
      }
    }
    return new FakeSession(req.isid, name, type, node, req.cmdSN, core.faults.window);
  }

  private joinSession(req: LoginRequest): FakeSession {
    const s = [...this.conn.core.sessions].find((x) => x.tsih === req.tsih && x.isid === req.isid);
    if (!s) throw new LoginFailure(LoginStatus.SessionDoesNotExist, `no session with TSIH ${req.tsih}`);
    const same = [...s.connections].find((c) => c.cid === req.cid);
    if (same) same.close("fin", "connection reinstated");
    else if (s.connections.size >= (s.params?.maxConnections ?? 1)) {
      throw new LoginFailure(LoginStatus.TooManyConnections, `MaxConnections ${s.params?.maxConnections}`);
    }
    return s;
  }

  private security(req: LoginRequest, pairs: TextPair[]): void {
    if (this.stage !== 0) throw new LoginFailure(LoginStatus.InitiatorError, "back to the security stage");
    const out: TextPair[] = [];
    const method = pairs.find(([k]) => k === "AuthMethod")?.[1];
    if (method !== undefined) {
      const mine = this.auth ? "CHAP" : "None";
      if (!method.split(",").includes(mine)) {
        throw new LoginFailure(LoginStatus.AuthFailure, `AuthMethod=${method}, target needs ${mine}`, [["AuthMethod", "Reject"]]);
      }
      out.push(["AuthMethod", mine]);
      if (this.auth && !this.chap) this.chap = new ChapTarget(this.auth);
    }
    if (this.chap) {
      const step = this.chap.next(pairs.filter(([k]) => k.startsWith("CHAP_")));
      if ("fail" in step) throw new LoginFailure(LoginStatus.AuthFailure, `CHAP: ${step.fail}`);
      out.push(...step.pairs);
    }
    out.push(...this.neg!.answer(pairs.filter(([k]) => k !== "AuthMethod" && !k.startsWith("CHAP_"))));
    this.authDone = !this.auth || (this.chap?.done ?? false);
    if (req.transit && this.auth && !this.chap) throw new LoginFailure(LoginStatus.AuthFailure, "CHAP required");
    const transit = req.transit && this.authDone;
    if (transit && req.nsg === STAGE_FULL) return this.final(req, out);
    if (transit) this.stage = req.nsg;
    this.respond(req, out, transit, transit ? req.nsg : 0);
  }

  private operational(req: LoginRequest, pairs: TextPair[]): void {
    if (this.auth && !this.authDone) throw new LoginFailure(LoginStatus.AuthFailure, "the security stage was skipped");
    this.stage = STAGE_OPERATIONAL;
    const out = [...this.neg!.answer(pairs), ...this.neg!.targetOffers()];
    const transit = req.transit && req.nsg === STAGE_FULL && this.neg!.awaiting.size === 0;
    if (transit) return this.final(req, out);
    this.respond(req, out, false, 0);
  }

  /** The final Login Response: TSIH, then full feature phase. */
  private final(req: LoginRequest, out: TextPair[]): void {
    const core = this.conn.core;
    const s = this.conn.session!;
    if (s.tsih === 0) {
      s.tsih = core.assignTsih();
      s.params = this.neg!.session();
      core.sessions.add(s);
    }
    s.connections.add(this.conn);
    this.respond(req, out, true, STAGE_FULL, s.tsih);
    this.conn.enterFullFeature(this.neg!.connection());
    core.event(this.conn, "login-complete", `TSIH ${s.tsih} ${s.type}${s.node ? ` ${s.node.cfg.name}` : ""} CID ${this.conn.cid}`);
  }

  private respond(req: LoginRequest, pairs: TextPair[], transit: boolean, nsg: number, tsih = 0): void {
    const s = this.conn.session;
    if (!this.sentFirst && s?.node) {
      // RFC 7143 §13.9: TargetPortalGroupTag in the first Login Response of a normal session.
      pairs = [["TargetPortalGroupTag", String(s.node.cfg.portalGroupTag ?? 1)], ...pairs];
      if (s.node.cfg.alias) pairs.push(["TargetAlias", s.node.cfg.alias]);
    }
    this.sentFirst = true;
    this.conn.send({
      kind: "login-response", transit, continue: false, csg: req.csg, nsg, versionMax: 0, versionActive: 0,
      isid: req.isid, tsih, itt: req.itt, statSN: 0, expCmdSN: 0, maxCmdSN: 0, statusClass: 0, statusDetail: 0,
      ahs: [], data: encodeText(pairs),
    });
  }

  private fail(req: Pick<LoginRequest, "itt" | "isid" | "csg">, status: number, why: string, pairs: TextPair[]): void {
    const hex = status.toString(16).padStart(4, "0");
    this.conn.core.event(this.conn, "login-failed", `0x${hex}: ${why}`);
    this.conn.send({
      kind: "login-response", transit: false, continue: false, csg: req.csg, nsg: 0, versionMax: 0, versionActive: 0,
      isid: req.isid, tsih: 0, itt: req.itt, statSN: 0, expCmdSN: 0, maxCmdSN: 0,
      statusClass: status >> 8, statusDetail: status & 0xff, ahs: [], data: encodeText(pairs),
    }, undefined, true);
  }
}
