#!/usr/bin/env node
/**
 * `iscsistat [interval [count]]`: the kstat of iscsiscope. The first report covers the time
 * since each session started, the following ones each interval, as kstat and iostat do.
 * The default view is like `iostat -xn`, a row per session and per LUN; `-p` prints every
 * statistic as `iscsi:<instance>:<name>:<statistic>` and its value, like `kstat -p`.
 * Sources: the daemon (default), a recording (`--db FILE`), a capture (`--pcap FILE`).
 */
import "./gc.js"; // first: see gc.ts
import { DaemonClient } from "../daemon/client.js";
import type { SnapshotResponse } from "../daemon/protocol.js";
import { defaultSocketPath } from "../daemon/socket-path.js";
import { openRecording, readSnapshots } from "../record/reader.js";
import type { Kstat } from "../stat/kstat.js";
import { intOption, type CommandSpec, type Parsed } from "./args.js";
import { printJson } from "./common.js";
import { formatIostat, iostatRows, kstatLines, timeStamp, type Selection } from "./iscsistat-format.js";
import { exitWith, report, runCommand } from "./main.js";
import { UsageError } from "./usage-error.js";
import { captureSnapshots } from "./capture-source.js";
import { CAPTURE_OPTIONS } from "./capture-run.js";

export const ISCSISTAT: CommandSpec = {
  name: "iscsistat",
  summary: "kstat-style statistics of iSCSI sessions: iostat -xn per session and LUN, or kstat -p lines",
  usage: "iscsistat [-p] [-m MOD] [-i INST] [-n NAME] [-s STAT] [-T u|d] [--json] [--db FILE | --pcap FILE] [interval [count]]",
  options: {
    parseable: { type: "boolean", short: "p", help: "every statistic as module:instance:name:statistic<TAB>value (kstat -p)" },
    module: { type: "string", short: "m", arg: "MOD", help: "kstats of this module (glob or /regex/)" },
    instance: { type: "string", short: "i", arg: "INST", help: "kstats of this instance (session id; glob or /regex/)" },
    name: { type: "string", short: "n", arg: "NAME", help: "kstats of this name (glob or /regex/)" },
    statistic: { type: "string", short: "s", arg: "STAT", help: "statistics of this name (glob or /regex/)" },
    time: { type: "string", short: "T", arg: "u|d", help: "print a time stamp before each report: u seconds since the epoch, d the date" },
    json: { type: "boolean", help: "each report as a JSON document" },
    db: { type: "string", arg: "FILE", help: "replay the counter snapshots of a recording" },
    pcap: { type: "string", arg: "FILE", help: "replay a capture (pcap or pcapng)" },
    ...CAPTURE_OPTIONS,
    socket: { type: "string", arg: "PATH", help: "the daemon's control socket" },
  },
  positionals: ["interval", "count"],
  required: 0,
  help: `Without an interval, one report. With one, a report every interval seconds, for count
reports (forever without a count). From a recording or capture the reports follow the
recorded time, printed at once; without an interval, one report covers all of it.
Examples:  iscsistat 1      iscsistat -p -s 'reads|writes'      iscsistat --db flight.sqlite 10`,
};

/** Where snapshots come from: each call gives the next, or undefined at the end. */
type Source = { next(): Promise<Kstat[] | undefined>; t(): bigint; close(): void; live: boolean };

async function daemonSource(socket: string): Promise<Source> {
  const c = await DaemonClient.connect(socket, "iscsistat");
  let t = 0n;
  return {
    live: true,
    next: async () => {
      const r = await c.request<SnapshotResponse>({ op: "snapshot" });
      t = BigInt(r.t);
      return r.kstats;
    },
    t: () => t,
    close: () => c.close(),
  };
}

/** Recorded snapshots, picked so that consecutive ones are at least `interval` apart. */
function recordingSource(file: string, intervalS: number | undefined): Source {
  const db = openRecording(file);
  const it = readSnapshots(db);
  let t = 0n;
  let last: bigint | undefined;
  return {
    live: false,
    next: async () => {
      for (let r = it.next(); !r.done; r = it.next()) {
        if (last !== undefined && intervalS !== undefined && r.value.t - last < BigInt(Math.round(intervalS * 1e9)) - 1_000_000n) continue;
        last = t = r.value.t;
        return r.value.kstats;
      }
      return undefined;
    },
    t: () => t,
    close: () => db.close(),
  };
}

function selection(v: Parsed["values"]): Selection {
  return { module: v.module as string | undefined, instance: v.instance as string | undefined, name: v.name as string | undefined, statistic: v.statistic as string | undefined };
}

export async function runIscsistat(p: Parsed): Promise<number> {
  const v = p.values;
  const interval = p.positionals[0] === undefined ? undefined : Number(p.positionals[0]);
  if (interval !== undefined && !(interval > 0 && interval <= 86400)) throw new UsageError(`interval must be a number of seconds above 0, got '${p.positionals[0]}'`);
  const count = p.positionals[1] === undefined ? (interval === undefined ? 1 : Infinity) : intOption(p.positionals[1], "count", 1, 1, 2 ** 31);
  const ts = v.time as "u" | "d" | undefined;
  if (ts !== undefined && ts !== "u" && ts !== "d") throw new UsageError(`-T takes u or d, got '${ts}'`);
  if (v.db && v.pcap) throw new UsageError("--db and --pcap are two sources: give one");
  const src = v.db ? recordingSource(v.db as string, interval)
    : v.pcap ? await captureSnapshots(v.pcap as string, interval ?? 1, v)
    : await daemonSource((v.socket as string | undefined) ?? defaultSocketPath());
  try {
    if (interval === undefined && !src.live) {
      // One report of a recording or capture: all of it, like iostat's first report since boot.
      let last: Kstat[] | undefined;
      for (let k = await src.next(); k; k = await src.next()) last = k;
      if (last) print(v, ts, src.t(), undefined, last);
      return 0;
    }
    let prev: Kstat[] | undefined;
    for (let n = 0; n < count; n++) {
      if (n > 0 && src.live) await new Promise((r) => setTimeout(r, interval! * 1000));
      const cur = await src.next();
      if (!cur) break;
      print(v, ts, src.t(), prev, cur);
      prev = cur;
    }
    return 0;
  } finally {
    src.close();
  }
}

function print(v: Parsed["values"], ts: "u" | "d" | undefined, t: bigint, prev: Kstat[] | undefined, cur: Kstat[]): void {
  const sel = selection(v);
  if (v.json) {
    const body = v.parseable ? Object.fromEntries(kstatLines(cur, sel)) : iostatRows(prev, cur);
    return printJson({ t, report: body });
  }
  const stamp = timeStamp(ts, t);
  if (stamp) console.log(stamp);
  if (v.parseable) {
    for (const [k, val] of kstatLines(cur, sel)) console.log(`${k}\t${val}`);
  } else {
    console.log(formatIostat(iostatRows(prev, cur)));
  }
}

if (process.argv[1]?.endsWith("iscsistat.js")) {
  runCommand("iscsistat", { spec: ISCSISTAT, run: runIscsistat }, process.argv.slice(2)).then(exitWith, (e) => exitWith(report("iscsistat", e)));
}
