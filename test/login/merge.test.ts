import { test } from "node:test";
import assert from "node:assert/strict";
import { NegotiationError } from "../../src/errors.js";
import { keyDef } from "../../src/login/keys.js";
import { admissible, answerProposal, checkAnswer, parseNumber } from "../../src/login/merge.js";

const def = (k: string) => keyDef(k)!;

test("parseNumber() reads RFC 7143 §6.1 decimal and 0x hex constants, nothing else", () => {
  const cases: [string, number | undefined][] = [
    ["0", 0], ["262144", 262144], ["0x40000", 262144], ["0X1f", 31],
    ["", undefined], ["-1", undefined], ["1.5", undefined], [" 1", undefined], ["0x", undefined], ["1e3", undefined],
  ];
  for (const [text, n] of cases) assert.equal(parseNumber(text), n, JSON.stringify(text));
});

test("admissible() checks booleans, ranges, list values and enumerations", () => {
  assert.equal(admissible(def("InitialR2T"), "Yes"), undefined);
  assert.match(admissible(def("InitialR2T"), "true")!, /not Yes or No/);
  assert.equal(admissible(def("ErrorRecoveryLevel"), "2"), undefined);
  assert.match(admissible(def("ErrorRecoveryLevel"), "3")!, /outside 0\.\.2/);
  assert.equal(admissible(def("DataDigest"), "CRC32C,None"), undefined);
  assert.match(admissible(def("DataDigest"), "CRC32C,Adler")!, /"Adler" not defined/);
  assert.match(admissible(def("SessionType"), "Boot")!, /not one of Discovery, Normal/);
});

test("checkAnswer() applies Min, Max, Or, And and List to the target's answer", () => {
  const ok: [string, string, string, string][] = [
    ["MaxConnections", "4", "1", "1"],
    ["DefaultTime2Wait", "2", "2", "2"],
    ["DefaultTime2Retain", "0", "0", "0"],
    ["InitialR2T", "No", "Yes", "Yes"],
    ["ImmediateData", "Yes", "No", "No"],
    ["DataDigest", "None,CRC32C", "None", "None"],
  ];
  for (const [k, offered, answer, result] of ok) assert.equal(checkAnswer(def(k), offered, answer), result, k);
  const bad: [string, string, string][] = [
    ["MaxConnections", "1", "2"],
    ["DefaultTime2Retain", "0", "20"],
    ["DefaultTime2Wait", "5", "2"],
    ["DataPDUInOrder", "Yes", "No"],
    ["ImmediateData", "No", "Yes"],
    ["DataDigest", "None", "CRC32C"],
  ];
  for (const [k, offered, answer] of bad) {
    assert.throws(() => checkAnswer(def(k), offered, answer), (e: unknown) => e instanceof NegotiationError && e.key === k, k);
  }
});

test("answerProposal() answers the target's offers by result function, Reject when nothing fits", () => {
  const cases: [string, string, string, string | undefined, string | undefined][] = [
    ["HeaderDigest", "None", "CRC32C,None", "None", "None"],
    ["HeaderDigest", "CRC32C,None", "CRC32C,None", "CRC32C", "CRC32C"],
    ["HeaderDigest", "None", "CRC32C", "Reject", undefined],
    ["MaxBurstLength", "16776192", "262144", "262144", "262144"],
    ["DefaultTime2Wait", "2", "10", "10", "10"],
    ["InitialR2T", "No", "No", "No", "No"],
    ["InitialR2T", "No", "Yes", undefined, "Yes"],
    ["ImmediateData", "Yes", "Yes", "Yes", "Yes"],
    ["ImmediateData", "Yes", "No", undefined, "No"],
    ["ErrorRecoveryLevel", "0", "7", "Reject", undefined],
  ];
  for (const [k, mine, his, answer, result] of cases) {
    assert.deepEqual(answerProposal(def(k), mine, his), { answer, result }, `${k} mine=${mine} his=${his}`);
  }
});
