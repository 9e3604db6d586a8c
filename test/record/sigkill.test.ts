/**
 * A recording process killed with SIGKILL under continuous I/O against tgtd leaves a
 * database that passes `PRAGMA integrity_check` and holds everything up to about the last
 * flush: the last command and the last counter snapshot are within a second of the kill.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { report } from "../../src/record/queries.js";
import { openRecording } from "../../src/record/reader.js";
import { withTgtd } from "../helpers/tgtd.js";

const IQN = "iqn.2026-11.io.iscsiscope.test:record-sigkill";
const CHILD = fileURLToPath(new URL("./sigkill-child.js", import.meta.url));

/** Start the child and resolve once it says it is recording. */
function startChild(port: number, file: string): Promise<{ pid: number; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, [CHILD, String(port), IQN, file], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<NodeJS.Signals | null>((res) => child.once("exit", (_code, signal) => res(signal)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (d: Buffer) => { if (d.toString().includes("recording")) resolve({ pid: child.pid!, exited }); });
    void exited.then(() => reject(new Error(`the recording child exited before recording: ${err}`)));
  });
}

test("SIGKILL during I/O: integrity_check ok, the last task and snapshot within ~1 s of the kill", (t) => withTgtd(t, {}, async (tgtd) => {
  await tgtd.addTarget({ iqn: IQN, luns: [{ size: "16M" }] });
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-sigkill-"));
  const file = join(dir, "killed.sqlite");
  let child: Awaited<ReturnType<typeof startChild>> | undefined;
  try {
    child = await startChild(tgtd.port, file);
    await sleep(2500);
    const killT = BigInt(Date.now()) * 1_000_000n;
    process.kill(child.pid, "SIGKILL");
    assert.equal(await child.exited, "SIGKILL");
    child = undefined;
    assert.ok(existsSync(`${file}-wal`), "the WAL was left behind, as a killed writer leaves it");
    const db = new Database(file);
    db.defaultSafeIntegers(true);
    assert.equal(db.prepare("PRAGMA integrity_check").pluck().get(), "ok");
    assert.equal(db.prepare("SELECT ended_t FROM recordings").pluck().get(), null, "the recording never closed");
    const lastTask = db.prepare("SELECT max(done_t) FROM tasks").pluck().get() as bigint;
    const lastSnap = db.prepare("SELECT max(t) FROM snapshots").pluck().get() as bigint;
    const tasks = Number(db.prepare("SELECT count(*) FROM tasks").pluck().get());
    db.close();
    t.diagnostic(`${tasks} tasks; last task ${Number(killT - lastTask) / 1e6} ms and last snapshot ${Number(killT - lastSnap) / 1e6} ms before the kill`);
    assert.ok(tasks > 100, `${tasks} tasks recorded`);
    assert.ok(lastTask <= killT && killT - lastTask < 1_000_000_000n, `last task ${Number(killT - lastTask) / 1e6} ms before the kill`);
    assert.ok(lastSnap <= killT && killT - lastSnap < 1_500_000_000n, `last snapshot ${Number(killT - lastSnap) / 1e6} ms before the kill`);
    const rdb = openRecording(file);
    const r = report(rdb);
    rdb.close();
    assert.equal(r.recording.endedT, null);
    assert.equal(r.endT, lastTask > lastSnap ? lastTask : lastSnap, "a killed recording ends at its last event");
    assert.equal(r.io.reduce((a, x) => a + x.commands, 0), tasks);
  } finally {
    if (child) process.kill(child.pid, "SIGKILL");
    await child?.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}));
