import { test } from "node:test";
import assert from "node:assert/strict";
import { NegotiationError } from "../../src/errors.js";
import { keyDef } from "../../src/login/keys.js";
import { sessionParams } from "../../src/login/params.js";

const extra = { sessionType: "Normal" as const, targetMaxRecvDataSegmentLength: undefined, targetAddresses: [] };

test("sessionParams() of a login where nothing was negotiated is the RFC 7143 defaults", () => {
  assert.deepEqual(sessionParams((k) => keyDef(k)?.default, extra), {
    sessionType: "Normal", authMethod: "None", headerDigest: false, dataDigest: false,
    maxRecvDataSegmentLength: 8192, maxXmitDataSegmentLength: 8192, maxConnections: 1, initialR2T: true,
    immediateData: true, maxBurstLength: 262144, firstBurstLength: 65536, defaultTime2Wait: 2,
    defaultTime2Retain: 20, maxOutstandingR2T: 1, dataPDUInOrder: true, dataSequenceInOrder: true,
    errorRecoveryLevel: 0, taskReporting: "RFC3720", iSCSIProtocolLevel: 1, targetAlias: undefined,
    targetPortalGroupTag: undefined, targetAddresses: [],
  });
});

test("sessionParams() types digests, booleans and numbers", () => {
  const v: Record<string, string> = { HeaderDigest: "CRC32C", DataDigest: "None", InitialR2T: "No", MaxBurstLength: "0x100000", TargetPortalGroupTag: "7" };
  const p = sessionParams((k) => v[k] ?? keyDef(k)?.default, { ...extra, targetMaxRecvDataSegmentLength: "65536" });
  assert.equal(p.headerDigest, true);
  assert.equal(p.dataDigest, false);
  assert.equal(p.initialR2T, false);
  assert.equal(p.maxBurstLength, 1048576);
  assert.equal(p.targetPortalGroupTag, 7);
  assert.equal(p.maxXmitDataSegmentLength, 65536);
});

test("sessionParams() refuses FirstBurstLength above MaxBurstLength unless it is irrelevant", () => {
  const v: Record<string, string> = { MaxBurstLength: "8192", FirstBurstLength: "65536" };
  assert.throws(() => sessionParams((k) => v[k] ?? keyDef(k)?.default, extra), (e: unknown) => e instanceof NegotiationError && e.key === "FirstBurstLength");
  const irrelevant: Record<string, string> = { ...v, InitialR2T: "Yes", ImmediateData: "No" };
  assert.doesNotThrow(() => sessionParams((k) => irrelevant[k] ?? keyDef(k)?.default, extra));
  assert.doesNotThrow(() => sessionParams((k) => v[k] ?? keyDef(k)?.default, { ...extra, sessionType: "Discovery" }));
});
