/**
 * iscsitop's three sources as a person uses them, in tmux: a daemon holding a live session
 * on tgtd (with I/O driven through the daemon and a connection cut by tgtadm), a capture
 * fixture (--pcap) and a recording made from it (--db). The same screens for all three:
 * the session row, the transitions and disconnects with their reason, the drill-down; the
 * replays stop paused on their last frame and seek back on a key.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINS, runBin } from "../helpers/cli.js";
import { startDaemon, until } from "../helpers/daemon.js";
import { fixturePath } from "../helpers/paths.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { showing, tableRows, TmuxPane } from "../helpers/tmux.js";

const IQN = "iqn.2026-11.io.iscsiscope.test:top-daemon";
const DROP = fixturePath("pcap", "tgtd-drop.pcap");
const DROP_PORT = "38865";
const DROP_TARGET = "iqn.2024-01.org.iscsiscope:capture-fixture";
let tgtd: Tgtd;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsitop-sources-"));
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: IQN, luns: [{ size: "64M" }] });
});

after(async () => {
  await tgtd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function pane(args: string[]): Promise<TmuxPane> {
  return TmuxPane.start({ cols: 160, rows: 45, env: { TERM: "screen-256color", NCURSES_NO_UTF8_ACS: "1" }, command: [process.execPath, BINS.iscsitop, ...args] });
}

/** A replay of tgtd-drop (capture or recording): the end of it, a seek back, the drill-down, q. */
async function replayOfTheDrop(p: TmuxPane, kind: "capture" | "recording"): Promise<void> {
  const end = await p.waitFor(/ PAUSED/, 20_000, "the replay to reach its end and pause");
  assert.match(end, new RegExp(`^iscsitop {2}${kind}: `, "m"));
  const row = tableRows(end, "SID").find((r) => r.TARGET === DROP_TARGET);
  assert.ok(row, "the session's row");
  assert.deepEqual([row.STATE, row.RECON], ["FREE", "1"], "logged out at the end, after one reconnect");
  assert.match(end, /Disconnects by reason: (target-closed 1, user-logout 1|user-logout 1, target-closed 1)/);
  assert.match(end, /s1 session FAILED -> LOGGED_IN \(N4\)/);
  // Back to the start (still paused, as a player stays): nothing has happened yet.
  await p.keys("{");
  await p.waitFor(/seek back 60 s/, 5000, "the seek back");
  await p.waitFor((s) => (tableRows(s, "SID").find((r) => r.TARGET === DROP_TARGET)?.RECON ?? "0") === "0", 10_000, "the session before its reconnect");
  // Resume: it plays to the end again and pauses there; then into the session.
  await p.keys("p");
  await p.waitFor((s) => / PAUSED/.test(s) && tableRows(s, "SID").find((r) => r.TARGET === DROP_TARGET)?.RECON === "1", 20_000, "the end again");
  await p.keys("g", "Enter");
  const deep = await p.waitFor(/Last disconnect/, 5000, "the session screen");
  assert.match(deep, new RegExp(`Session 1 .*${DROP_TARGET.replace(/\./g, "\\.")}`));
  await p.keys("q");
  assert.equal(await p.exited(10_000), 0);
  assert.equal(p.stderr(), "");
}

test("iscsitop --pcap: the capture of a dropped connection replayed: disconnect with its reason, recovery, logout; seek; drill-down", async (t) => {
  const p = await pane(["--pcap", DROP, "--port", DROP_PORT, "--speed", "2"]);
  await showing(t, p, () => replayOfTheDrop(p, "capture"));
});

test("iscsitop --db: the recording of that capture replayed gives the same screens", async (t) => {
  const db = join(dir, "drop.sqlite");
  const rec = await runBin(BINS.iscsisnoop, ["summary", "--db", db, "--port", DROP_PORT, DROP]);
  assert.equal(rec.code, 0, rec.stderr);
  const p = await pane(["--db", db, "--speed", "2"]);
  await showing(t, p, () => replayOfTheDrop(p, "recording"));
});

test("iscsitop against the daemon: its session with the rates the workload drives, a cut connection with its reason, q", async (t) => {
  const socket = join(dir, "d.sock");
  const conf = join(dir, "d.conf");
  writeFileSync(conf, `[daemon]\nsocket = ${socket}\n\n[target ${IQN}]\nportal = 127.0.0.1:${tgtd.port}\nqueue-depth = 8\n`);
  const d = await startDaemon(["--config", conf]);
  try {
    await until("the configured session", async () => /\(logged in\)/.test((await runBin(BINS.iscsiscope, ["list", "--socket", socket])).stdout));
    const work = runBin(BINS.iscsiscope, ["bench", "--session", "1", "--lun", "1", "--rw", "randread", "--bs", "4k", "--qd", "4", "--time", "14", "--rate", "400", "--socket", socket]);
    const p = await pane(["--socket", socket]);
    await showing(t, p, async () => {
      const live = await p.waitFor((s) => Number(tableRows(s, "SID").find((r) => r.TARGET === IQN)?.["r/s"] ?? 0) > 0, 10_000, "the session with reads");
      assert.match(live, /^iscsitop {2}live: daemon /m);
      await p.waitFor((s) => Math.abs(Number(tableRows(s, "SID").find((r) => r.TARGET === IQN)?.["r/s"]) - 400) <= 80, 10_000, "about 400 reads a second");
      const show = await tgtd.showTarget();
      const sess = show.targets.find((x) => x.iqn === IQN)!.sessions[0];
      await tgtd.dropConnection(show.targets.find((x) => x.iqn === IQN)!.tid, sess.sid, sess.connections[0].cid);
      await p.waitFor(/conn \d+ lost, (target-closed|connection-reset): /, 10_000, "the disconnect line");
      await p.waitFor(/session FAILED -> LOGGED_IN \(N4\)/, 15_000, "the recovery");
      await p.keys("q");
      assert.equal(await p.exited(10_000), 0);
      assert.equal(p.stderr(), "");
    });
    await work;
  } finally {
    d.proc.kill("SIGTERM");
    await new Promise((r) => d.proc.once("exit", r));
  }
});
