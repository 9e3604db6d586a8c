/**
 * Cross-check with a real initiator: libiscsi's tools (package libiscsi-bin) log in to the
 * fake target over TCP and print what it serves. If they can, the fake target speaks real
 * iSCSI, not just our own codec's idea of it. Registered by test/helpers/fake-target.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { FakeTarget } from "../fake-target.js";

const INSTALL = "libiscsi tools missing: install them with `apt-get install libiscsi-bin` (.ci/run does)";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a tool with a deadline; on timeout Node kills that child by its pid (SIGKILL). */
function run(cmd: string, args: string[], timeoutMs = 8000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
      if (e?.code === "ENOENT") return reject(new Error(`${cmd}: ${INSTALL}`));
      if (e?.killed) return reject(new Error(`${cmd} ${args.join(" ")} did not finish within ${timeoutMs} ms: killed`));
      resolve({ code: e ? (typeof e.code === "number" ? e.code : 1) : 0, stdout, stderr });
    });
  });
}

const DISK = "iqn.2003-01.org.iscsiscope:libiscsi-disk";
const TAPE = "iqn.2003-01.org.iscsiscope:libiscsi-other";

async function started(t: { after(fn: () => unknown): void }, opts: ConstructorParameters<typeof FakeTarget>[0]) {
  const target = await FakeTarget.start(opts);
  t.after(() => {
    assert.deepEqual(target.internalErrors, []);
    assert.equal(target.log.events("protocol-error").length, 0, target.log.toString());
    return target.stop();
  });
  return target;
}

export function registerLibiscsiTests(): void {
  test("fake target serves real iSCSI: iscsi-inq over TCP prints the fake target's INQUIRY data", async (t) => {
    const target = await started(t, { targets: [{ name: DISK, luns: [0, { lun: 1, product: "LUN-ONE" }] }] });
    const r = await run("iscsi-inq", [`iscsi://127.0.0.1:${target.port}/${DISK}/1`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Peripheral Device Type:DIRECT_ACCESS$/m);
    assert.match(r.stdout, /^Vendor:ISCSISCP$/m);
    assert.match(r.stdout, /^Product:LUN-ONE\s*$/m);
    assert.equal(target.log.received("scsi-command").at(-1)?.cdb[0], 0x12);
  });

  test("fake target serves real iSCSI: iscsi-ls -s lists its targets, portal and LUNs through discovery", async (t) => {
    // iscsi-ls prints RETURNED LOGICAL BLOCK ADDRESS x block length, rounded down: one block
    // more than 2 GiB prints as 2G, so the line shows the capacity READ CAPACITY(16) returned.
    const blocks = 2 * 1024 * 2048 + 1;
    const target = await started(t, { targets: [{ name: DISK, luns: [0, { lun: 1, blocks }] }, { name: TAPE, luns: [5] }] });
    const r = await run("iscsi-ls", ["-s", `iscsi://127.0.0.1:${target.port}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(`Target:${DISK} Portal:127.0.0.1:${target.port},1`), r.stdout);
    assert.ok(r.stdout.includes(`Target:${TAPE} Portal:127.0.0.1:${target.port},1`), r.stdout);
    assert.match(r.stdout, /^Lun:0\s+Type:DIRECT_ACCESS \(Size:\d+M\)$/m);
    assert.match(r.stdout, /^Lun:1\s+Type:DIRECT_ACCESS \(Size:2G\)$/m);
    assert.match(r.stdout, /^Lun:5\s+Type:DIRECT_ACCESS/m);
    assert.ok(target.log.sent("text-response").length >= 1, "SendTargets answered");
  });

  test("fake target serves real iSCSI: libiscsi logs in with mutual CHAP and CRC32C header digests", async (t) => {
    const chap = { accounts: [{ user: "alice", secret: "alice-secret-12" }], target: { user: "tgt", secret: "target-secret-1" } };
    const target = await started(t, { params: { HeaderDigest: "CRC32C" }, targets: [{ name: DISK, chap }] });
    const url = `iscsi://alice%alice-secret-12@127.0.0.1:${target.port}/${DISK}/0?target_user=tgt&target_password=target-secret-1`;
    const r = await run("iscsi-readcapacity16", [url]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Total size:67108864$/m);
    assert.equal(target.connections[0].params.headerDigest, true);
    const wrong = await run("iscsi-readcapacity16", [url.replace("alice-secret-12", "wrong-secret-12")]);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /Authentication failure/);
  });
}
