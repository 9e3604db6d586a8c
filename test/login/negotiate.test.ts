import { test } from "node:test";
import assert from "node:assert/strict";
import { NegotiationError } from "../../src/errors.js";
import { Negotiation, type NegotiationOptions } from "../../src/login/negotiate.js";
import type { TextPair } from "../../src/wire/text.js";

const I = "iqn.2024-01.org.iscsiscope:initiator";
const T = "iqn.2024-01.org.iscsiscope:target";

function normal(extra: Partial<NegotiationOptions> = {}): Negotiation {
  return new Negotiation({ initiatorName: I, targetName: T, ...extra });
}

/** Offers in the operational stage, then feeds the target's pairs. */
function afterAnswers(pairs: TextPair[], extra: Partial<NegotiationOptions> = {}): Negotiation {
  const n = normal(extra);
  n.offer("operational");
  n.receive(pairs);
  return n;
}

/** [description, settings, target answer for `key`, expected active value or an Error pattern]. */
type Case = [string, NegotiationOptions["settings"], string, string | RegExp];

function runCases(key: string, cases: Case[]): void {
  for (const [what, settings, answer, expected] of cases) {
    test(`Negotiation ${key}: ${what}`, () => {
      const run = () => afterAnswers([[key, answer]], { settings });
      if (expected instanceof RegExp) {
        assert.throws(run, (e: unknown) => e instanceof NegotiationError && e.key === key && expected.test(e.message));
      } else {
        assert.equal(run().active.get(key), expected);
      }
    });
  }
}

// Min (RFC 7143 §6.2.2, §13.13): the answer may not exceed the offer, nor leave 512..2**24-1.
runCases("MaxBurstLength", [
  ["Min: a smaller answer is the result", {}, "262144", "262144"],
  ["Min: the same value is the result", {}, "16776192", "16776192"],
  ["Min: a hex answer is read as a number", {}, "0x40000", "262144"],
  ["Min: an answer above our offer is refused", {}, "16776193", /exceeds our offer/],
  ["Min: an answer below the range is refused", {}, "511", /outside 512\.\.16777215/],
  ["Min: a non-number is refused", {}, "lots", /not a number/],
  ["Reject leaves the RFC default (§6.2)", {}, "Reject", "262144"],
  ["Irrelevant leaves the RFC default", {}, "Irrelevant", "262144"],
  ["NotUnderstood of a key every target must know is an error (§6.2)", {}, "NotUnderstood", /NotUnderstood/],
]);
// Max (§13.15): the answer may not be below the offer.
runCases("DefaultTime2Wait", [
  ["Max: a larger answer is the result", { DefaultTime2Wait: 2 }, "5", "5"],
  ["Max: an answer below our offer is refused", { DefaultTime2Wait: 2 }, "1", /below our offer/],
  ["Max: an answer above 3600 is refused", { DefaultTime2Wait: 2 }, "3601", /outside 0\.\.3600/],
]);
// OR (§13.10): Yes OR x = Yes.
runCases("InitialR2T", [
  ["Or: we offer No, the target says Yes", {}, "Yes", "Yes"],
  ["Or: we offer No, the target says No", {}, "No", "No"],
  ["Or: we offer Yes, an answer No is refused", { InitialR2T: true }, "No", /Yes OR anything is Yes/],
  ["Or: a value that is not Yes/No is refused", {}, "yes", /not Yes or No/],
]);
// AND (§13.11): No AND x = No.
runCases("ImmediateData", [
  ["And: we offer Yes, the target says No", { ImmediateData: true }, "No", "No"],
  ["And: we offer Yes, the target says Yes", { ImmediateData: true }, "Yes", "Yes"],
  ["And: we offer No, an answer Yes is refused", { ImmediateData: false }, "Yes", /No AND anything is No/],
]);
// List (§6.2.1): the answer is one of our values.
runCases("HeaderDigest", [
  ["List: the target picks our second choice", { HeaderDigest: "None,CRC32C" }, "CRC32C", "CRC32C"],
  ["List: the target picks our first choice", { HeaderDigest: "CRC32C,None" }, "CRC32C", "CRC32C"],
  ["List: a value we did not offer is refused", { HeaderDigest: "None" }, "CRC32C", /not one of the values we offered/],
  ["List: answering with a list is refused", { HeaderDigest: "CRC32C,None" }, "CRC32C,None", /not one of the values we offered/],
  ["List: Reject falls back to None when we offered None", { HeaderDigest: "CRC32C,None" }, "Reject", "None"],
  ["List: Reject when we insisted on CRC32C is an error", { HeaderDigest: "CRC32C" }, "Reject", /rejected "CRC32C"/],
]);
// Keys new in RFC 7143: an RFC 3720 target may not know them.
runCases("TaskReporting", [
  ["NotUnderstood from an RFC 3720 target leaves RFC3720", { TaskReporting: "FastAbort,RFC3720" }, "NotUnderstood", "RFC3720"],
  ["List: FastAbort accepted", { TaskReporting: "FastAbort,RFC3720" }, "FastAbort", "FastAbort"],
]);
runCases("iSCSIProtocolLevel", [
  ["Min: level 1 from a target that does not do RFC 7144", { iSCSIProtocolLevel: 2 }, "1", "1"],
  ["Min: level 3 exceeds our 2", { iSCSIProtocolLevel: 2 }, "3", /exceeds our offer/],
  ["NotUnderstood leaves the default 1", { iSCSIProtocolLevel: 2 }, "NotUnderstood", "1"],
]);

test("Negotiation: full operational offer of a Normal session with defaults, in order", () => {
  assert.deepEqual(normal().offer("operational"), [
    ["InitiatorName", I],
    ["TargetName", T],
    ["SessionType", "Normal"],
    ["HeaderDigest", "None"],
    ["DataDigest", "None"],
    ["InitialR2T", "No"],
    ["MaxRecvDataSegmentLength", "262144"],
    ["MaxBurstLength", "16776192"],
    ["FirstBurstLength", "262144"],
    ["DefaultTime2Retain", "0"],
  ]);
});

test("Negotiation: full operational offer of a Discovery session holds only relevant keys", () => {
  const n = new Negotiation({ initiatorName: I, sessionType: "Discovery", settings: { MaxBurstLength: 65536, InitialR2T: false } });
  assert.deepEqual(n.offer("operational"), [
    ["InitiatorName", I],
    ["SessionType", "Discovery"],
    ["HeaderDigest", "None"],
    ["DataDigest", "None"],
    ["MaxRecvDataSegmentLength", "32768"],
    ["DefaultTime2Retain", "0"],
  ]);
});

test("Negotiation: with sendDefaults every relevant key is offered, RFC 7143-only keys still not", () => {
  const keys = normal({ sendDefaults: true }).offer("operational").map(([k]) => k);
  assert.deepEqual(keys, [
    "InitiatorName", "TargetName", "SessionType", "HeaderDigest", "DataDigest", "MaxConnections", "InitialR2T",
    "ImmediateData", "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Wait",
    "DefaultTime2Retain", "MaxOutstandingR2T", "DataPDUInOrder", "DataSequenceInOrder", "ErrorRecoveryLevel",
  ]);
});

test("Negotiation: a security stage then an operational stage, no key sent twice", () => {
  const n = normal({ authMethod: "CHAP,None", initiatorAlias: "host1" });
  assert.deepEqual(n.offer("security"), [
    ["InitiatorName", I], ["InitiatorAlias", "host1"], ["TargetName", T], ["SessionType", "Normal"], ["AuthMethod", "CHAP,None"],
  ]);
  n.receive([["TargetPortalGroupTag", "1"], ["AuthMethod", "CHAP"], ["CHAP_A", "5"]]);
  assert.equal(n.active.get("AuthMethod"), "CHAP");
  const op = n.offer("operational").map(([k]) => k);
  assert.deepEqual(op, ["HeaderDigest", "DataDigest", "InitialR2T", "MaxRecvDataSegmentLength", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Retain"]);
  assert.deepEqual(n.offer("operational"), [], "a second offer in the stage has nothing new");
  assert.throws(() => n.offer("security"), RangeError, "stages only move forward");
  assert.equal(n.result().authMethod, "CHAP");
});

test("Negotiation: FirstBurstLength is not offered when InitialR2T=Yes and ImmediateData=No", () => {
  const keys = normal({ settings: { InitialR2T: "Yes", ImmediateData: "No" } }).offer("operational").map(([k]) => k);
  assert.ok(!keys.includes("FirstBurstLength"));
  assert.ok(keys.includes("ImmediateData"));
});

test("Negotiation: keys the target offers are answered by their result function", () => {
  const n = afterAnswers([
    ["DefaultTime2Wait", "5"], // Max(2, 5)
    ["MaxOutstandingR2T", "4"], // Min(1, 4)
    ["ErrorRecoveryLevel", "2"], // Min(0, 2)
    ["DataPDUInOrder", "No"], // Yes OR No
    ["DataSequenceInOrder", "Yes"], // OR with Yes: outcome Yes; the answer is optional (§6.2.2), we give it
    ["ImmediateData", "No"], // AND with No: outcome No; likewise answered
    ["TaskReporting", "FastAbort,ResponseFence,RFC3720"], // we only do RFC3720
    ["iSCSIProtocolLevel", "2"], // Min(1, 2)
    ["MaxConnections", "0"], // inadmissible: Reject
  ]);
  const answers: TextPair[] = [
    ["DefaultTime2Wait", "5"], ["MaxOutstandingR2T", "1"], ["ErrorRecoveryLevel", "0"], ["DataPDUInOrder", "Yes"],
    ["DataSequenceInOrder", "Yes"], ["ImmediateData", "No"],
    ["TaskReporting", "RFC3720"], ["iSCSIProtocolLevel", "1"], ["MaxConnections", "Reject"],
  ];
  assert.deepEqual(n.pendingAnswers(), answers);
  const p = n.result();
  assert.equal(p.defaultTime2Wait, 5);
  assert.equal(p.maxOutstandingR2T, 1);
  assert.equal(p.dataPDUInOrder, true);
  assert.equal(p.immediateData, false);
  assert.equal(p.maxConnections, 1);
  assert.deepEqual(n.offer("operational"), answers, "the next request carries the answers");
  assert.deepEqual(n.pendingAnswers(), [], "answers are sent once");
});

test("Negotiation: obsolete marker keys from the target are answered Reject (RFC 7143 §13.25)", () => {
  const n = afterAnswers([["OFMarker", "Yes"], ["IFMarker", "No"], ["OFMarkInt", "2048"], ["IFMarkInt", "1~65535"]]);
  assert.deepEqual(n.pendingAnswers(), [["OFMarker", "Reject"], ["IFMarker", "Reject"], ["OFMarkInt", "Reject"], ["IFMarkInt", "Reject"]]);
  assert.ok(!normal({ sendDefaults: true }).offer("operational").some(([k]) => k.includes("Mark")), "never offered");
});

test("Negotiation: unknown and extension keys are answered NotUnderstood; X#NodeArchitecture is a declaration", () => {
  const n = afterAnswers([["X-com.example.Turbo", "Yes"], ["X#NodeArchitecture", "tgt/1.0.85"], ["FancyKey", "1"]]);
  assert.deepEqual(n.pendingAnswers(), [["X-com.example.Turbo", "NotUnderstood"], ["FancyKey", "NotUnderstood"]]);
  assert.equal(n.his.get("X#NodeArchitecture"), "tgt/1.0.85");
});

test("Negotiation: in a Discovery session the target's irrelevant keys are answered Irrelevant", () => {
  const n = new Negotiation({ initiatorName: I, sessionType: "Discovery" });
  n.offer("operational");
  n.receive([["InitialR2T", "Yes"], ["MaxBurstLength", "262144"], ["TaskReporting", "RFC3720"], ["DefaultTime2Wait", "2"]]);
  assert.deepEqual(n.pendingAnswers(), [["InitialR2T", "Irrelevant"], ["MaxBurstLength", "Irrelevant"], ["TaskReporting", "Irrelevant"], ["DefaultTime2Wait", "2"]]);
});

test("Negotiation: FirstBurstLength offered by the target when InitialR2T=Yes and ImmediateData=No is answered by Min, not Irrelevant (tgtd rejects Irrelevant)", () => {
  const n = afterAnswers([["InitialR2T", "Yes"], ["FirstBurstLength", "4096"]], { settings: { InitialR2T: true, ImmediateData: false } });
  assert.deepEqual(n.pendingAnswers(), [["FirstBurstLength", "4096"]]);
});

test("Negotiation: declarations are recorded; the target's MaxRecvDataSegmentLength caps what we send", () => {
  const n = afterAnswers([["TargetAlias", "disk one"], ["TargetPortalGroupTag", "1"], ["MaxRecvDataSegmentLength", "65536"]]);
  const p = n.result();
  assert.equal(p.maxRecvDataSegmentLength, 262144);
  assert.equal(p.maxXmitDataSegmentLength, 65536);
  assert.equal(p.targetAlias, "disk one");
  assert.equal(p.targetPortalGroupTag, 1);
  assert.deepEqual(n.pendingAnswers(), []);
  assert.equal(afterAnswers([]).result().maxXmitDataSegmentLength, 8192, "undeclared: the RFC default 8192 (§13.12)");
});

test("Negotiation: invalid declarations and keys the target may not send are errors naming the key", () => {
  const bad: [TextPair, RegExp][] = [
    [["MaxRecvDataSegmentLength", "511"], /outside 512/],
    [["TargetPortalGroupTag", "65536"], /outside 0\.\.65535/],
    [["InitiatorName", "iqn.x"], /only the initiator/],
    [["SessionType", "Normal"], /only the initiator/],
    [["TargetName", T], /only the initiator/],
    [["DefaultTime2Wait", "Reject"], /never offered/],
    [["AuthMethod", "CHAP"], /security key in the operational stage/],
    [["CHAP_A", "5"], /CHAP key in the operational stage/],
  ];
  for (const [pair, re] of bad) {
    assert.throws(() => afterAnswers([pair]), (e: unknown) => e instanceof NegotiationError && e.key === pair[0] && re.test(e.message), pair.join("="));
  }
});

test("Negotiation: an operational key in the security stage is an error; any-stage keys are fine", () => {
  const n = normal({ authMethod: "None" });
  n.offer("security");
  n.receive([["TargetPortalGroupTag", "1"], ["TargetAlias", "x"], ["AuthMethod", "None"]]);
  assert.throws(() => n.receive([["HeaderDigest", "None"]]), /HeaderDigest: operational key in the security stage/);
});

test("Negotiation: a key sent twice by the target is refused, in one response or across two", () => {
  assert.throws(() => afterAnswers([["MaxBurstLength", "262144"], ["MaxBurstLength", "262144"]]), /MaxBurstLength: sent twice/);
  const n = afterAnswers([["MaxRecvDataSegmentLength", "65536"]]);
  assert.throws(() => n.receive([["MaxRecvDataSegmentLength", "65536"]]), /MaxRecvDataSegmentLength: sent twice/);
  const r = afterAnswers([["TargetAddress", "10.0.0.1:3260,1"], ["TargetAddress", "10.0.0.2:3260,1"]]);
  assert.deepEqual(r.result().targetAddresses, ["10.0.0.1:3260,1", "10.0.0.2:3260,1"], "TargetAddress may repeat (§13.8)");
});

test("Negotiation: unanswered keys fall back to the default, except optional answers (§6.2.2)", () => {
  const n = normal({ settings: { DataPDUInOrder: true, ImmediateData: false } });
  n.offer("operational");
  assert.deepEqual(n.unanswered(), ["HeaderDigest", "DataDigest", "InitialR2T", "MaxBurstLength", "FirstBurstLength", "DefaultTime2Retain"]);
  const p = n.result();
  assert.equal(p.immediateData, false, "AND with No needs no answer");
  assert.equal(p.dataPDUInOrder, true);
  assert.equal(p.maxBurstLength, 262144, "never answered: not negotiated, RFC default");
  assert.equal(p.initialR2T, true);
});

test("Negotiation: result() refuses FirstBurstLength above MaxBurstLength", () => {
  const n = afterAnswers([["MaxBurstLength", "65536"], ["FirstBurstLength", "262144"]]);
  assert.throws(() => n.result(), (e: unknown) => e instanceof NegotiationError && e.key === "FirstBurstLength");
});

test("Negotiation: records() lists every key with offer, answer, result, proposer and rule, in order", () => {
  const n = normal();
  n.offer("operational");
  n.receive([["TargetPortalGroupTag", "1"], ["HeaderDigest", "None"], ["MaxBurstLength", "262144"], ["DefaultTime2Wait", "3"]]);
  const recs = n.records();
  assert.deepEqual(recs.map((r) => `${r.proposer}:${r.key}`), [
    "initiator:InitiatorName", "initiator:TargetName", "initiator:SessionType", "initiator:HeaderDigest", "initiator:DataDigest",
    "initiator:InitialR2T", "initiator:MaxRecvDataSegmentLength", "initiator:MaxBurstLength", "initiator:FirstBurstLength",
    "initiator:DefaultTime2Retain", "target:TargetPortalGroupTag", "target:DefaultTime2Wait",
  ]);
  assert.deepEqual(recs.find((r) => r.key === "MaxBurstLength"), {
    key: "MaxBurstLength", offered: "16776192", answered: "262144", result: "262144", proposer: "initiator", rule: "Min", stage: "operational",
  });
  assert.deepEqual(recs.find((r) => r.key === "DefaultTime2Wait"), {
    key: "DefaultTime2Wait", offered: "3", answered: "3", result: "3", proposer: "target", rule: "Max", stage: "operational",
  });
  recs[0].offered = "changed";
  assert.equal(n.records()[0].offered, I, "records are copies");
});
