/**
 * The daemon as an administrator runs it (the built bin, a child process) against a private
 * tgtd: it holds the configured session, answers list/login/logout, runs a paced workload on
 * its session; `iscsistat 1 3` shows the rates the test drove (within 2%), `-p` covers every
 * counter, `--json` parses; the recording holds what the bus emitted; SIGKILL during I/O
 * leaves an intact database; a real Prometheus scrapes the metrics; SIGTERM logs out.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { freePort } from "../../src/cli/peers/ports.js";
import { killAndWait, reapOnExit } from "../../src/cli/peers/reaper.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { BINS, runBin } from "../helpers/cli.js";
import { startDaemon, until } from "../helpers/daemon.js";

const BIN = BINS.iscsiscope;
const STAT = BINS.iscsistat;
const IQN = "iqn.2026-11.io.iscsiscope.test:daemon";
const IQN2 = "iqn.2026-11.io.iscsiscope.test:daemon-two";
let tgtd: Tgtd;
let dir: string;

function config(name: string, extra = ""): { file: string; socket: string; record: string } {
  const socket = join(dir, `${name}.sock`);
  const record = join(dir, `${name}.sqlite`);
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, `[daemon]\nsocket = ${socket}\nrecord = ${record}\n${extra}\n[target ${IQN}]\nportal = 127.0.0.1:${tgtd.port}\nqueue-depth = 16\n`);
  return { file, socket, record };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsiscope-daemon-"));
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: IQN, luns: [{ size: "64M" }] });
  await tgtd.addTarget({ iqn: IQN2, luns: [{ size: "16M" }] });
});

after(async () => {
  await tgtd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("daemon: holds the configured session; list -P 0..3; login, logout; iscsistat 1 3 matches a paced workload within 2%; -p and --json; SIGTERM logs out", async () => {
  const c = config("main");
  const d = await startDaemon(["--config", c.file]);
  try {
    await until("the configured session", async () => /\(logged in\)/.test((await runBin(BIN, ["list", "--socket", c.socket])).stdout));
    const list3 = (await runBin(BIN, ["list", "-P", "3", "--socket", c.socket])).stdout;
    for (const want of [`Target: ${IQN}`, "iSCSI Session State: LOGGED_IN", "Recovery Timeout: 120 s", "MaxRecvDataSegmentLength: 262144", "LUN 1: Direct access block device, IET VIRTUAL-DISK"]) {
      assert.ok(list3.includes(want), `${want} in list -P 3:\n${list3}`);
    }
    const login = await runBin(BIN, ["login", `iscsi://127.0.0.1:${tgtd.port}/${IQN2}`, "--socket", c.socket]);
    assert.match(login.stdout, /^Login to \[target: .*daemon-two, portal: 127\.0\.0\.1:\d+\] successful: session (\d+)$/m);
    const sid2 = /session (\d+)$/m.exec(login.stdout)![1];
    assert.equal((await runBin(BIN, ["list", "--json", "--socket", c.socket]).then((o) => JSON.parse(o.stdout) as unknown[])).length, 2);
    assert.match((await runBin(BIN, ["logout", sid2, "--socket", c.socket])).stdout, new RegExp(`Logout of session ${sid2} successful`));
    const sid = (JSON.parse((await runBin(BIN, ["list", "--json", "--socket", c.socket])).stdout) as Array<{ sid: number }>)[0].sid;

    const work = runBin(BIN, ["bench", "--session", String(sid), "--lun", "1", "--rw", "randrw", "--rwmix", "50", "--bs", "4k", "--qd", "8", "--time", "6", "--rate", "2000", "--socket", c.socket, "--json"]);
    await new Promise((r) => setTimeout(r, 1500));
    const stat = await runBin(STAT, ["--socket", c.socket, "--json", "1", "3"]);
    const reports = stat.stdout.trim().split("\n").map((l) => JSON.parse(l) as { report: Array<{ lun?: number; rps: number; wps: number }> });
    assert.equal(reports.length, 3);
    for (const r of reports.slice(1)) {
      const lun1 = r.report.find((x) => x.lun === 1)!;
      const total = lun1.rps + lun1.wps;
      assert.ok(Math.abs(total - 2000) / 2000 < 0.02, `r/s + w/s = ${total.toFixed(1)}, the workload is paced at 2000/s`);
    }
    const result = JSON.parse((await work).stdout) as { errors: number; read: { ios: number } };
    assert.equal(result.errors, 0);

    const p = (await runBin(STAT, ["--socket", c.socket, "-p"])).stdout;
    for (const stat of ["scsicmd_pdus", "datain_pdus", "scsirsp_pdus", "login_pdus", "digest_err", "timeout_err", "cntr_tx_bytes", "reads", "nwritten", "wlentime", "rlentime", "cmd_sn", "cntr_pkt_pending", "state"]) {
      assert.match(p, new RegExp(`^iscsi:${sid}:iscsi_[a-z_0-9]+:${stat}\\t`, "m"), `-p shows ${stat}`);
    }
    const human = (await runBin(STAT, ["--socket", c.socket, "-T", "u"])).stdout;
    assert.match(human, /^\d{10}\n\s+extended device statistics\n\s+r\/s\s+w\/s\s+kr\/s/m);
    assert.match(human, new RegExp(`${IQN} \\(127\\.0\\.0\\.1:${tgtd.port}\\) s${sid}$`, "m"));
  } finally {
    d.proc.kill("SIGTERM");
    await new Promise((r) => d.proc.once("exit", r));
  }
  assert.equal(d.proc.exitCode, 0, d.log());
  assert.match(d.log(), /stopping \(SIGTERM\): logging out of 1 session/);
  assert.ok(!existsSync(c.socket), "the socket is removed");
  assert.deepEqual((await tgtd.showTarget()).targets.flatMap((t) => t.sessions), [], "tgtd has no session left");
  const db = new Database(c.record, { readonly: true });
  assert.ok((db.prepare("select count(*) n from tasks").get() as { n: number }).n > 10_000);
  assert.ok((db.prepare("select count(*) n from snapshots").get() as { n: number }).n >= 5);
  db.close();
  const rep = await runBin(BIN, ["report", "--db", c.record]);
  assert.equal(rep.code, 0, rep.stderr);
  assert.match(rep.stdout, new RegExp(`^${IQN.replace(/\./g, "\\.")}\\s+1\\s+\\d{5,}\\s+\\d+\\s+\\d+`, "m"), `LUN 1's I/O in the report:\n${rep.stdout}`);
  assert.match(rep.stdout, /^user-logout\s+2\s/m, "both sessions logged out");
  const replay = await runBin(STAT, ["--db", c.record, "2"]);
  assert.ok((replay.stdout.match(/extended device statistics/g) ?? []).length >= 3, "iscsistat --db replays the recorded snapshots");
});

test("daemon: SIGKILL during I/O leaves a recording that passes integrity_check and misses at most the last second", async () => {
  const c = config("killed");
  const d = await startDaemon(["--config", c.file]);
  await until("the configured session", async () => /\(logged in\)/.test((await runBin(BIN, ["list", "--socket", c.socket])).stdout));
  void runBin(BIN, ["bench", "--session", "1", "--lun", "1", "--time", "10", "--socket", c.socket]);
  await new Promise((r) => setTimeout(r, 3000));
  const killedAt = BigInt(Date.now()) * 1_000_000n;
  await killAndWait(d.proc, "SIGKILL");
  const db = new Database(c.record, { readonly: true });
  db.defaultSafeIntegers(true);
  assert.equal((db.prepare("pragma integrity_check").get() as { integrity_check: string }).integrity_check, "ok");
  const last = db.prepare("select max(done_t) t from tasks").get() as { t: bigint };
  assert.ok(killedAt - last.t < 1_500_000_000n, `last task ${Number(killedAt - last.t) / 1e6} ms before the kill`);
  db.close();
  const again = await startDaemon(["--config", c.file.replace(".conf", ".conf"), "--record", join(dir, "after-kill.sqlite")]);
  assert.match(again.log(), /listening on/, "a stale socket left by SIGKILL is removed by the next daemon");
  again.proc.kill("SIGTERM");
  await new Promise((r) => again.proc.once("exit", r));
});

test("daemon: a real Prometheus server scrapes the metrics and a query returns our series", async () => {
  const port = await freePort();
  const c = config("metrics", `metrics = 127.0.0.1:${port}`);
  const d = await startDaemon(["--config", c.file]);
  const promPort = await freePort();
  const promDir = join(dir, "prom");
  writeFileSync(join(dir, "prom.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: iscsiscope\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`);
  const prom = spawn("prometheus", [`--config.file=${join(dir, "prom.yml")}`, `--storage.tsdb.path=${promDir}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: "ignore" });
  reapOnExit(prom);
  try {
    await until("the configured session", async () => /\(logged in\)/.test((await runBin(BIN, ["list", "--socket", c.socket])).stdout));
    await runBin(BIN, ["bench", "--session", "1", "--lun", "1", "--time", "1", "--socket", c.socket]);
    let series: Array<{ metric: Record<string, string>; value: [number, string] }> = [];
    await until("Prometheus to scrape iscsi_session_reads_total", async () => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=iscsi_session_reads_total`).catch(() => undefined);
      const body = res ? await res.json().catch(() => undefined) as { data?: { result: typeof series } } | undefined : undefined;
      series = body?.data?.result ?? [];
      return series.length > 0 && Number(series[0].value[1]) > 100;
    }, 30_000);
    assert.equal(series[0].metric.target, IQN);
    assert.equal(series[0].metric.portal, `127.0.0.1:${tgtd.port}`);
    const hist = await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=histogram_quantile(0.99,iscsi_lun_latency_seconds_bucket)`)).json() as { data: { result: unknown[] } };
    assert.ok(hist.data.result.length > 0, "the latency histogram is a real Prometheus histogram");
  } finally {
    await killAndWait(prom);
    d.proc.kill("SIGTERM");
    await new Promise((r) => d.proc.once("exit", r));
  }
});

test("daemon bad input: a malformed config, a taken socket, a newer recording, a missing session: one line, non-zero", async () => {
  const bad = join(dir, "bad.conf");
  writeFileSync(bad, "[daemon]\nsocket = /tmp/x.sock\n\n[target iqn.2026-11.test:x]\nportal = 127.0.0.1:3260\nqueue-depht = 4\n");
  const o1 = await runBin(BIN, ["daemon", "--config", bad]);
  assert.equal(o1.code, 1);
  assert.equal(o1.stderr.trim(), `iscsiscope: ${bad}:6: queue-depht: unknown key; valid here: portal, queue-depth, header-digest, data-digest, initial-r2t, immediate-data, max-recv-data-segment-length, max-burst-length, first-burst-length, timeout.connect, timeout.login, timeout.logout, timeout.nop-interval, timeout.nop-timeout, timeout.command, timeout.abort, timeout.lu-reset, timeout.replacement`);
  const taken = join(dir, "taken.sock");
  writeFileSync(taken, "not a socket");
  const o2 = await runBin(BIN, ["daemon", "--socket", taken]);
  assert.equal(o2.code, 1);
  assert.match(o2.stderr.trim(), /^iscsiscope: \S+taken\.sock exists and is not a socket; choose another --socket$/);
  const c = config("live");
  const d = await startDaemon(["--config", c.file]);
  const o3 = await runBin(BIN, ["daemon", "--socket", c.socket]);
  assert.match(o3.stderr.trim(), /^iscsiscope: a daemon is already running on \S+live\.sock$/);
  const o4 = await runBin(BIN, ["logout", "999", "--socket", c.socket]);
  assert.equal(o4.code, 1);
  assert.match(o4.stderr.trim(), /^iscsiscope: no session 999 is held by the daemon on /);
  d.proc.kill("SIGTERM");
  await new Promise((r) => d.proc.once("exit", r));
  const newer = join(dir, "newer.sqlite");
  const db = new Database(newer);
  db.pragma("user_version = 99");
  db.exec("create table t(x)");
  db.close();
  const o5 = await runBin(STAT, ["--db", newer]);
  assert.equal(o5.code, 1);
  assert.equal(o5.stderr.trim().split("\n").length, 1, o5.stderr);
  assert.match(o5.stderr, /newer|version 99/);
  const o6 = await runBin(STAT, ["--socket", join(dir, "nobody.sock")]);
  assert.match(o6.stderr.trim(), /^iscsistat: no iscsiscope daemon on \S+nobody\.sock \(ENOENT\); start one with 'iscsiscope daemon' or give --socket$/);
});
