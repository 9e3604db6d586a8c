/**
 * readCapture's queue between the reader and the consumer: what the consumer has taken is
 * let go at once (the PDUs' buffers can be collected while iteration goes on).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { decodeCapture, readCapture } from "../../src/capture/read-capture.js";
import { fixturePath } from "../helpers/paths.js";
import { pcapFile } from "./builder.js";
import { cat, dataIn, Flow, login } from "./pdus.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

test("readCapture: events the consumer has taken are let go while it iterates (their PDU buffers are collected)", async () => {
  const { request, response } = login();
  // 300 Data-In PDUs of 8 KiB in 1448-byte segments: each PDU is gathered into a buffer of its own.
  const pdus = [...Array(300).keys()].map((k) => dataIn({ itt: k + 1, statSN: 1, expCmdSN: 2, data: new Uint8Array(8192).fill(k & 0xff) }));
  const f = new Flow().handshake().send("i", request).send("t", response).send("t", cat(...pdus), 1448).fin("i").fin("t");
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-read-capture-"));
  try {
    const path = join(dir, "data-in.pcap");
    writeFileSync(path, pcapFile(f.recs));
    const freed = new Set<number>();
    const registry = new FinalizationRegistry((k: number) => freed.add(k));
    let k = 0;
    for await (const e of readCapture(path)) {
      if (e.type !== "pdu" || e.opcode !== 0x25) continue;
      assert.equal(e.pdu.data.length, 8192);
      registry.register(e.pdu.data.buffer, k++);
      if (k < 250) continue;
      for (let round = 0; round < 5 && freed.size < 200; round++) {
        gc();
        await turn();
      }
      const early = [...Array(200).keys()].filter((i) => freed.has(i)).length;
      assert.ok(early >= 190, `only ${early} of the first 200 taken Data-In buffers were collected`);
      break;
    }
    assert.equal(k, 250);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("onProgress: bytes used grow to the file's size, for the push reader and the iterator", async () => {
  const f = fixturePath("pcap", "tgtd-bench.pcap");
  const size = statSync(f).size;
  const seen: number[] = [];
  await decodeCapture(f, () => undefined, { ports: [38865], onProgress: (done, total) => {
    assert.equal(total, size);
    seen.push(done);
  } });
  assert.ok(seen.length > 0);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b), "never backwards");
  assert.equal(seen.at(-1), size);
  let last = 0;
  for await (const e of readCapture(f, { ports: [38865], onProgress: (done) => (last = done) })) void e;
  assert.equal(last, size);
});
