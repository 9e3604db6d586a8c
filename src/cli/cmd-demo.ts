/**
 * `iscsiscope demo` (README's main command): the whole tool on one machine with nothing
 * configured. A private tgtd on loopback (installed with apt-get when absent and we are
 * root) with two targets; the daemon, in this process, holding a session to each, recording
 * them and serving its control socket; a mixed, paced workload on both sessions; tgtd
 * dropping a connection now and then so the disconnect, its reason and the recovery show;
 * and iscsitop attached to the daemon's socket, as it would be from another terminal. With
 * no terminal (or --no-top) it prints iscsistat reports and the events instead. At the end,
 * the report of the recording.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Daemon } from "../daemon/server.js";
import type { DaemonConfig } from "../daemon/config.js";
import { openRecording } from "../record/reader.js";
import { report } from "../record/queries.js";
import type { Kstat } from "../stat/kstat.js";
import { DASHBOARD_DIR, loadLayouts } from "../tui/layout.js";
import { terminalProblem } from "../tui/terminal.js";
import type { FeedEvent } from "../tui/feed.js";
import { secondsOption, type CommandSpec, type Parsed } from "./args.js";
import { formatSession } from "./cmd-daemon.js";
import { formatReport } from "./cmd-report.js";
import { DaemonFeed } from "./feeds/daemon-feed.js";
import { dropNowAndThen, privateTarget, runSession, TARGETS, type Counts } from "./feeds/demo-feed.js";
import { formatIostat, iostatRows, timeStamp } from "./iscsistat-format.js";
import { openRecorder } from "./recording.js";
import type { Tgtd } from "./peers/tgtd.js";

export const DEMO: CommandSpec = {
  name: "demo",
  summary: "a private tgtd, the daemon holding two sessions under a mixed workload, and iscsitop watching (iscsistat without a terminal)",
  usage: "iscsiscope demo [--time S] [--record FILE] [--no-top]",
  options: {
    time: { type: "string", arg: "S", help: "how long to run (default: until q in iscsitop; 15 s without a terminal)" },
    record: { type: "string", arg: "FILE", help: "keep the daemon's flight recording in FILE (default: a temporary file)" },
    "no-top": { type: "boolean", help: "iscsistat reports and events instead of iscsitop, even on a terminal" },
  },
  positionals: [],
  required: 0,
  help: `Needs Debian's tgt (tgtd, tgtadm); as root the demo installs it with apt-get.
Nothing outside a temporary directory is touched; the target listens on 127.0.0.1 only.
Session 1 reads and writes 16 KiB blocks at 300 I/Os per second, session 2 64 KiB blocks at
150 (7 reads in 10). tgtd drops session 1's connection after 15 s and then every minute
(without a terminal: once, 6 s in). Afterwards: iscsiscope report --db FILE with --record.`,
};

/** Per session: I/Os per second and block size. */
const WORK = [{ rate: 300, bs: 16384 }, { rate: 150, bs: 65536 }];

export async function runDemo(p: Parsed): Promise<number> {
  const v = p.values;
  const layouts = loadLayouts(DASHBOARD_DIR);
  const top = layouts.get("top")!;
  const wantTop = v["no-top"] !== true && process.stdin.isTTY === true;
  const problem = wantTop ? terminalProblem(process.stdout, top) : "no terminal";
  const tty = problem === undefined;
  if (wantTop && problem) console.error(`iscsiscope demo: ${problem}; showing iscsistat reports instead`);
  const seconds = v.time === undefined ? (tty ? Infinity : 15) : secondsOption(v.time, "time", 15);
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-demo-"));
  const record = typeof v.record === "string" ? v.record : join(dir, "flight.sqlite");
  let tgtd: Tgtd | undefined;
  let d: Daemon | undefined;
  const stop = new AbortController();
  const work: Array<Promise<void>> = [];
  try {
    tgtd = await privateTarget();
    const socket = join(dir, "control.sock");
    const portal = { host: "127.0.0.1", port: tgtd.port };
    const config: DaemonConfig = {
      file: "(demo)", snapshotInterval: 1,
      targets: TARGETS.map((targetName) => ({ targetName, portals: [portal], params: {}, timeouts: {}, queueDepth: 16, line: 0 })),
    };
    const daemonLog: string[] = [];
    const daemon = (d = new Daemon({ socket, config, log: (l) => daemonLog.push(l) }));
    const rec = await openRecorder(daemon.bus, record, { source: `live:${socket}`, snapshots: { stats: daemon.stats, clock: daemon.clock, intervalS: 1 } });
    daemon.onStop(() => rec.close());
    await daemon.start();
    const sessions = await loggedIn(daemon, TARGETS.length);
    const counts: Counts[] = [];
    sessions.forEach((s, i) => {
      const c: Counts = { oid: s.oid, target: s.targetName, readIos: 0, writeIos: 0, readBytes: 0, writeBytes: 0, errors: 0 };
      counts.push(c);
      work.push(runSession(s, { ...WORK[i % WORK.length], counts: c, signal: stop.signal }));
    });
    work.push(dropNowAndThen(tgtd, tty ? 15_000 : Math.min(6_000, (seconds * 1000) / 3), stop.signal, tty ? 60_000 : 24 * 3600_000));
    const feed = await DaemonFeed.open(socket);
    try {
      if (tty) await watchWithTop(feed, layouts, seconds);
      else await watchWithStat(feed, daemon, `127.0.0.1:${tgtd.port}`, socket, seconds);
    } finally {
      await feed.close();
    }
    stop.abort();
    await Promise.allSettled(work);
    await daemon.stop("the demo is over");
    d = undefined;
    const db = openRecording(record);
    try {
      console.log(`\n${formatReport(report(db))}`);
    } finally {
      db.close();
    }
    const done = counts.map((c) => `${c.target}: ${c.readIos} reads, ${c.writeIos} writes, ${c.errors} errors`).join("; ");
    console.log(`\nWorkload: ${done}.`);
    if (typeof v.record === "string") console.log(`The recording is in ${record}: iscsiscope report --db ${record}, iscsitop --db ${record}.`);
    return counts.every((c) => c.readIos + c.writeIos > 0) ? 0 : 1;
  } finally {
    stop.abort();
    await Promise.allSettled(work);
    await d?.stop("the demo failed").catch(() => undefined);
    await tgtd?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The daemon's sessions once `n` of them are logged in (20 s at most). */
async function loggedIn(d: Daemon, n: number): Promise<ReturnType<Daemon["holder"]["sessions"]>> {
  const end = Date.now() + 20_000;
  for (;;) {
    const s = d.holder.sessions().filter((x) => x.state === "LOGGED_IN");
    if (s.length >= n) return s.sort((a, b) => a.targetName.localeCompare(b.targetName));
    if (Date.now() > end) throw new Error(`the daemon logged in ${s.length} of ${n} sessions in 20 s`);
    await sleep(100);
  }
}

/** iscsitop on the daemon's socket until q (or `seconds`). */
async function watchWithTop(feed: DaemonFeed, layouts: ReturnType<typeof loadLayouts>, seconds: number): Promise<void> {
  // Loaded here: blessed and blessed-contrib cost every other iscsiscope command ~0.1 s to start.
  const { Dashboard } = await import("../tui/dashboard.js");
  const dash = new Dashboard(feed, { layouts: new Map([...layouts].sort(([a], [b]) => Number(b === "top") - Number(a === "top"))), initial: "top", delayS: 1 });
  const timer = Number.isFinite(seconds) ? setTimeout(() => dash.quit(), seconds * 1000) : undefined;
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  for (const s of signals) process.on(s, dash.quit.bind(dash));
  try {
    await dash.run();
  } finally {
    clearTimeout(timer);
    for (const s of signals) process.removeAllListeners(s);
  }
}

/** What iscsistat 1 shows, with the events between the reports, for `seconds`. */
async function watchWithStat(feed: DaemonFeed, d: Daemon, portal: string, socket: string, seconds: number): Promise<void> {
  console.log(`iscsiscope demo: a private tgtd on ${portal}; the daemon on ${socket} holds these sessions (iscsiscope list -P 1; -P 2 for the first):\n`);
  d.holder.info(2).forEach((s, i) => console.log(`${formatSession(s, i === 0 ? 2 : 1)}\n`));
  console.log(`A paced, mixed workload runs on both; tgtd drops session ${d.holder.info(0)[0]?.sid ?? 1}'s connection in a few seconds.`);
  console.log("What iscsistat 1 would show, with the events in between:\n");
  let prev: Kstat[] | undefined;
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    await sleep(1000);
    const tick = await feed.tick();
    for (const e of tick.events) console.log(eventLine(e));
    console.log(timeStamp("d", tick.t));
    console.log(formatIostat(iostatRows(prev, tick.kstats)));
    prev = tick.kstats;
  }
}

function eventLine(e: FeedEvent): string {
  const at = new Date(Number(e.t / 1_000_000n)).toISOString().slice(11, 23);
  return `  ${at}  s${e.sid}  ${e.text}`;
}
