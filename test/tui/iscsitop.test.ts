/**
 * iscsitop as a person sees it: the built command in a tmux pane at 80x24 and 200x50,
 * watching live sessions of its demo source to a tgtd this test starts (so the test can cut
 * a connection), with the terminal settings tmux gives (TERM=tmux-256color) and the one
 * known to break blessed (TERM=screen-256color). The rates on screen are held against what
 * the workload itself counted (its --demo-log); keys are sent with tmux send-keys.
 */
import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../helpers/paths.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";
import { tableRows, TmuxPane } from "../helpers/tmux.js";

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

/** iscsitop --demo against our tgtd in a pane of cols x rows. */
async function start(cols: number, rows: number, term: string, log: string, extra: string[] = []): Promise<TmuxPane> {
  return TmuxPane.start({
    cols, rows, env: { TERM: term, NCURSES_NO_UTF8_ACS: "1" },
    command: [process.execPath, BIN, "--demo", "--demo-portal", `127.0.0.1:${tgtd.port}`, "--demo-iops", `${IOPS}`, "--demo-log", log, ...extra],
  });
}

/** Run `body`; when it fails, the test's diagnostics get the last screen and stderr. */
async function showing(t: TestContext, pane: TmuxPane, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    t.diagnostic(`screen:\n${pane.screen}\nstderr:\n${pane.stderr()}`);
    throw e;
  } finally {
    await pane.kill();
  }
}

/** "312" -> 312, "45k" -> 45000, "7.5" -> 7.5. */
function rate(cell: string | undefined): number {
  const m = /^([\d.]+)(k|M)?$/.exec(cell ?? "");
  assert.ok(m, `a rate, got '${cell}'`);
  return Number(m[1]) * (m[2] === "k" ? 1e3 : m[2] === "M" ? 1e6 : 1);
}

interface LogLine {
  t: number;
  sessions: Array<{ target: string; readIos: number; writeIos: number }>;
}

/** Reads and writes per second the workload counted for `target` between two times (ms since the epoch), interpolated. */
function counted(log: string, target: string, from: number, to: number): { rps: number; wps: number } {
  const lines = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { t: string; sessions: LogLine["sessions"] })
    .map((l) => ({ t: Number(BigInt(l.t) / 1_000_000n), s: l.sessions.find((x) => x.target === target)! }));
  const at = (t: number, k: "readIos" | "writeIos") => {
    const i = lines.findIndex((l) => l.t >= t);
    assert.ok(i > 0, `the workload log covers ${new Date(t).toISOString()}`);
    const [a, b] = [lines[i - 1], lines[i]];
    return a.s[k] + ((b.s[k] - a.s[k]) * (t - a.t)) / (b.t - a.t);
  };
  const s = (to - from) / 1000;
  return { rps: (at(to, "readIos") - at(from, "readIos")) / s, wps: (at(to, "writeIos") - at(from, "writeIos")) / s };
}

function near(shown: number, real: number, what: string): void {
  assert.ok(Math.abs(shown - real) <= 0.2 * real, `${what}: iscsitop shows ${shown}, the workload did ${real.toFixed(1)} (more than 20% apart)`);
}

/** The sessions table's row of `target` (shown whole, or cut from the left: "…test:top-a"). */
const rowOf = (screen: string, target: string) => tableRows(screen, "SID")
  .find((r) => r.TARGET === target || (r.TARGET.startsWith("…") && target.endsWith(r.TARGET.slice(1))));

/** Both sessions shown with non-zero rates. */
const busy = (screen: string) => [A, B].every((t) => { const r = rowOf(screen, t); return r?.STATE === "LOGGED_IN" && rate(r["r/s"]) > 0; });

test("iscsitop at 200x50 (TERM=screen-256color): rates match the workload, a cut connection shows with its reason, sort, filter, drill-down, help, q", async (t) => {
  const log = join(dir, "wide.ndjson");
  const pane = await start(200, 50, "screen-256color", log);
  await showing(t, pane, async () => {
    await pane.waitFor(busy, 15_000, "both sessions with rates");
    await new Promise((r) => setTimeout(r, 2500)); // a few whole seconds of I/O behind the rates
    const screen = await pane.capture();
    const now = Date.now();
    await new Promise((r) => setTimeout(r, 1200)); // the workload's next line of counts, past `now`
    for (const target of [A, B]) {
      const row = rowOf(screen, target)!;
      const real = counted(log, target, now - 2200, now - 200);
      near(rate(row["r/s"]), real.rps, `${target} r/s`);
      near(rate(row["w/s"]), real.wps, `${target} w/s`);
      assert.equal(row.PORTAL, `127.0.0.1:${tgtd.port}`);
      assert.equal(row.CN, "1");
    }
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
    const deep = await pane.waitFor(/Session \d+ \(\d of \d\): iqn\.2026-11\.io\.iscsiscope\.test:top-a/, 3000, "the session screen");
    await pane.waitFor((s) => tableRows(s, "LUN").filter((r) => r.LUN !== "0" && rate(r["r/s"]) > 0).length === 2, 5000, "LUNs 1 and 2 with rates");
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
});

test("iscsitop at 80x24 (tmux's TERM): the header, both sessions and the columns that fit", async (t) => {
  const pane = await start(80, 24, "tmux-256color", join(dir, "small.ndjson"));
  await showing(t, pane, async () => {
    const screen = await pane.waitFor(busy, 15_000, "both sessions with rates");
    const lines = screen.split("\n");
    assert.equal(lines.length >= 24, true);
    assert.match(lines[0], /^iscsitop {2}live: demo, 127\.0\.0\.1:\d+/);
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
