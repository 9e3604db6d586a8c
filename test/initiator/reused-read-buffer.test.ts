/**
 * The TCP transport hands received bytes up in one reused read buffer. Everything above it
 * must copy what it keeps past the synchronous call. This test delivers every chunk through
 * a single buffer that is scribbled over as soon as the call returns — worse than the real
 * transport — against the scripted in-process target (fake target), and checks discovery
 * with a continued answer, a continued login, and read data all come out intact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Initiator } from "../../src/initiator/initiator.js";
import type { Transport, TransportHandlers } from "../../src/initiator/transport.js";
import { DEFAULT_TARGET_NAME, FakeTarget } from "../helpers/fake-target.js";

/** Wrap a transport: every chunk goes up through one buffer, overwritten right after. */
function scribbling(inner: Transport): Transport {
  const shared = new Uint8Array(1 << 20);
  return {
    connect: (host, port, timeoutMs, on: TransportHandlers) => inner.connect(host, port, timeoutMs, {
      data(chunk) {
        // Deliver in pieces of at most 700 bytes, each through the same bytes of `shared`.
        for (let o = 0; o < chunk.length; o += 700) {
          const piece = chunk.subarray(o, Math.min(o + 700, chunk.length));
          shared.set(piece);
          on.data(shared.subarray(0, piece.length));
          shared.fill(0xee, 0, piece.length);
        }
      },
      end: (how) => on.end(how),
    }),
    write: (parts) => inner.write(parts),
    get writable() {
      return inner.writable;
    },
    close: () => inner.close(),
    destroy: () => inner.destroy(),
  };
}

test("fake target: with the read buffer reused after every call, discovery, login and reads are intact", async (t) => {
  const names = Array.from({ length: 30 }, (_, i) => `iqn.2026-11.io.iscsiscope.test:reuse-${i}-${"x".repeat(40)}`);
  const target = new FakeTarget({ targets: [{ name: DEFAULT_TARGET_NAME }, ...names.map((name) => ({ name }))], textChunk: 300 });
  t.after(() => target.stop());
  const ini = new Initiator({ transport: () => scribbling(target.transport()) });
  t.after(() => ini.close());
  const found = await ini.discover("127.0.0.1:3260");
  assert.deepEqual(found.map((x) => x.targetName), [DEFAULT_TARGET_NAME, ...names]);
  const s = await ini.login({ targetName: DEFAULT_TARGET_NAME, portals: [{ host: "127.0.0.1", port: 3260 }], params: { MaxRecvDataSegmentLength: 4096 } });
  const data = randomBytes(256 * 1024);
  await s.write(1, 100, data);
  const back = await s.read(1, 100, data.length / 512);
  assert.ok(Buffer.from(back).equals(data), "256 KiB read back through Data-In of 4 KiB, each through the scribbled buffer");
  const small = await Promise.all([0, 8, 16, 24].map((lba) => s.read(1, 100 + lba, 8)));
  small.forEach((b, i) => assert.ok(Buffer.from(b).equals(data.subarray(i * 4096, i * 4096 + 4096)), `read ${i} intact after later reads`));
  await s.logout();
});
