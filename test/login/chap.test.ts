import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { inspect } from "node:util";
import { ChallengeLedger, ChapError, ChapInitiator, type ChapFailure, type ChapOptions } from "../../src/login/chap.js";
import { chapResponse, encodeBinary } from "../../src/login/chap-response.js";
import type { TextPair } from "../../src/wire/text.js";

const SECRET = "iscsiscope-secret";
const TARGET_SECRET = "target-secret-two";
const CHALLENGE = Uint8Array.from({ length: 16 }, (_, i) => i); // 00 01 02 ... 0f
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** A deterministic random source: returns the given blocks in turn. */
function fixedRandom(...blocks: Uint8Array[]): (n: number) => Uint8Array {
  return (n) => {
    const b = blocks.shift() ?? new Uint8Array(n).fill(0x77);
    assert.equal(b.length, n);
    return b;
  };
}

function chap(opts: Partial<ChapOptions> = {}): ChapInitiator {
  return new ChapInitiator({ username: "alice", secret: SECRET, ledger: new ChallengeLedger(), ...opts });
}

const challengeFromTarget: TextPair[] = [["CHAP_A", "5"], ["CHAP_I", "42"], ["CHAP_C", encodeBinary(CHALLENGE)]];

test("ChapInitiator one-way: AuthMethod=CHAP -> CHAP_A, challenge -> CHAP_N/CHAP_R, done", () => {
  const c = chap();
  assert.deepEqual(c.receive([["TargetPortalGroupTag", "1"], ["AuthMethod", "CHAP"]]), [["CHAP_A", "5"]]);
  assert.equal(c.state, "wait-challenge");
  assert.deepEqual(c.receive(challengeFromTarget), [["CHAP_N", "alice"], ["CHAP_R", "0x65ae03a891fe9643356ca4fd42f1a806"]]);
  assert.equal(c.state, "done");
  assert.equal(c.algorithm, 5);
  assert.deepEqual(c.receive([]), [], "the target's empty T=1 response");
});

test("ChapInitiator offers its algorithm list and answers with the one the target picks", () => {
  const c = chap({ algorithms: [8, 7, 5] });
  assert.deepEqual(c.start(), [["CHAP_A", "8,7,5"]]);
  const out = c.receive([["CHAP_A", "7"], ["CHAP_I", "42"], ["CHAP_C", encodeBinary(CHALLENGE)]]);
  assert.deepEqual(out[1], ["CHAP_R", "0xfd3cdd3c8c056891c4a0ab88ec3779d85c75c9a3074d254b2e5343e503bc61f8"]);
  assert.throws(() => chap({ algorithms: [4] }), RangeError);
});

test("ChapInitiator accepts a base64 challenge and a hex CHAP_I", () => {
  const c = chap();
  c.start();
  const out = c.receive([["CHAP_A", "5"], ["CHAP_I", "0x2a"], ["CHAP_C", "0bAAECAwQFBgcICQoLDA0ODw=="]]);
  assert.deepEqual(out[1], ["CHAP_R", "0x65ae03a891fe9643356ca4fd42f1a806"]);
});

/** Runs a mutual exchange up to the target's response; returns the initiator and what it sent. */
function mutualUpToResponse(ourChallenge = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i)) {
  const c = chap({ mutual: { secret: TARGET_SECRET, username: "tgt" }, randomBytes: fixedRandom(Uint8Array.of(7), ourChallenge) });
  c.start();
  const sent = new Map(c.receive(challengeFromTarget));
  return { c, sent, ourChallenge };
}

test("ChapInitiator mutual: sends CHAP_I/CHAP_C, verifies the target's CHAP_R", () => {
  const { c, sent, ourChallenge } = mutualUpToResponse();
  assert.equal(c.state, "wait-response");
  assert.equal(sent.get("CHAP_C"), encodeBinary(ourChallenge));
  const id = Number(sent.get("CHAP_I"));
  assert.equal(id, 7, "our identifier comes from the random source");
  const targetR = createHash("md5").update(Uint8Array.from([id, ...Buffer.from(TARGET_SECRET), ...ourChallenge])).digest("hex");
  assert.deepEqual(c.receive([["CHAP_N", "tgt"], ["CHAP_R", `0x${targetR.toUpperCase()}`]]), []);
  assert.equal(c.state, "done");
  assert.equal(c.records().find((r) => r.key === "CHAP_R" && r.proposer === "target")?.result, "verified");
});

/** Asserts `run` throws a ChapError with `reason`; returns the error for further checks. */
function expectChap(run: () => unknown, reason: ChapFailure): ChapError {
  let caught: unknown;
  assert.throws(run, (e: unknown) => {
    caught = e;
    return e instanceof ChapError && e.reason === reason && e.code === "ERR_NEGOTIATION" && e.message.includes(reason);
  }, reason);
  return caught as ChapError;
}

test("ChapInitiator mutual: a wrong, short, missing or unnamed target response fails", () => {
  let m = mutualUpToResponse();
  expectChap(() => m.c.receive([["CHAP_N", "tgt"], ["CHAP_R", `0x${"00".repeat(16)}`]]), "CHAP_RSP_BAD");
  assert.equal(m.c.state, "failed");
  m = mutualUpToResponse();
  expectChap(() => m.c.receive([["CHAP_N", "tgt"], ["CHAP_R", "0x0102"]]), "CHAP_RSP_BAD");
  m = mutualUpToResponse();
  expectChap(() => m.c.receive([["CHAP_N", "tgt"]]), "CHAP_RSP_EXPECTED");
  m = mutualUpToResponse();
  expectChap(() => m.c.receive([]), "CHAP_USERNAME_EXPECTED");
  m = mutualUpToResponse();
  expectChap(() => m.c.receive([["CHAP_N", "mallory"], ["CHAP_R", "0x00"]]), "AUTH_FAIL");
});

test("ChapInitiator refuses identical mutual secrets and empty secrets", () => {
  expectChap(() => chap({ mutual: { secret: SECRET } }), "PASSWD_IDENTICAL");
  expectChap(() => chap({ mutual: { secret: Buffer.from(SECRET) } }), "PASSWD_IDENTICAL");
  expectChap(() => chap({ secret: "" }), "LOCAL_PASSWD_NOT_SET");
  expectChap(() => chap({ mutual: { secret: new Uint8Array(0) } }), "LOCAL_PASSWD_NOT_SET");
});

test("ChapInitiator refuses a challenge it sent itself (reflection, RFC 7143 §12.1.3), even on another login", () => {
  const ledger = new ChallengeLedger();
  const ours = Uint8Array.from({ length: 16 }, (_, i) => 0xb0 + i);
  const first = chap({ ledger, mutual: { secret: TARGET_SECRET }, randomBytes: fixedRandom(Uint8Array.of(1), ours) });
  first.start();
  first.receive(challengeFromTarget);
  const second = chap({ ledger });
  second.start();
  expectChap(() => second.receive([["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", encodeBinary(ours)]]), "CHAP_CHALLENGE_REFLECTED");
});

test("ChapInitiator never sends the target's challenge or an old one as its own", () => {
  const ledger = new ChallengeLedger();
  const old = new Uint8Array(16).fill(0x11);
  ledger.remember(old);
  const fresh = new Uint8Array(16).fill(0x22);
  const c = chap({ ledger, mutual: { secret: TARGET_SECRET }, randomBytes: fixedRandom(Uint8Array.of(1), CHALLENGE, old, fresh) });
  c.start();
  assert.equal(new Map(c.receive(challengeFromTarget)).get("CHAP_C"), encodeBinary(fresh));
});

test("ChapInitiator reports bad algorithm, identifier and challenge with open-iscsi's reasons", () => {
  const cases: [TextPair[], ChapFailure][] = [
    [[["CHAP_I", "1"], ["CHAP_C", "0x01"]], "CHAP_ALG_EXPECTED"],
    [[["CHAP_A", "6"], ["CHAP_I", "1"], ["CHAP_C", "0x01"]], "CHAP_ALG_REJECT"],
    [[["CHAP_A", "Reject"]], "CHAP_ALG_REJECT"],
    [[["CHAP_A", "5"], ["CHAP_C", "0x01"]], "CHAP_IDENTIFIER_EXPECTED"],
    [[["CHAP_A", "5"], ["CHAP_I", "256"], ["CHAP_C", "0x01"]], "CHAP_IDENTIFIER_BAD"],
    [[["CHAP_A", "5"], ["CHAP_I", "1"]], "CHAP_CHALLENGE_EXPECTED"],
    [[["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", "hello"]], "CHALLENGE_BAD"],
    [[["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", `0x${"ab".repeat(1025)}`]], "CHALLENGE_BAD"],
    [[["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", "0x01"], ["CHAP_R", "0x01"]], "UNEXPECTED_KEY_PRESENT"],
    [[["CHAP_A", "5"], ["CHAP_A", "5"]], "RECV_DUP_SET_KEY_VALUE"],
  ];
  for (const [pairs, reason] of cases) {
    const c = chap();
    c.start();
    expectChap(() => c.receive(pairs), reason);
  }
});

test("ChapInitiator: the target's AuthMethod choice", () => {
  const c = chap();
  assert.deepEqual(c.receive([["AuthMethod", "None"]]), []);
  assert.equal(c.state, "skipped");
  expectChap(() => chap({ mutual: { secret: TARGET_SECRET } }).receive([["AuthMethod", "None"]]), "AUTH_METHOD_NONE");
  expectChap(() => chap().receive([["AuthMethod", "Reject"]]), "AUTH_METHOD_REJECT");
  expectChap(() => chap().receive([["AuthMethod", "SRP"]]), "AUTH_METHOD_BAD");
  expectChap(() => chap().receive([["TargetPortalGroupTag", "1"]]), "AUTH_METHOD_EXPECTED");
});

test("no secret or response value appears in errors, inspect, JSON, toString or records", () => {
  const forbidden = new Set<string>();
  const addSecret = (s: string) => {
    forbidden.add(s);
    forbidden.add(Buffer.from(s).toString("hex"));
    forbidden.add(Buffer.from(s).toString("base64"));
  };
  addSecret(SECRET);
  addSecret(TARGET_SECRET);
  const texts: string[] = [];
  const look = (c: ChapInitiator) => texts.push(inspect(c, { showHidden: true, depth: 9 }), JSON.stringify(c), String(c), `${c}`, JSON.stringify(c.records()));
  const caught = (run: () => unknown) => {
    try { run(); } catch (e) { texts.push(String(e), (e as Error).stack ?? "", inspect(e, { showHidden: true }), JSON.stringify(e)); }
  };
  // A full mutual exchange: collect every response and challenge value that crossed.
  const { c, sent, ourChallenge } = mutualUpToResponse();
  const targetR = hex(chapResponse(5, Number(sent.get("CHAP_I")), TARGET_SECRET, ourChallenge));
  for (const v of [sent.get("CHAP_R")!, `0x${targetR}`, encodeBinary(ourChallenge), encodeBinary(CHALLENGE)]) {
    forbidden.add(v.slice(2));
  }
  look(c);
  c.receive([["CHAP_N", "tgt"], ["CHAP_R", `0x${targetR}`]]);
  look(c);
  // Every failure path.
  for (const bad of [`0x${targetR.slice(0, 30)}ff`, "0xzz"]) {
    const m = mutualUpToResponse();
    caught(() => m.c.receive([["CHAP_N", "tgt"], ["CHAP_R", bad]]));
    look(m.c);
  }
  caught(() => chap({ mutual: { secret: SECRET } }));
  caught(() => chap({ secret: "" }));
  const one = chap();
  one.start();
  caught(() => one.receive([["CHAP_A", "5"], ["CHAP_I", "1"], ["CHAP_C", "zz"]]));
  look(one);
  const all = texts.join("\n").toLowerCase();
  for (const f of forbidden) assert.ok(!all.includes(f.toLowerCase()), `leaked ${f.slice(0, 6)}...`);
  assert.ok(all.includes("alice"), "the user name may be shown");
  assert.ok(all.includes("<redacted>"));
});
