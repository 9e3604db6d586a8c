#!/usr/bin/env node
/**
 * `iscsitop`: a top for iSCSI sessions. A live dashboard of sessions, rates, latency and
 * disconnects, laid out by a file under dashboards/ and fed by any source: the daemon
 * (default), a recording (--db), a capture (--pcap) or the in-process demo (--demo).
 */
import "./gc.js"; // first: see gc.ts
import { Dashboard } from "../tui/dashboard.js";
import { DASHBOARD_DIR, LayoutError, loadLayoutFile, loadLayouts, type Layout } from "../tui/layout.js";
import { checkFeedOptions, openFeed, type FeedOptions } from "./feeds/open-feed.js";
import { terminalProblem } from "../tui/terminal.js";
import { intOption, secondsOption, type CommandSpec, type Parsed } from "./args.js";
import { CAPTURE_OPTIONS, captureOptions } from "./capture-run.js";
import { exitWith, runCommand } from "./main.js";
import { UsageError } from "./usage-error.js";

/**
 * The command's grammar: options, usage and help (`iscsitop --help` prints it).
 *
 * @example
 * helpText(ISCSITOP).split("\n")[0]; // "usage: iscsitop [-D NAME|FILE] ..."
 */
export const ISCSITOP: CommandSpec = {
  name: "iscsitop",
  summary: "a top for iSCSI sessions: live rates, queues, latency, state transitions and disconnects",
  usage: "iscsitop [-D NAME|FILE] [-d SECONDS] [--db FILE | --pcap FILE | --socket PATH | --demo] [-l]",
  options: {
    list: { type: "boolean", short: "l", help: "list the dashboards and exit" },
    dashboard: { type: "string", short: "D", arg: "NAME", help: "the dashboard to start on (default top), or a layout file" },
    delay: { type: "string", short: "d", arg: "SECONDS", help: "seconds between refreshes (default 1)" },
    db: { type: "string", arg: "FILE", help: "replay a flight recording (SQLite)" },
    pcap: { type: "string", arg: "FILE", help: "replay a capture (pcap, pcapng)" },
    socket: { type: "string", arg: "PATH", help: "the daemon's control socket" },
    ...CAPTURE_OPTIONS,
    speed: { type: "string", arg: "N", help: "replay speed, 1 = as recorded (default 1)" },
    demo: { type: "boolean", help: "watch this process's own sessions to a private tgtd on loopback" },
    "demo-portal": { type: "string", arg: "HOST:PORT", help: "with --demo: log in to this target instead of a private tgtd" },
    "demo-sessions": { type: "string", arg: "N", help: "with --demo: sessions to open (default 2)" },
    "demo-iops": { type: "string", arg: "N", help: "with --demo: I/Os per second of the first session, the n-th does N/n (default 300; 0 = flat out)" },
    "demo-log": { type: "string", arg: "FILE", help: "with --demo: append the workload's own counts to FILE each second (NDJSON)" },
  },
  positionals: [],
  required: 0,
  help: `Keys (? in iscsitop lists them all): q quit, up/down or j/k select, enter drill down,
esc back, tab next dashboard, < > s r sort, / filter, p pause, d delay; replays also
n or . step, [ ] seek 10 s, { } seek 1 min, + - speed.

iscsitop needs a terminal of at least 80x24; in a pipe, use iscsistat. Under tmux and GNU
screen it tells blessed the terminal is xterm-256color (their own terminfo names make
blessed print errors).

Dashboards are JSON layouts in dashboards/ (see dashboards/README.md); -l lists them.

--demo starts Debian's tgt on 127.0.0.1 (installed with apt-get when absent and root),
logs in two sessions and runs a paced 70% read workload on each; the private target drops
a connection after 15 s and then every minute, so the disconnect and the recovery show.

Examples:
  iscsitop --demo
  iscsitop --demo -D latency -d 2
  iscsitop --pcap failover.pcap --speed 10`,
};

/** Built-in layouts, plus the file -D names when it is one. */
function layoutsFor(dashboard: string | undefined): { layouts: Map<string, Layout>; initial: string } {
  const all = loadLayouts(DASHBOARD_DIR);
  const layouts = new Map([...all].sort(([a], [b]) => Number(b === "top") - Number(a === "top"))); // the default first
  if (dashboard === undefined) return { layouts, initial: "top" };
  if (/[/\\]|\.json$/.test(dashboard)) {
    const l = loadLayoutFile(dashboard);
    layouts.set(l.name, l);
    return { layouts, initial: l.name };
  }
  if (!layouts.has(dashboard)) throw new UsageError(`no dashboard '${dashboard}'; valid: ${[...layouts.keys()].join(", ")} (iscsitop -l)`);
  return { layouts, initial: dashboard };
}

function listing(layouts: Map<string, Layout>): string {
  const w = Math.max(...[...layouts.keys()].map((n) => n.length));
  return `${[...layouts.values()].map((l) => `${l.name.padEnd(w)}  ${l.description}`).join("\n")}\n`;
}

function feedOptions(v: Parsed["values"]): FeedOptions {
  const s = (k: string) => (typeof v[k] === "string" ? (v[k] as string) : undefined);
  const demoOnly = ["demo-portal", "demo-sessions", "demo-iops", "demo-log"].find((k) => v[k] !== undefined);
  if (demoOnly && !v.demo) throw new UsageError(`--${demoOnly} goes with --demo`);
  const speed = s("speed") === undefined ? undefined : Number(s("speed"));
  if (speed !== undefined && !(speed > 0 && speed <= 1024)) throw new UsageError(`--speed must be a number above 0 and at most 1024, got '${s("speed")}'`);
  if ((v.port !== undefined || v["no-heuristic"] !== undefined) && !v.pcap) throw new UsageError("--port and --no-heuristic go with --pcap");
  return {
    db: s("db"), pcap: s("pcap"), socket: s("socket"), speed, capture: v.pcap ? captureOptions(v) : undefined,
    demo: v.demo ? {
      portal: s("demo-portal"), log: s("demo-log"),
      sessions: intOption(v["demo-sessions"], "demo-sessions", 2, 1, 64),
      iops: intOption(v["demo-iops"], "demo-iops", 300, 0, 1_000_000),
    } : undefined,
  };
}

async function runIscsitop(p: Parsed): Promise<number> {
  let chosen;
  try {
    chosen = layoutsFor(typeof p.values.dashboard === "string" ? p.values.dashboard : undefined);
  } catch (e) {
    throw e instanceof LayoutError ? new UsageError(e.message) : e;
  }
  if (p.values.list) {
    process.stdout.write(listing(chosen.layouts));
    return 0;
  }
  const delayS = secondsOption(p.values.delay, "delay", 1);
  if (!(delayS >= 0.1 && delayS <= 3600)) throw new UsageError(`--delay must be from 0.1 to 3600 seconds, got '${p.values.delay}'`);
  const opts = { ...feedOptions(p.values), stepS: delayS };
  checkFeedOptions(opts);
  const problem = terminalProblem(process.stdout, chosen.layouts.get(chosen.initial)!);
  if (problem) throw new UsageError(problem, 1);
  const feed = await openFeed(opts);
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  try {
    const d = new Dashboard(feed, { layouts: chosen.layouts, initial: chosen.initial, delayS });
    // Quit as with q, so the feed closes (the demo logs out and stops its tgtd); blessed's
    // own handlers would exit at once.
    for (const s of signals) process.on(s, d.quit.bind(d));
    await d.run();
  } finally {
    for (const s of signals) process.removeAllListeners(s);
    await feed.close();
  }
  return 0;
}

exitWith(await runCommand("iscsitop", { spec: ISCSITOP, run: runIscsitop }, process.argv.slice(2)));
