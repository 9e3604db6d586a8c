/**
 * The iscsiscope command as a user runs it (the built bin, as a child process), against a
 * private tgtd and, for faults tgtd cannot produce, the scripted in-process target. Bad input
 * must give one clear line on stderr, a non-zero exit, and the right reason on the bus.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../src/cli/peers/run.js";
import { freePort } from "../../src/cli/peers/ports.js";
import { DEFAULT_TARGET_NAME, FakeTarget } from "../helpers/fake-target.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { BINS, runBin, type Out } from "../helpers/cli.js";

const BIN = BINS.iscsiscope;
const IQN = "iqn.2026-11.io.iscsiscope.test:cli";
const CHAP_IQN = "iqn.2026-11.io.iscsiscope.test:cli-chap";
const SECRET = "cli-secret-never-shown-77";
let tgtd: Tgtd;
let dir: string;

function iscsiscope(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Out> {
  return runBin(BIN, args, env);
}


/** One line on stderr, a non-zero exit, no stack trace. */
function oneLine(o: Out, pattern: RegExp, code?: number): void {
  const lines = o.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${o.stderr}`);
  assert.match(lines[0], /^iscsiscope: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(o.stderr, /\n\s+at /, "no stack trace");
  if (code !== undefined) assert.equal(o.code, code);
  else assert.notEqual(o.code, 0);
}

/** The conn:disconnect reasons in an NDJSON trace. */
function disconnectReasons(file: string): string[] {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { probe: string; args: { reason?: string } })
    .filter((e) => e.probe.endsWith(":conn:disconnect")).map((e) => e.args.reason ?? "");
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsiscope-cli-"));
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: IQN, luns: [{ size: "32M" }] });
  await tgtd.addTarget({ iqn: CHAP_IQN, luns: [{ size: "16M" }], chap: { user: "cli-user", secret: SECRET } });
});

after(async () => {
  await tgtd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("iscsiscope discover prints portal,tpgt target lines, the same targets iscsi-ls finds", async () => {
  const ours = await iscsiscope(["discover", `127.0.0.1:${tgtd.port}`]);
  assert.equal(ours.code, 0, ours.stderr);
  const ls = await run("iscsi-ls", [`iscsi://127.0.0.1:${tgtd.port}`]);
  const want = ls.stdout.trim().split("\n").map((l) => l.replace(/^Target:(\S+) Portal:(\S+)$/, "$2 $1")).sort();
  assert.deepEqual(ours.stdout.trim().split("\n").sort(), want);
  const json = await iscsiscope(["discover", `127.0.0.1:${tgtd.port}`, "--json"]);
  assert.deepEqual((JSON.parse(json.stdout) as Array<{ target: string }>).map((t) => t.target).sort(), [IQN, CHAP_IQN].sort());
});

test("iscsiscope luns and inq show the LUN inventory, INQUIRY data and VPD pages; --json parses", async () => {
  const luns = await iscsiscope(["luns", `iscsi://127.0.0.1:${tgtd.port}/${IQN}`]);
  assert.equal(luns.code, 0, luns.stderr);
  assert.match(luns.stdout, /^\s*1\s+Direct access block device\s+IET\s+VIRTUAL-DISK\s+\S+\s+32\.0 MiB \(65536 x 512\)$/m);
  const inq = await iscsiscope(["inq", `iscsi://127.0.0.1:${tgtd.port}/${IQN}/1`]);
  assert.match(inq.stdout, /^Vendor:\s+IET$/m);
  assert.match(inq.stdout, /^Product:\s+VIRTUAL-DISK$/m);
  const vpd = await iscsiscope(["inq", `iscsi://127.0.0.1:${tgtd.port}/${IQN}/1`, "--page", "0x83", "--json"]);
  const page = JSON.parse(vpd.stdout) as { designators: Array<{ designatorTypeName: string }> };
  assert.ok(page.designators.some((d) => d.designatorTypeName === "NAA"));
});

test("iscsiscope bench --verify writes and reads back with no mismatch; --trace writes every probe as NDJSON", async () => {
  const trace = join(dir, "bench.ndjson");
  const o = await iscsiscope(["bench", `iscsi://127.0.0.1:${tgtd.port}/${IQN}/1`, "--rw", "randrw", "--bs", "8k", "--qd", "8", "--time", "2", "--verify", "--json", "--trace", trace]);
  assert.equal(o.code, 0, o.stderr);
  const r = JSON.parse(o.stdout) as { read: { ios: number }; write: { ios: number }; errors: number; verifyMismatches: number };
  assert.ok(r.read.ios > 100 && r.write.ios > 100, o.stdout);
  assert.equal(r.errors, 0);
  assert.equal(r.verifyMismatches, 0);
  const lines = readFileSync(trace, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { probe: string; t: number });
  const probes = new Set(lines.map((l) => l.probe));
  for (const p of ["iscsi:initiator:conn:state-change", "iscsi:initiator:login:key", "iscsi:initiator:pdu:scsi-command", "iscsi:initiator:task:done", "iscsi:initiator:conn:disconnect"]) {
    assert.ok(probes.has(p), `${p} in the trace`);
  }
  assert.deepEqual(disconnectReasons(trace), ["user-logout"]);
});

test("iscsiscope with CHAP from a 0600 secrets file logs in; the secret is in no output and no trace", async () => {
  const secrets = join(dir, "secrets");
  writeFileSync(secrets, `[${CHAP_IQN}]\nchap.user = cli-user\nchap.secret = ${SECRET}\n`);
  chmodSync(secrets, 0o644);
  const loose = await iscsiscope(["luns", `iscsi://127.0.0.1:${tgtd.port}/${CHAP_IQN}`, "--secrets", secrets]);
  oneLine(loose, /mode 644 lets others read the secrets; chmod 600/, 1);
  chmodSync(secrets, 0o600);
  const trace = join(dir, "chap.ndjson");
  const o = await iscsiscope(["luns", `iscsi://127.0.0.1:${tgtd.port}/${CHAP_IQN}`, "--secrets", secrets, "--trace", trace, "--json"]);
  assert.equal(o.code, 0, o.stderr);
  const all = o.stdout + o.stderr + readFileSync(trace, "utf8");
  assert.ok(!all.includes(SECRET), "the secret appears nowhere");
  assert.match(readFileSync(trace, "utf8"), /CHAP_R=<redacted>|"CHAP_R","offered":"<redacted>"|<redacted>/);
  const env = await iscsiscope(["luns", `iscsi://cli-user@127.0.0.1:${tgtd.port}/${CHAP_IQN}`], { ISCSISCOPE_CHAP_SECRET: SECRET });
  assert.equal(env.code, 0, env.stderr);
});

test("iscsiscope bad input: a secret in the URL, a bad option, a bad URL, a bad size — one line each", async () => {
  oneLine(await iscsiscope(["luns", `iscsi://u%${SECRET}@127.0.0.1/${IQN}`]), /secret in the URL would show in process listings/, 2);
  oneLine(await iscsiscope(["bench", `iscsi://127.0.0.1/${IQN}/1`, "--frobnicate"]), /Unknown option '--frobnicate'.*valid options:/, 2);
  oneLine(await iscsiscope(["inq", "http://127.0.0.1/x"]), /is not an iSCSI URL/, 2);
  oneLine(await iscsiscope(["bench", `iscsi://127.0.0.1/${IQN}/1`, "--bs", "lots"]), /--bs must be a size/, 2);
  oneLine(await iscsiscope(["frob"]), /unknown command 'frob'; valid commands: discover, inq, luns, bench, demo/, 2);
});

test("iscsiscope against a refused port and an unreachable portal: one line, exit 1, connect-failed on the bus", async () => {
  const port = await freePort();
  const trace = join(dir, "refused.ndjson");
  oneLine(await iscsiscope(["luns", `iscsi://127.0.0.1:${port}/${IQN}`, "--trace", trace]), /connect to 127\.0\.0\.1:\d+ failed: ECONNREFUSED/, 1);
  assert.deepEqual(disconnectReasons(trace), ["connect-failed"]);
  const t2 = join(dir, "unreachable.ndjson");
  const o = await iscsiscope(["luns", `iscsi://192.0.2.1:3260/${IQN}`, "--timeout", "1", "--trace", t2]);
  oneLine(o, /connect to 192\.0\.2\.1:3260 (timed out|failed)/, 1);
  assert.ok(["connect-timeout", "connect-failed"].includes(disconnectReasons(t2)[0]));
});

test("iscsiscope with a wrong IQN: tgtd's 0x0203 Target not found, login-failed on the bus", async () => {
  const trace = join(dir, "wrong-iqn.ndjson");
  oneLine(await iscsiscope(["luns", `iscsi://127.0.0.1:${tgtd.port}/iqn.2026-11.io.iscsiscope.test:nope`, "--trace", trace]), /login failed: 0x0203 Target not found/, 1);
  assert.deepEqual(disconnectReasons(trace), ["login-failed"]);
});

test("iscsiscope against the fake target closing during login, and a peer sending garbage: one line, the reason on the bus", async () => {
  const target = await FakeTarget.start();
  try {
    target.closeDuringLogin("fin");
    const trace = join(dir, "closed.ndjson");
    oneLine(await iscsiscope(["luns", `iscsi://127.0.0.1:${target.port}/${DEFAULT_TARGET_NAME}`, "--trace", trace]), /closed/, 1);
    assert.deepEqual(disconnectReasons(trace), ["target-closed"]);
  } finally {
    await target.stop();
  }
  const garbage: Server = createServer((sock) => { sock.on("data", () => sock.write(Buffer.alloc(64, 0x3b))); });
  await new Promise<void>((res) => garbage.listen(0, "127.0.0.1", () => res()));
  try {
    const port = (garbage.address() as { port: number }).port;
    const trace = join(dir, "garbage.ndjson");
    oneLine(await iscsiscope(["luns", `iscsi://127.0.0.1:${port}/${IQN}`, "--trace", trace]), /unknown opcode 0x3b/, 1);
    assert.deepEqual(disconnectReasons(trace), ["protocol-error"]);
  } finally {
    garbage.close();
  }
});

test("iscsiscope demo without a terminal (README's main command): the daemon's sessions, iscsistat reports with the workload's rates, the drop and the recovery as they happen, the recording's report", async () => {
  const o = await iscsiscope(["demo", "--time", "9"]);
  assert.equal(o.code, 0, o.stderr);
  assert.match(o.stdout, /the daemon on .*control\.sock holds these sessions/);
  assert.match(o.stdout, /Negotiated iSCSI params:\n\t\tHeaderDigest: None/);
  const reports = o.stdout.split("extended device statistics").slice(1);
  assert.ok(reports.length >= 7, `a report a second (${reports.length})`);
  const rps = (target: string) => reports.map((r) => Number(new RegExp(`^ +([\\d.]+) .*${target} \\(`, "m").exec(r)?.[1] ?? NaN));
  // Paced at 300 and 150 I/Os a second, 7 in 10 reads: about 210 and 105 reads a second when nothing is in the way.
  assert.ok(rps("demo-b").slice(1).some((x) => Math.abs(x - 105) < 15), `demo-b's reads per second: ${rps("demo-b")}`);
  assert.ok(rps("demo-a").some((x) => Math.abs(x - 210) < 30), `demo-a's reads per second: ${rps("demo-a")}`);
  for (const label of [/s1 {2}conn 0 LOGGED_IN -> CLEANUP_WAIT \(T15\)/, /s1 {2}session LOGGED_IN -> FAILED \(N5\)/, /s1 {2}session FAILED -> LOGGED_IN \(N4\)/,
    /s1 {2}(target-closed|connection-reset): /]) assert.match(o.stdout, label);
  assert.match(o.stdout, /Disconnects by reason\nREASON +COUNT/);
  assert.match(o.stdout, /\n(target-closed|connection-reset) +1 /);
  assert.match(o.stdout, /Workload: iqn\.2026-11\.io\.iscsiscope:demo-a: \d+ reads, \d+ writes, 0 errors; iqn\.2026-11\.io\.iscsiscope:demo-b: \d+ reads, \d+ writes, 0 errors\./);
});
