/**
 * iscsitop as a person sees it: the built command in a tmux pane at 200x50 and 80x24,
 * attached to a daemon that holds two live sessions on a tgtd this test starts (so the test
 * can cut a connection), under paced workloads the daemon runs (iscsiscope bench --session
 * --rate); the rates on screen are held against the pace and against what the workload
 * itself counted. With the terminal settings tmux gives (TERM=tmux-256color) and the one
 * known to break blessed (TERM=screen-256color); keys are sent with tmux send-keys. The
 * in-process --demo source is used under GNU screen and for the refusals.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BINS, runBin } from "../helpers/cli.js";
import { startDaemon, until } from "../helpers/daemon.js";
import { repoRoot } from "../helpers/paths.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { showing, tableRows, TmuxPane } from "../helpers/tmux.js";

const BIN = join(repoRoot, "dist", "src", "cli", "iscsitop.js");
const A = "iqn.2026-11.io.iscsiscope.test:top-a";
const B = "iqn.2026-11.io.iscsiscope.test:top-b";
const IOPS = 300; // session 1 (target a): 300 I/Os per second, session 2 (target b): 150
let tgtd: Tgtd;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsitop-test-"));
  tgtd = await startTgtd();
  await tgtd.addTarget({ iqn: A, luns: [{ size: "64M" }, { size: "32M" }] });
  await tgtd.addTarget({ iqn: B, luns: [{ size: "64M" }] });
});

after(async () => {
  await tgtd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The daemon holding a session to each target, and the paced workloads it runs on them. */
interface Rig {
  socket: string;
  /** Each workload's --json result, when it ends. */
  work: Promise<Array<{ target: string; lun: number; read: { iops: number }; write: { iops: number } }>>;
  stop(): Promise<void>;
}

/** Per workload: target, LUN, I/Os per second (7 reads in 10). Target a: 300 in all over its two LUNs, b: 150. */
const WORK = [{ target: A, lun: 1, rate: 200 }, { target: A, lun: 2, rate: 100 }, { target: B, lun: 1, rate: 150 }];

async function daemonRig(name: string, seconds: number): Promise<Rig> {
  const socket = join(dir, `${name}.sock`);
  const conf = join(dir, `${name}.conf`);
  writeFileSync(conf, `[daemon]\nsocket = ${socket}\n\n[target ${A}]\nportal = 127.0.0.1:${tgtd.port}\n\n[target ${B}]\nportal = 127.0.0.1:${tgtd.port}\n`);
  const d = await startDaemon(["--config", conf]);
  const sids = new Map<string, number>();
  await until("both sessions", async () => {
    const r = await runBin(BINS.iscsiscope, ["list", "--json", "--socket", socket]);
    const list = r.code === 0 ? JSON.parse(r.stdout) as Array<{ sid: number; target: string; state: string }> : [];
    for (const x of list) if (x.state === "LOGGED_IN") sids.set(x.target, x.sid);
    return sids.size === 2;
  });
  const work = Promise.all(WORK.map(async (w) => {
    const r = await runBin(BINS.iscsiscope, ["bench", "--session", `${sids.get(w.target)}`, "--lun", `${w.lun}`, "--rw", "randrw", "--rwmix", "70",
      "--bs", "16k", "--qd", "4", "--time", `${seconds}`, "--rate", `${w.rate}`, "--socket", socket, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    return { ...(JSON.parse(r.stdout) as { read: { iops: number }; write: { iops: number } }), target: w.target, lun: w.lun };
  }));
  work.catch(() => undefined);
  return {
    socket, work,
    stop: async () => {
      d.proc.kill("SIGTERM");
      await new Promise((r) => d.proc.once("exit", r));
    },
  };
}

/** iscsitop on the daemon's socket in a pane of cols x rows. */
function start(cols: number, rows: number, term: string, socket: string): Promise<TmuxPane> {
  return TmuxPane.start({ cols, rows, env: { TERM: term, NCURSES_NO_UTF8_ACS: "1" }, command: [process.execPath, BIN, "--socket", socket] });
}

/** "312" -> 312, "45k" -> 45000, "7.5" -> 7.5. */
function rate(cell: string | undefined): number {
  const m = /^([\d.]+)(k|M)?$/.exec(cell ?? "");
  assert.ok(m, `a rate, got '${cell}'`);
  return Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "M" ? 1e6 : 1);
}

function near(shown: number, real: number, what: string): void {
  assert.ok(Math.abs(shown - real) <= 0.2 * real, `${what}: iscsitop shows ${shown}, the workload did ${real.toFixed(1)} (more than 20% apart)`);
}

/**
 * The pacer fixes I/Os per second; which of them are writes is drawn at random (30%), so one
 * second's w/s is binomial: r/s + w/s near the pace, and w/s within 4 standard deviations
 * (sqrt(n * 0.3 * 0.7): 32 of 90 at 300/s) of its share. A 20% bound is 2.3 of them at
 * 300/s and failed by chance once (109 shown for 90 paced).
 */
function writesNear(shownR: number, shownW: number, target: string): void {
  const { rps, wps } = paced(target);
  near(shownR + shownW, rps + wps, `${target} r/s + w/s`);
  const sd = Math.sqrt((rps + wps) * 0.3 * 0.7);
  assert.ok(Math.abs(shownW - wps) <= 4 * sd, `${target} w/s: iscsitop shows ${shownW}, the pace's write share is ${wps} (more than 4 sd = ${(4 * sd).toFixed(1)} apart)`);
}

/** Both sessions' reads per second within 10% of their pace (the workloads have all started). */
const settled = (screen: string) => [A, B].every((t) => {
  const r = rowOf(screen, t);
  return r !== undefined && Math.abs(Number(r["r/s"]) - paced(t).rps) <= 0.1 * paced(t).rps;
});

/** Reads and writes per second the workloads were paced at, for a target. */
function paced(target: string): { rps: number; wps: number } {
  const total = WORK.filter((w) => w.target === target).reduce((n, w) => n + w.rate, 0);
  return { rps: total * 0.7, wps: total * 0.3 };
}

/** The sessions table's row of `target` (shown whole, or cut from the left: "…test:top-a"). */
const rowOf = (screen: string, target: string) => tableRows(screen, "SID")
  .find((r) => r.TARGET === target || (r.TARGET.startsWith("…") && target.endsWith(r.TARGET.slice(1))));

/** Both sessions shown with non-zero rates. */
const busy = (screen: string) => [A, B].every((t) => { const r = rowOf(screen, t); return r?.STATE === "LOGGED_IN" && rate(r["r/s"]) > 0; });

test("iscsitop at 200x50 (TERM=screen-256color) on the daemon: rates match the workload, a cut connection shows with its reason, sort, filter, drill-down, help, q", async (t) => {
  const rig = await daemonRig("wide", 16);
  const pane = await start(200, 50, "screen-256color", rig.socket);
  t.after(() => rig.stop());
  let shownB = 0;
  await showing(t, pane, async () => {
    await pane.waitFor(busy, 15_000, "both sessions with rates");
    const screen = await pane.waitFor(settled, 10_000, "the rates at the pace");
    assert.match(screen, /^iscsitop {2}live: daemon /m);
    for (const target of [A, B]) {
      const row = rowOf(screen, target)!;
      near(rate(row["r/s"]), paced(target).rps, `${target} r/s`);
      writesNear(rate(row["r/s"]), rate(row["w/s"]), target);
      assert.equal(row.PORTAL, `127.0.0.1:${tgtd.port}`);
      assert.equal(row.CN, "1");
    }
    shownB = rate(rowOf(screen, B)!["r/s"]);
    assert.match(screen, /^Sessions 2 LOGGED_IN/m);
    assert.match(screen, /IOPS \d+ \(r \d+ w \d+\)\s+MB\/s [\d.]+/);

    // Cut target a's connection from the target side: a FIN, no Async Message.
    const shown = (await tgtd.showTarget()).targets.find((x) => x.iqn === A)!;
    await tgtd.dropConnection(shown.tid, shown.sessions[0].sid, shown.sessions[0].connections[0].cid);
    // tgtd closes with a FIN, or with an RST when our commands were still unread in its
    // socket; EPIPE when a write of ours met the closed socket first.
    await pane.waitFor(/conn \d+ lost, (target-closed: (the target closed the TCP connection \(FIN\)|TCP error EPIPE.*)|connection-reset: the TCP connection was reset \(RST\)); \d+ in flight/, 10_000, "the disconnect line");
    await pane.waitFor((s) => rowOf(s, A)?.RECON === "1" && rowOf(s, A)?.STATE === "LOGGED_IN", 10_000, "target a reconnected");

    // Sort by r/s, biggest first: target a (300/s) above b (150/s); r reverses.
    const sortedBy = (s: string) => /^sorted by (\S+), /m.exec(s)?.[1];
    for (let i = 0, col = ""; i < 20 && col !== "r/s"; i++) {
      await pane.keys(">");
      col = sortedBy(await pane.waitFor((s) => sortedBy(s) !== undefined && sortedBy(s) !== col, 2000, "the next sort column")) ?? "";
    }
    const byRate = (await pane.waitFor(/r\/s▼/, 2000)).split("\n");
    assert.ok(byRate.findIndex((l) => l.includes(A)) < byRate.findIndex((l) => l.includes(B)), "a above b by r/s");
    await pane.keys("r");
    const reversed = (await pane.waitFor(/r\/s▲/, 2000)).split("\n");
    assert.ok(reversed.findIndex((l) => l.includes(A)) > reversed.findIndex((l) => l.includes(B)), "b above a, reversed");

    // Filter, then clear it with Esc.
    await pane.keys("/");
    await pane.waitFor(/Filter sessions/, 2000);
    await pane.type("top-b");
    await pane.keys("Enter");
    await pane.waitFor((s) => tableRows(s, "SID").length === 1 && rowOf(s, B) !== undefined, 3000, "only target b");
    await pane.keys("Escape");
    await pane.waitFor((s) => tableRows(s, "SID").length >= 2, 3000, "the filter cleared");

    // Drill into target a: connections, LUNs with their own rates, the disconnect explained.
    await pane.keys("r"); // back to biggest first: a on top
    await pane.keys("g", "Enter");
    await pane.waitFor(/Session \d+ \(\d of \d\): iqn\.2026-11\.io\.iscsiscope\.test:top-a/, 3000, "the session screen");
    // The screen as a whole, not its first frame: tmux may catch a frame while it is drawn.
    const deep = await pane.waitFor((s) => tableRows(s, "LUN").filter((r) => r.LUN !== "0" && rate(r["r/s"]) > 0).length === 2
      && /Last disconnect: conn \d+ at/.test(s), 5000, "LUNs 1 and 2 with rates, and the last disconnect");
    assert.match(deep, /Connections/);
    assert.ok(tableRows(deep, "CID").some((r) => r.STATE === "LOGGED_IN"), "a logged-in connection");
    assert.match(deep, /Last disconnect: conn \d+ at/);
    assert.match(deep, /^│(target-closed|connection-reset): /m);
    assert.match(deep, /Means: the (target closed the TCP connection; an admin action|TCP connection was reset)/);
    assert.match(deep, /Then: logged in again at/);
    await pane.keys("Escape");
    await pane.waitFor(/Sessions ─/, 3000, "back on top");

    await pane.keys("?");
    await pane.waitFor(/iscsitop keys/, 2000, "the help");
    await pane.keys("x");
    await pane.waitFor((s) => !s.includes("iscsitop keys"), 2000, "the help closed");
    await pane.keys("q");
    assert.equal(await pane.exited(10_000), 0);
    assert.equal(pane.stderr(), "", "nothing on stderr (no terminfo errors, no warnings)");
  });
  // Target b's connection is never cut: what iscsitop showed is what its workload counted itself.
  const results = await rig.work;
  near(shownB, results.find((r) => r.target === B)!.read.iops, `${B} r/s against the workload's own count`);
});

test("iscsitop at 80x24 (tmux's TERM) on the daemon: the header, both sessions with their rates and the columns that fit", async (t) => {
  const rig = await daemonRig("small", 8);
  const pane = await start(80, 24, "tmux-256color", rig.socket);
  t.after(() => rig.stop());
  await showing(t, pane, async () => {
    const screen = await pane.waitFor(busy, 15_000, "both sessions with rates");
    const lines = screen.split("\n");
    assert.equal(lines.length >= 24, true);
    assert.match(lines[0], /^iscsitop {2}live: daemon /);
    // Every workload under way (they start one by one): the rates settle at the pace.
    const later = await pane.waitFor(settled, 10_000, "the rates at the pace");
    for (const target of [A, B]) near(rate(rowOf(later, target)!["r/s"]), paced(target).rps, `${target} r/s at 80 columns`);
    assert.match(screen, /│SID▲ TARGET +STATE +r\/s +w\/s +rMB\/s +wMB\/s +avg +p99 +ERR +RECON│/, "portal, queues and uptime give way at 80 columns");
    assert.ok(rowOf(screen, A)!.TARGET.startsWith("…"), "long IQNs cut from the left");
    assert.match(screen, /IOPS, last 2 min/);
    assert.match(screen, /Latency, last 10 s/);
    assert.match(screen, /Transitions and disconnects/);
    await pane.keys("q");
    assert.equal(await pane.exited(10_000), 0);
    assert.equal(pane.stderr(), "");
  });
});

test("iscsitop under GNU screen (TERM=screen.xterm-256color): sessions with rates, q, a clean stderr", async (t) => {
  const inner = [process.execPath, BIN, "--demo", "--demo-portal", `127.0.0.1:${tgtd.port}`, "--demo-iops", `${IOPS}`].map((a) => `'${a}'`).join(" ");
  const [err, rc] = [join(dir, "screen.err"), join(dir, "screen.rc")];
  // TMUX emptied: blessed would wrap sequences for the tmux pane that GNU screen sits in.
  const pane = await TmuxPane.start({
    cols: 100, rows: 30, env: { TERM: "xterm-256color", TMUX: "" },
    command: ["screen", "-c", "/dev/null", "sh", "-c", `echo "$TERM" >${rc}.term; ${inner} 2>${err}; echo $? >${rc}`],
  });
  await showing(t, pane, async () => {
    await pane.waitFor(busy, 15_000, "both sessions with rates");
    assert.match(readFileSync(`${rc}.term`, "utf8"), /^screen/);
    await pane.keys("q");
    for (let i = 0; i < 100 && !existsSync(rc); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(readFileSync(rc, "utf8").trim(), "0");
    assert.equal(readFileSync(err, "utf8"), "");
  });
});

test("iscsitop in a terminal smaller than 80x24 says so in one line and exits 1", async (t) => {
  const pane = await TmuxPane.start({ cols: 70, rows: 20, command: [process.execPath, BIN, "--demo"], env: { TERM: "tmux-256color" } });
  await showing(t, pane, async () => {
    assert.equal(await pane.exited(10_000), 1);
    assert.equal(pane.stderr(), "iscsitop: the terminal is 70x20 and the 'top' dashboard needs at least 80x24: enlarge it, or for the counters as text, use iscsistat\n");
  });
});

test("iscsitop with stdout piped says so in one line and exits 1 (before starting anything)", async () => {
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, "--demo"], { timeout: 10_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "iscsitop: stdout is not a terminal: iscsitop draws a full-screen dashboard; for the counters as text, use iscsistat\n");
});

test("iscsitop -l lists the dashboards (no terminal needed); -D with an unknown name is one line", async () => {
  const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 10_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }));
  });
  const l = await run(["-l"]);
  assert.equal(l.code, 0);
  assert.deepEqual(l.stdout.trim().split("\n").map((x) => x.split(/\s+/)[0]), ["top", "latency", "session"]);
  const bad = await run(["-D", "nope"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, "iscsitop: no dashboard 'nope'; valid: top, latency, session (iscsitop -l)\n");
  const mine = join(dir, "mine.json");
  writeFileSync(mine, JSON.stringify({ name: "mine", description: "my own", widgets: [{ id: "t", type: "table", row: 0, col: 0, rowSpan: 12, colSpan: 12, sampler: "sessions" }] }));
  assert.match((await run(["-D", mine, "-l"])).stdout, /^mine {5}my own$/m);
  writeFileSync(mine, "{ \"name\": \"mine\",\n  widgets: [] }");
  const broken = await run(["-D", mine]);
  assert.equal(broken.code, 2);
  assert.equal(broken.stderr, `iscsitop: ${mine}:2:3: Expected double-quoted property name\n`);
  const db = await run(["--db", "x.sqlite", "--demo"]);
  assert.match(db.stderr, /^iscsitop: --db and --demo name different sources: choose one\n$/);
});
