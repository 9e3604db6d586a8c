import { test } from "node:test";
import assert from "node:assert/strict";
import { KEYS, isExtensionKey, isIrrelevant, isSpecialAnswer, keyDef, MAX_DATA_LENGTH } from "../../src/login/keys.js";

/**
 * Written out by hand from RFC 7143 §12 and §13 (and RFC 3720 §12 for the obsolete marker
 * keys), not from keys.ts: [type, default, min, max, result, use, scope, irrelevant in
 * Discovery sessions].
 */
const RFC: Record<string, [string, string | undefined, number | undefined, number | undefined, string, string, string, boolean]> = {
  HeaderDigest: ["list", "None", undefined, undefined, "List", "IO", "CO", false], // §13.1
  DataDigest: ["list", "None", undefined, undefined, "List", "IO", "CO", false], // §13.1
  MaxConnections: ["numeric", "1", 1, 65535, "Min", "LO", "SW", true], // §13.2
  SendTargets: ["declarative", undefined, undefined, undefined, "Declarative", "FFPO", "SW", false], // §13.3
  TargetName: ["declarative", undefined, undefined, undefined, "Declarative", "IO", "SW", false], // §13.4
  InitiatorName: ["declarative", undefined, undefined, undefined, "Declarative", "IO", "SW", false], // §13.5
  TargetAlias: ["declarative", undefined, undefined, undefined, "Declarative", "ALL", "SW", false], // §13.6
  InitiatorAlias: ["declarative", undefined, undefined, undefined, "Declarative", "ALL", "SW", false], // §13.7
  TargetAddress: ["declarative", undefined, undefined, undefined, "Declarative", "ALL", "SW", false], // §13.8
  TargetPortalGroupTag: ["numeric", undefined, 0, 65535, "Declarative", "IO", "SW", false], // §13.9
  InitialR2T: ["boolean", "Yes", undefined, undefined, "Or", "LO", "SW", true], // §13.10
  ImmediateData: ["boolean", "Yes", undefined, undefined, "And", "LO", "SW", true], // §13.11
  MaxRecvDataSegmentLength: ["numeric", "8192", 512, 2 ** 24 - 1, "Declarative", "ALL", "CO", false], // §13.12
  MaxBurstLength: ["numeric", "262144", 512, 2 ** 24 - 1, "Min", "LO", "SW", true], // §13.13
  FirstBurstLength: ["numeric", "65536", 512, 2 ** 24 - 1, "Min", "LO", "SW", true], // §13.14
  DefaultTime2Wait: ["numeric", "2", 0, 3600, "Max", "LO", "SW", false], // §13.15
  DefaultTime2Retain: ["numeric", "20", 0, 3600, "Min", "LO", "SW", false], // §13.16
  MaxOutstandingR2T: ["numeric", "1", 1, 65535, "Min", "LO", "SW", true], // §13.17
  DataPDUInOrder: ["boolean", "Yes", undefined, undefined, "Or", "LO", "SW", true], // §13.18
  DataSequenceInOrder: ["boolean", "Yes", undefined, undefined, "Or", "LO", "SW", true], // §13.19
  ErrorRecoveryLevel: ["numeric", "0", 0, 2, "Min", "LO", "SW", false], // §13.20
  SessionType: ["declarative", "Normal", undefined, undefined, "Declarative", "LO", "SW", false], // §13.21
  TaskReporting: ["list", "RFC3720", undefined, undefined, "List", "LO", "SW", true], // §13.23
  iSCSIProtocolLevel: ["numeric", "1", 0, 31, "Min", "LO", "SW", true], // §13.24
  OFMarker: ["boolean", "No", undefined, undefined, "And", "IO", "CO", false], // RFC 3720 §A.3.1, obsolete §13.25
  IFMarker: ["boolean", "No", undefined, undefined, "And", "IO", "CO", false],
  OFMarkInt: ["numeric", "2048", 1, 65535, "None", "IO", "CO", false], // RFC 3720 §A.3.2, obsolete
  IFMarkInt: ["numeric", "2048", 1, 65535, "None", "IO", "CO", false],
  AuthMethod: ["list", "None", undefined, undefined, "List", "SEC", "CO", false], // §12
  CHAP_A: ["list", undefined, undefined, undefined, "List", "SEC", "CO", false], // §12.1.3
  CHAP_I: ["numeric", undefined, 0, 255, "None", "SEC", "CO", false],
  CHAP_C: ["string", undefined, undefined, undefined, "None", "SEC", "CO", false],
  CHAP_N: ["string", undefined, undefined, undefined, "None", "SEC", "CO", false],
  CHAP_R: ["string", undefined, undefined, undefined, "None", "SEC", "CO", false],
};

const discovery = (k: string) => (k === "SessionType" ? "Discovery" : undefined);

for (const [name, [type, dflt, min, max, result, use, scope, irrelevantInDiscovery]] of Object.entries(RFC)) {
  test(`keys: ${name} has the RFC's type, default, range, result function, use and scope`, () => {
    const def = keyDef(name);
    assert.ok(def, `${name} is in the table`);
    assert.equal(def.type, type);
    assert.equal(def.default, dflt);
    assert.equal(def.min, min);
    assert.equal(def.max, max);
    assert.equal(def.result, result);
    assert.equal(def.use, use);
    assert.equal(def.scope, scope);
    assert.equal(isIrrelevant(def, discovery), irrelevantInDiscovery, "irrelevant when SessionType=Discovery");
  });
}

test("keys: the table holds exactly the RFC keys above plus X#NodeArchitecture, each once", () => {
  const names = KEYS.map((k) => k.name);
  assert.equal(new Set(names).size, names.length, "no key twice");
  assert.deepEqual([...names].sort(), [...Object.keys(RFC), "X#NodeArchitecture"].sort());
});

test("keys: numeric defaults lie inside their range", () => {
  for (const def of KEYS.filter((k) => k.type === "numeric" && k.default !== undefined)) {
    const n = Number(def.default);
    assert.ok(n >= def.min! && n <= def.max!, `${def.name}=${def.default} in ${def.min}..${def.max}`);
  }
});

test("keys: list defaults are among their values; digests are CRC32C or None", () => {
  for (const def of KEYS.filter((k) => k.type === "list" && k.default !== undefined)) {
    assert.ok(def.values?.includes(def.default!), def.name);
  }
  assert.deepEqual(keyDef("HeaderDigest")!.values, ["CRC32C", "None"]);
  assert.deepEqual(keyDef("TaskReporting")!.values, ["RFC3720", "ResponseFence", "FastAbort"]);
});

test("keys: MAX_DATA_LENGTH is 2**24-1", () => {
  assert.equal(MAX_DATA_LENGTH, 16777215);
});

test("keys: FirstBurstLength is irrelevant when InitialR2T=Yes and ImmediateData=No, not otherwise", () => {
  const fbl = keyDef("FirstBurstLength")!;
  const ctx = (r2t: string, imm: string) => (k: string) => ({ SessionType: "Normal", InitialR2T: r2t, ImmediateData: imm })[k];
  assert.equal(isIrrelevant(fbl, ctx("Yes", "No")), true);
  assert.equal(isIrrelevant(fbl, ctx("Yes", "Yes")), false);
  assert.equal(isIrrelevant(fbl, ctx("No", "No")), false);
  assert.equal(isIrrelevant(fbl, ctx("No", "Yes")), false);
});

test("keys: digests, MaxRecvDataSegmentLength, DefaultTime2Wait/Retain and ErrorRecoveryLevel stay relevant in Discovery", () => {
  for (const k of ["HeaderDigest", "DataDigest", "MaxRecvDataSegmentLength", "DefaultTime2Wait", "DefaultTime2Retain", "ErrorRecoveryLevel"]) {
    assert.equal(isIrrelevant(keyDef(k)!, discovery), false, k);
  }
});

test("keys: obsolete marker keys are flagged, TaskReporting and iSCSIProtocolLevel are new in RFC 7143", () => {
  assert.deepEqual(KEYS.filter((k) => "obsolete" in k && k.obsolete).map((k) => k.name), ["OFMarker", "IFMarker", "OFMarkInt", "IFMarkInt"]);
  assert.deepEqual(KEYS.filter((k) => "since7143" in k && k.since7143).map((k) => k.name).sort(), ["TaskReporting", "iSCSIProtocolLevel"]);
});

test("keys: who may send a key during login", () => {
  for (const k of ["InitiatorName", "InitiatorAlias", "SessionType", "TargetName", "SendTargets"]) assert.equal(keyDef(k)!.sender, "initiator", k);
  for (const k of ["TargetAlias", "TargetAddress", "TargetPortalGroupTag"]) assert.equal(keyDef(k)!.sender, "target", k);
  assert.equal(keyDef("TargetAddress")!.repeatable, true);
});

test("keys: lookups are case-sensitive and extension keys are recognised by prefix", () => {
  assert.equal(keyDef("headerdigest"), undefined);
  assert.equal(isExtensionKey("X-com.example.Foo"), true);
  assert.equal(isExtensionKey("X#NodeArchitecture"), true);
  assert.equal(isExtensionKey("XHeader"), false);
  assert.equal(isSpecialAnswer("Irrelevant"), true);
  assert.equal(isSpecialAnswer("None"), false);
});
