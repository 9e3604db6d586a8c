/**
 * Fuzz of the replay: hostile PDU streams must never throw out of it, whatever the order,
 * tags, sequence numbers, codes and closes. Two sources: synthetic flows of random PDUs with
 * fields drawn from small ranges (so tags and sequence numbers collide), and the recorded
 * fixtures with bytes of their iSCSI traffic flipped. Every run ends with the replay's
 * finish(); a failing input's seed is in the message.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CaptureError, decodeCaptureBytes } from "../../src/capture/index.js";
import { ProbeBus } from "../../src/probe/bus.js";
import { Replay } from "../../src/replay/index.js";
import { pcapFile } from "../capture/builder.js";
import { fixturePath } from "../helpers/paths.js";
import {
  asyncMsg, cmd, dataIn, dataOut, Flow, loginReq, loginRsp, logoutReq, logoutRsp, nopIn, nopOut, r2t, reject, rsp, snack, tmf, tmfRsp,
} from "./scenario.js";
import { rng } from "../helpers/rng.js";


/** A bus with a subscriber on every probe, so every probe site builds its arguments. */
function busWithEverything(): ProbeBus {
  const bus = new ProbeBus();
  bus.subscribe("iscsi:pcap::", (a) => {
    if (typeof (a as { t?: unknown }).t !== "bigint") throw new Error("a probe without a bigint t");
  });
  return bus;
}

function replayBytes(bytes: Uint8Array, ports: number[]): void {
  const bus = busWithEverything();
  const r = new Replay(bus);
  try {
    decodeCaptureBytes(bytes, (e) => r.push(e), { ports, name: "fuzz.pcap" });
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
  }
  r.finish();
  assert.deepEqual(bus.faults, [], "no probe subscriber saw a malformed argument");
}

const KEYS = ["HeaderDigest=None", "DataDigest=None", "InitialR2T=No", "ImmediateData=Yes", "FirstBurstLength=4096", "MaxBurstLength=8192",
  "SessionType=Discovery", "AuthMethod=CHAP", "CHAP_A=5", "CHAP_C=0x0102", "TargetAddress=[::1]:3261,1", "X=Y", "Bogus"];

test("fuzz: 6,000 synthetic flows of random PDUs, tags and sequence numbers colliding, random closes: the replay never throws", () => {
  const N = 6_000;
  for (let seed = 1; seed <= N; seed++) {
    const r = rng(seed);
    const n = (k: number) => Math.floor(r() * k);
    const small = () => n(6);
    const f = new Flow({ iport: 40000 + (seed % 20000) });
    if (r() < 0.9) f.handshake();
    const kv = ["InitiatorName=iqn.x:i", ...KEYS.filter(() => r() < 0.3)].join("|");
    const isid = n(3);
    if (r() < 0.85) f.send("i", loginReq({ isid, tsih: r() < 0.1 ? 5 : 0, kv, transit: r() < 0.8, csg: n(2), nsg: r() < 0.8 ? 3 : 1 }));
    if (r() < 0.8) f.send("t", loginRsp({ isid, status: r() < 0.15 ? pickStatus(r) : 0, transit: r() < 0.85, kv: KEYS.filter(() => r() < 0.2).join("|") || "TargetPortalGroupTag=1" }));
    for (let i = 0; i < 25; i++) {
      const which = n(18);
      const sn = small();
      switch (which) {
        case 0: f.send("i", cmd({ itt: small(), cmdSN: sn, write: r() < 0.4, lba: n(1 << 20), blocks: n(20), data: r() < 0.2 ? new Uint8Array(n(600)) : undefined })); break;
        case 1: f.send("t", dataIn({ itt: small(), dataSN: small(), offset: n(10000), length: n(3000), statSN: r() < 0.5 ? sn : undefined, expCmdSN: small() })); break;
        case 2: f.send("t", rsp({ itt: small(), statSN: sn, expCmdSN: small(), maxCmdSN: r() < 0.2 ? 0 : undefined, sense: r() < 0.3 ? [n(16), n(256), n(256)] : undefined })); break;
        case 3: f.send("t", r2t({ itt: small(), ttt: small(), r2tSN: small(), offset: n(10000), length: n(10000), expCmdSN: small(), statSN: sn })); break;
        case 4: f.send("i", dataOut({ itt: small(), ttt: small(), dataSN: small(), offset: n(10000), length: n(2000), final: r() < 0.5 })); break;
        case 5: f.send("i", nopOut({ itt: r() < 0.5 ? small() : undefined, ttt: r() < 0.5 ? small() : undefined, cmdSN: sn })); break;
        case 6: f.send("t", nopIn({ itt: r() < 0.5 ? small() : undefined, ttt: r() < 0.5 ? small() : undefined, statSN: sn, expCmdSN: small() })); break;
        case 7: f.send("i", tmf({ itt: small(), fn: n(14), ref: small(), cmdSN: sn })); break;
        case 8: f.send("t", tmfRsp({ itt: small(), response: pickTmf(r), statSN: sn, expCmdSN: small() })); break;
        case 9: f.send("i", logoutReq({ itt: small(), cmdSN: sn, reason: n(4) })); break;
        case 10: f.send("t", logoutRsp({ itt: small(), statSN: sn, expCmdSN: small(), response: n(4) })); break;
        case 11: f.send("t", asyncMsg({ event: pickAsync(r), statSN: sn, expCmdSN: small(), p1: n(3), p2: n(5), p3: n(30) })); break;
        case 12: f.send("t", reject({ reason: n(14), statSN: sn, expCmdSN: small(), rejected: cmd({ itt: small(), cmdSN: sn }) })); break;
        case 13: f.send("i", snack({ itt: small(), begRun: small(), runLength: small() })); break;
        case 14: f.send("i", loginReq({ isid, kv: "", itt: small() })); break;
        case 15: f.send("t", loginRsp({ isid, itt: small(), status: r() < 0.5 ? pickStatus(r) : 0 })); break;
        case 16: f.next[r() < 0.5 ? "i" : "t"] += 1 + n(3000); break; // bytes the capture lost
        default: f.send(r() < 0.5 ? "i" : "t", loginRsp({ isid: n(5), transit: false, kv: "" })); break;
      }
    }
    if (r() < 0.5) f[r() < 0.5 ? "fin" : "rst"](r() < 0.5 ? "i" : "t");
    try {
      replayBytes(pcapFile(f.recs), [3260]);
    } catch (e) {
      assert.fail(`seed ${seed}: ${(e as Error).stack}`);
    }
  }
});

function pickStatus(r: () => number): number {
  return [0x0101, 0x0102, 0x0201, 0x0202, 0x0203, 0x0300, 0x0301, 0x0ff, 0xffff][Math.floor(r() * 9)];
}
function pickTmf(r: () => number): number {
  return [0, 1, 2, 5, 255, 7][Math.floor(r() * 6)];
}
function pickAsync(r: () => number): number {
  return [0, 1, 2, 3, 4, 5, 255][Math.floor(r() * 7)];
}

test("fuzz: the recorded fixtures with bytes of their traffic flipped (3,200 inputs): the replay never throws", () => {
  const index = JSON.parse(readFileSync(fixturePath("pcap", "index.json"), "utf8")) as { fixtures: Record<string, { file: string; port: number }> };
  let inputs = 0;
  for (const [name, f] of Object.entries(index.fixtures)) {
    const orig = new Uint8Array(readFileSync(fixturePath("pcap", f.file)));
    for (let k = 0; k < 200; k++) {
      const r = rng(inputs * 7919 + 17);
      const b = orig.slice();
      const flips = 1 + Math.floor(r() * 8);
      for (let i = 0; i < flips; i++) {
        // Past the file header and most link/IP/TCP headers: mostly iSCSI bytes.
        const at = 100 + Math.floor(r() * (b.length - 100));
        b[at] = r() < 0.5 ? b[at] ^ (1 << Math.floor(r() * 8)) : Math.floor(r() * 256);
      }
      try {
        replayBytes(b, [f.port]);
      } catch (e) {
        assert.fail(`${name} input ${k}: ${(e as Error).stack}`);
      }
      inputs++;
    }
  }
  assert.ok(inputs >= 3200);
});
