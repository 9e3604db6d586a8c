/**
 * Data placement against tgtd: a large Data-In is read straight into the command's buffer
 * (the caller's `into`), as libiscsi reads into the task's iovecs, and the data is intact,
 * with digests off and on. The transport is the real TCP one, watched from outside.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { Initiator } from "../../src/initiator/initiator.js";
import { TcpTransport, type Transport } from "../../src/initiator/transport.js";
import { read10Cdb } from "../../src/scsi/index.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";

const PLAIN = "iqn.2026-11.io.iscsiscope.test:placement";
const DIGEST = "iqn.2026-11.io.iscsiscope.test:placement-digest";
let tgtd: Tgtd;

before(async () => {
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: PLAIN, luns: [{ size: "16M" }] });
  await tgtd.addTarget({ iqn: DIGEST, luns: [{ size: "16M" }], params: { HeaderDigest: "CRC32C", DataDigest: "CRC32C" } });
});

after(async () => {
  await tgtd?.stop();
});

for (const [iqn, digest] of [[PLAIN, "None"], [DIGEST, "CRC32C"]] as const) {
  test(`tgtd: 4 MiB reads land in the caller's buffer as they are read, HeaderDigest/DataDigest ${digest}`, async (t) => {
    let into = new Uint8Array(0);
    let direct = 0;
    let total = 0;
    const watched = (): Transport => {
      const tcp = new TcpTransport();
      return {
        connect: (host, port, ms, on) => tcp.connect(host, port, ms, {
          ...on,
          data(chunk) {
            total += chunk.length;
            if (chunk.buffer === into.buffer) direct += chunk.length;
            on.data(chunk);
          },
        }),
        write: (parts) => tcp.write(parts),
        get writable() {
          return tcp.writable;
        },
        close: () => tcp.close(),
        destroy: () => tcp.destroy(),
      };
    };
    const ini = new Initiator({ transport: watched });
    t.after(() => ini.close());
    const s = await ini.login({
      targetName: iqn, portals: [{ host: "127.0.0.1", port: tgtd.port }],
      params: { HeaderDigest: digest, DataDigest: digest },
    });
    assert.equal(s.params?.headerDigest, digest === "CRC32C");
    const data = randomBytes(4 << 20);
    await s.write(1, 0, data);
    for (let round = 0; round < 3; round++) {
      // The caller's buffer runs on past the read: those bytes are not the command's to write.
      into = new Uint8Array(data.length + 4096).fill(0xee, data.length);
      direct = 0;
      total = 0;
      const r = await s.scsi(1, read10Cdb(0, data.length / 512), { dir: "read", length: data.length, lba: 0n, into });
      assert.equal(r.status, 0);
      assert.equal(r.data.buffer, into.buffer, "the result is the caller's buffer");
      assert.ok(Buffer.from(into.subarray(0, data.length)).equals(data), `round ${round}: 4 MiB read back intact`);
      assert.ok(into.subarray(data.length).every((b) => b === 0xee), `round ${round}: nothing written past the read`);
      assert.ok(direct > data.length / 2, `round ${round}: ${direct} of ${total} bytes received were read straight into the buffer`);
    }
    await s.logout();
  });
}
