/**
 * Interop with a real target: tgtd 1.0.85's Login Responses, recorded from logins by
 * libiscsi's iscsi-inq / iscsi-ls (fixtures/transcripts/record.sh), played back as the target
 * side of our Negotiation and ChapInitiator after our own offer. tgtd's answer to a key both
 * sides had is tgtd's result, so we must accept it and compute the same value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChallengeLedger, ChapError, ChapInitiator } from "../../src/login/chap.js";
import { decodeBinary } from "../../src/login/chap-response.js";
import { keyDef } from "../../src/login/keys.js";
import { Negotiation, type NegotiationOptions } from "../../src/login/negotiate.js";
import type { TextPair } from "../../src/wire/text.js";
import { pdu, readTranscript } from "./transcript.js";

const IQN_I = "iqn.2024-01.org.iscsiscope:initiator";
const IQN_T = "iqn.2024-01.org.iscsiscope:login-fixture";
/** The test-only CHAP accounts record.sh creates in tgtd. */
const CHAP = { username: "fixture-user", secret: "fixture-secret-1" };
const CHAP_TARGET = { username: "fixture-target", secret: "fixture-target-2" };
/** What libiscsi 1.19 offers where it differs from our defaults, to make our offer the same as its. */
const LIBISCSI_LIKE: NegotiationOptions["settings"] = { HeaderDigest: "None,CRC32C", MaxBurstLength: 262144 };

/** Keys of tgtd's answer that a result function decides (not declarations, not obsolete keys). */
function negotiated(pairs: TextPair[]): TextPair[] {
  return pairs.filter(([k]) => {
    const def = keyDef(k);
    return def !== undefined && !def.obsolete && def.result !== "Declarative" && def.result !== "None";
  });
}

function assertSameResults(n: Negotiation, target: TextPair[]): void {
  for (const [k, v] of negotiated(target)) assert.equal(n.active.get(k), v, `${k}: tgtd's result ${v}`);
}

test("tgtd-normal: our default offer; tgtd's answers are accepted and every result equals tgtd's", () => {
  const t = readTranscript("tgtd-normal");
  const n = new Negotiation({ initiatorName: IQN_I, targetName: IQN_T });
  n.offer("operational");
  const answer = pdu(t, "target response", 1);
  assert.equal(answer.flags.T, "1");
  n.receive(answer.pairs);
  assertSameResults(n, answer.pairs);
  // Keys we left at their defaults come back (answers to libiscsi's offer): for us they are
  // target offers, and our answer to each is tgtd's own value, except the obsolete markers.
  for (const [k, v] of n.pendingAnswers()) {
    const tgtd = answer.pairs.find(([key]) => key === k)![1];
    assert.equal(v, k.endsWith("Marker") ? "Reject" : tgtd, k);
  }
  const p = n.result();
  assert.deepEqual(
    [p.headerDigest, p.dataDigest, p.initialR2T, p.immediateData, p.maxBurstLength, p.firstBurstLength, p.defaultTime2Retain],
    [false, false, true, true, 262144, 65536, 0],
  );
  assert.equal(p.targetPortalGroupTag, 1);
  // tgtd does not declare its MaxRecvDataSegmentLength when it is the RFC default: 8192 applies.
  assert.ok(!answer.pairs.some(([k]) => k === "MaxRecvDataSegmentLength"));
  assert.equal(p.maxXmitDataSegmentLength, 8192);
});

test("tgtd-normal: with libiscsi's values and sendDefaults our offer is libiscsi's, minus the obsolete markers", () => {
  const t = readTranscript("tgtd-normal");
  const n = new Negotiation({ initiatorName: IQN_I, targetName: IQN_T, settings: LIBISCSI_LIKE, sendDefaults: true });
  const ours = n.offer("operational");
  const libiscsi = pdu(t, "initiator request", 1).pairs.filter(([k]) => !k.endsWith("Marker"));
  assert.deepEqual(new Map(ours), new Map(libiscsi));
  n.receive(pdu(t, "target response", 1).pairs);
  assert.deepEqual(n.unanswered(), [], "tgtd answered every key we offered");
  assert.deepEqual(n.pendingAnswers(), [["IFMarker", "Reject"], ["OFMarker", "Reject"]]);
  assertSameResults(n, pdu(t, "target response", 1).pairs);
});

test("tgtd-discovery: relevant keys agree, tgtd's answers for irrelevant keys get Irrelevant", () => {
  const t = readTranscript("tgtd-discovery");
  const n = new Negotiation({ initiatorName: IQN_I, sessionType: "Discovery" });
  n.offer("operational");
  const answer = pdu(t, "target response", 1).pairs;
  n.receive(answer);
  const irrelevant = ["InitialR2T", "ImmediateData", "MaxBurstLength", "FirstBurstLength", "MaxOutstandingR2T", "MaxConnections", "DataPDUInOrder", "DataSequenceInOrder"];
  const pending = new Map(n.pendingAnswers());
  for (const k of irrelevant) assert.equal(pending.get(k), "Irrelevant", k);
  for (const [k, v] of negotiated(answer).filter(([k]) => !irrelevant.includes(k))) assert.equal(n.active.get(k), v, k);
  const p = n.result();
  assert.equal(p.sessionType, "Discovery");
  assert.equal(p.maxRecvDataSegmentLength, 32768);
  assert.equal(p.headerDigest, false);
  assert.equal(p.targetPortalGroupTag, 1);
});

test("tgtd-tuned: a T=0 answer with tgtd's declaration, our answers to its offers, then T=1", () => {
  const t = readTranscript("tgtd-tuned");
  const n = new Negotiation({ initiatorName: IQN_I, targetName: IQN_T, settings: { HeaderDigest: "None,CRC32C" } });
  n.offer("operational");
  const first = pdu(t, "target response", 1);
  assert.equal(first.flags.T, "0", "tgtd does not transit after declaring MaxRecvDataSegmentLength");
  n.receive(first.pairs);
  assertSameResults(n, first.pairs);
  assert.deepEqual(n.offer("operational"), [
    ["ImmediateData", "No"], ["DefaultTime2Wait", "5"], ["MaxOutstandingR2T", "1"], ["ErrorRecoveryLevel", "0"],
    ["IFMarker", "Reject"], ["OFMarker", "Reject"], ["MaxConnections", "1"], ["DataPDUInOrder", "Yes"], ["DataSequenceInOrder", "Yes"],
  ], "ImmediateData=No and the OR=Yes keys need no answer (RFC 7143 §6.2.2) but get one: some targets wait for it");
  const second = pdu(t, "target response", 2);
  assert.deepEqual(second.pairs, []);
  n.receive(second.pairs);
  const p = n.result();
  assert.deepEqual(
    [p.headerDigest, p.initialR2T, p.immediateData, p.maxBurstLength, p.firstBurstLength, p.defaultTime2Wait, p.defaultTime2Retain, p.maxOutstandingR2T],
    [true, false, false, 131072, 32768, 5, 0, 1],
  );
  assert.equal(p.maxXmitDataSegmentLength, 65536, "tgtd's declared MaxRecvDataSegmentLength");
  assert.equal(p.maxRecvDataSegmentLength, 262144);
});

test("tgtd-tuned: libiscsi's offer again; tgtd's Max and And answers hold against our offer", () => {
  const t = readTranscript("tgtd-tuned");
  const n = new Negotiation({ initiatorName: IQN_I, targetName: IQN_T, settings: LIBISCSI_LIKE, sendDefaults: true });
  n.offer("operational");
  n.receive(pdu(t, "target response", 1).pairs);
  assert.equal(n.active.get("DefaultTime2Wait"), "5", "Max(2, 5)");
  assert.equal(n.active.get("ImmediateData"), "No", "Yes AND No");
});

/** Runs the security stage of a CHAP transcript; returns what we sent per request. */
function securityStage(name: string, chap: ChapInitiator): { n: Negotiation; sent: TextPair[][] } {
  const t = readTranscript(name);
  const n = new Negotiation({ initiatorName: IQN_I, targetName: IQN_T, authMethod: "CHAP,None" });
  const sent: TextPair[][] = [n.offer("security")];
  for (let i = 1; i <= 3; i++) {
    const answer = pdu(t, "target response", i).pairs;
    n.receive(answer);
    sent.push(chap.receive(answer));
  }
  return { n, sent };
}

test("tgtd-chap: our security-stage requests are libiscsi's, and our CHAP_R is the one tgtd accepted", () => {
  const t = readTranscript("tgtd-chap");
  const chap = new ChapInitiator({ ...CHAP, ledger: new ChallengeLedger() });
  const { n, sent } = securityStage("tgtd-chap", chap);
  assert.deepEqual(sent[0], pdu(t, "initiator request", 1).pairs, "InitiatorName, TargetName, SessionType, AuthMethod=CHAP,None");
  assert.deepEqual(sent[1], pdu(t, "initiator request", 2).pairs, "CHAP_A=5");
  const libiscsi = new Map(pdu(t, "initiator request", 3).pairs);
  const ours = new Map(sent[2]);
  assert.equal(ours.get("CHAP_N"), libiscsi.get("CHAP_N"));
  assert.deepEqual(decodeBinary(ours.get("CHAP_R")!), decodeBinary(libiscsi.get("CHAP_R")!), "byte for byte (libiscsi writes upper-case hex)");
  // And independently: MD5(CHAP_I ‖ secret ‖ challenge) over tgtd's recorded values.
  const challenge = new Map(pdu(t, "target response", 2).pairs);
  const md5 = createHash("md5").update(Uint8Array.of(Number(challenge.get("CHAP_I")))).update(CHAP.secret).update(decodeBinary(challenge.get("CHAP_C")!)!).digest("hex");
  assert.equal(ours.get("CHAP_R"), `0x${md5}`);
  assert.deepEqual(sent[3], []);
  assert.equal(chap.state, "done");
  assert.equal(n.result().authMethod, "CHAP");
  n.offer("operational");
  n.receive(pdu(t, "target response", 4).pairs);
  assertSameResults(n, pdu(t, "target response", 4).pairs);
});

test("tgtd-chap-mutual: replaying libiscsi's identifier and challenge, tgtd's CHAP_R verifies", () => {
  const t = readTranscript("tgtd-chap-mutual");
  const libiscsi = new Map(pdu(t, "initiator request", 3).pairs);
  const theirChallenge = decodeBinary(libiscsi.get("CHAP_C")!)!;
  const blocks = [Uint8Array.of(Number(libiscsi.get("CHAP_I"))), theirChallenge];
  const chap = new ChapInitiator({
    ...CHAP, mutual: { ...CHAP_TARGET, challengeLength: theirChallenge.length }, ledger: new ChallengeLedger(), randomBytes: () => blocks.shift()!,
  });
  const { sent } = securityStage("tgtd-chap-mutual", chap);
  const ours = new Map(sent[2]);
  assert.deepEqual([...ours.keys()], ["CHAP_N", "CHAP_R", "CHAP_I", "CHAP_C"]);
  for (const k of ["CHAP_R", "CHAP_C"]) assert.deepEqual(decodeBinary(ours.get(k)!), decodeBinary(libiscsi.get(k)!), k);
  assert.equal(ours.get("CHAP_I"), libiscsi.get("CHAP_I"));
  assert.equal(chap.state, "done", "tgtd's CHAP_N/CHAP_R (response 3) proved the target secret");
});

test("tgtd-chap-mutual: tgtd's response altered by one bit is refused", () => {
  const t = readTranscript("tgtd-chap-mutual");
  const libiscsi = new Map(pdu(t, "initiator request", 3).pairs);
  const theirChallenge = decodeBinary(libiscsi.get("CHAP_C")!)!;
  const blocks = [Uint8Array.of(Number(libiscsi.get("CHAP_I"))), theirChallenge];
  const chap = new ChapInitiator({ ...CHAP, mutual: { ...CHAP_TARGET, challengeLength: theirChallenge.length }, ledger: new ChallengeLedger(), randomBytes: () => blocks.shift()! });
  chap.receive(pdu(t, "target response", 1).pairs);
  chap.receive(pdu(t, "target response", 2).pairs);
  const [[, name], [, r]] = pdu(t, "target response", 3).pairs;
  const bytes = decodeBinary(r)!;
  bytes[0] ^= 1;
  assert.throws(() => chap.receive([["CHAP_N", name], ["CHAP_R", `0x${Buffer.from(bytes).toString("hex")}`]]), (e: unknown) => e instanceof ChapError && e.reason === "CHAP_RSP_BAD");
});
