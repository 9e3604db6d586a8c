import { test } from "node:test";
import assert from "node:assert/strict";
import { buildMine, DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH, INITIATOR_DEFAULTS, type NegotiationOptions } from "../../src/login/options.js";

const I = "iqn.2024-01.org.iscsiscope:initiator";
const T = "iqn.2024-01.org.iscsiscope:target";
const mk = (extra: Partial<NegotiationOptions>) => buildMine({ initiatorName: I, targetName: T, ...extra });

test("INITIATOR_DEFAULTS are open-iscsi's (iscsid.conf and login.c)", () => {
  // node.session.iscsi.* in open-iscsi's iscsid.conf / idbm.c defaults; login.c always sends
  // DefaultTime2Wait, DefaultTime2Retain, ErrorRecoveryLevel=0, MaxOutstandingR2T=1,
  // MaxConnections=1, DataPDUInOrder=Yes, DataSequenceInOrder=Yes.
  assert.deepEqual({ ...INITIATOR_DEFAULTS }, {
    HeaderDigest: "None", DataDigest: "None", InitialR2T: "No", ImmediateData: "Yes",
    FirstBurstLength: "262144", MaxBurstLength: "16776192", MaxRecvDataSegmentLength: "262144",
    MaxOutstandingR2T: "1", MaxConnections: "1", DefaultTime2Wait: "2", DefaultTime2Retain: "0",
    ErrorRecoveryLevel: "0", DataPDUInOrder: "Yes", DataSequenceInOrder: "Yes",
  });
  assert.equal(DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH, 32768);
});

test("buildMine(): identity keys, AuthMethod, defaults, then settings; explicit settings remembered", () => {
  const { mine, explicit } = mk({ authMethod: "CHAP", settings: { ImmediateData: false, MaxBurstLength: 0x20000, HeaderDigest: "CRC32C,None" } });
  assert.equal(mine.get("InitiatorName"), I);
  assert.equal(mine.get("TargetName"), T);
  assert.equal(mine.get("SessionType"), "Normal");
  assert.equal(mine.get("AuthMethod"), "CHAP");
  assert.equal(mine.get("ImmediateData"), "No");
  assert.equal(mine.get("MaxBurstLength"), "131072");
  assert.equal(mine.get("FirstBurstLength"), "131072", "our default follows MaxBurstLength down");
  assert.equal(mine.get("HeaderDigest"), "CRC32C,None");
  assert.equal(mine.get("TaskReporting"), "RFC3720", "RFC default for keys we have no opinion on");
  assert.deepEqual([...explicit].sort(), ["HeaderDigest", "ImmediateData", "MaxBurstLength"]);
  const d = buildMine({ initiatorName: I, sessionType: "Discovery", targetName: T }).mine;
  assert.equal(d.get("MaxRecvDataSegmentLength"), "32768");
  assert.equal(d.has("TargetName"), false, "no TargetName in a Discovery session");
});

test("buildMine() refuses bad options before anything is sent", () => {
  assert.throws(() => buildMine({ initiatorName: I }), TypeError);
  assert.throws(() => buildMine({ initiatorName: "", sessionType: "Discovery" }), TypeError);
  assert.throws(() => mk({ settings: { ErrorRecoveryLevel: 3 } }), /ErrorRecoveryLevel: 3 is outside 0\.\.2/);
  assert.throws(() => mk({ settings: { FirstBurstLength: 65536, MaxBurstLength: 8192 } }), RangeError);
  assert.equal(mk({ settings: { MaxBurstLength: 8192 } }).mine.get("FirstBurstLength"), "8192", "our default follows MaxBurstLength down");
  assert.throws(() => mk({ settings: { HeaderDigest: "MD5" as never } }), RangeError);
  assert.throws(() => mk({ settings: { InitiatorName: "x" } as never }), TypeError);
  assert.throws(() => mk({ settings: { OFMarker: "No" } as never }), TypeError);
  assert.throws(() => mk({ authMethod: "CHAP,Magic" }), RangeError);
});
