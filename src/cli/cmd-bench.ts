/**
 * `iscsiscope bench URL`: a fio-like workload through the instrumented initiator, with a live
 * progress line on a terminal and a summary of IOPS, bandwidth and latency percentiles.
 */
import type { CommandSpec, Parsed } from "./args.js";
import { intOption, secondsOption, sizeOption } from "./args.js";
import { RW_MODES, runWorkload, type OpResult, type RwMode, type WorkloadOptions, type WorkloadResult, type Progress } from "../initiator/workload.js";
import { DaemonClient } from "../daemon/client.js";
import { defaultSocketPath } from "../daemon/socket-path.js";
import { commandRig, INITIATOR_OPTIONS, loginFromUrl, printJson, urlArg } from "./common.js";
import { UsageError } from "./usage-error.js";

export const BENCH: CommandSpec = {
  name: "bench",
  summary: "a fio-like workload through the initiator: IOPS, MB/s and latency percentiles",
  usage: "iscsiscope bench iscsi://HOST[:PORT]/TARGET/LUN | --session SID --lun N [--rw MODE] [--bs SIZE] [--qd N] [--time S] [--verify]",
  options: {
    ...INITIATOR_OPTIONS,
    rw: { type: "string", arg: "MODE", help: `${RW_MODES.join("|")} (default randread)` },
    bs: { type: "string", arg: "SIZE", help: "bytes per I/O, e.g. 512, 4k, 1m (default 4k)" },
    qd: { type: "string", arg: "N", help: "I/Os in flight (default 32)" },
    time: { type: "string", arg: "S", help: "how long, e.g. 10, 30s, 2m (default 10 s)" },
    rwmix: { type: "string", arg: "PCT", help: "reads in % for randrw and rw (default 70)" },
    verify: { type: "boolean", help: "stamp every block written and check it when read back" },
    session: { type: "string", arg: "SID", help: "run the workload inside the daemon, on a session it holds (see iscsiscope list)" },
    lun: { type: "string", arg: "N", help: "with --session: the LUN (default 1)" },
    socket: { type: "string", arg: "PATH", help: "with --session: the daemon's control socket" },
    rate: { type: "string", arg: "IOPS", help: "pace the I/O at this many per second (fio's rate_iops)" },
    probes: { type: "string", arg: "PATTERN", help: "subscribe a counter to the probes matching PATTERN (e.g. iscsi::: for all) to see what observing costs" },
  },
  positionals: ["URL"],
  required: 0,
  help: `Writes go to the LUN: run it only on a LUN whose data you do not need.
Example: iscsiscope bench iscsi://127.0.0.1/iqn.2026-11.example:disk1/1 --rw randrw --bs 4k --qd 32 --time 30s`,
};

export async function runBench(p: Parsed): Promise<number> {
  if (p.values.session !== undefined) return benchInDaemon(p);
  const url = urlArg(p.positionals[0], { target: true, lun: true });
  const opts = workloadOptions(p, url.lun!);
  const rig = await commandRig(p.values);
  try {
    let probeEvents = 0;
    if (typeof p.values.probes === "string") {
      try {
        rig.bus.subscribe(p.values.probes, () => { probeEvents++; });
      } catch (e) {
        throw new UsageError(`--probes: ${(e as Error).message}`);
      }
    }
    const s = await loginFromUrl(rig, url, p.values, { queueDepth: opts.qd });
    const live = process.stdout.isTTY && !p.values.json;
    const result = await runWorkload(s, { ...opts, onTick: live ? (x) => process.stdout.write(`\r${progressLine(x, opts.seconds)}`) : undefined });
    if (live) process.stdout.write("\r\x1b[K");
    await s.logout();
    const out = typeof p.values.probes === "string" ? { ...result, probes: { pattern: p.values.probes, events: probeEvents } } : result;
    if (p.values.json) printJson(out);
    else console.log(formatBenchResult(out, url.targetName));
    return result.errors > 0 || result.verifyMismatches > 0 ? 1 : 0;
  } finally {
    await rig.close();
  }
}

/** The workload options from the command line (shared by both ways of running it). */
function workloadOptions(p: Parsed, lun: number): WorkloadOptions {
  const rw = (p.values.rw ?? "randread") as RwMode;
  if (!RW_MODES.includes(rw)) throw new UsageError(`--rw must be one of ${RW_MODES.join(", ")}, got '${p.values.rw}'`);
  const o: WorkloadOptions = {
    lun, rw, bs: sizeOption(p.values.bs, "bs", 4096), qd: intOption(p.values.qd, "qd", 32, 1, 1024),
    seconds: secondsOption(p.values.time, "time", 10), rwmix: intOption(p.values.rwmix, "rwmix", 70, 0, 100), verify: p.values.verify === true,
    rateIops: p.values.rate === undefined ? undefined : intOption(p.values.rate, "rate", 0, 1, 10_000_000),
  };
  if (o.verify && (rw === "read" || rw === "randread")) throw new UsageError("--verify needs a workload that writes (write, randwrite, randrw, rw)");
  return o;
}

/** `bench --session SID`: the daemon runs the workload on a session it holds. */
async function benchInDaemon(p: Parsed): Promise<number> {
  const sid = intOption(p.values.session, "session", 0, 1, 2 ** 31);
  const o = workloadOptions(p, intOption(p.values.lun, "lun", 1, 0, 16383));
  const c = await DaemonClient.connect((p.values.socket as string | undefined) ?? defaultSocketPath(), "bench");
  try {
    const { result } = await c.request<{ result: WorkloadResult }>({ op: "workload", sid, workload: o });
    if (p.values.json) printJson(result);
    else console.log(formatBenchResult(result, `session ${sid}`));
    return result.errors > 0 || result.verifyMismatches > 0 ? 1 : 0;
  } finally {
    c.close();
  }
}

function si(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(0);
}

function progressLine(x: Progress, total: number): string {
  const t = Math.max(x.elapsedS, 1e-9);
  return `[r=${si(x.readIos / t)} w=${si(x.writeIos / t)} IOPS] [r=${(x.readBytes / t / 2 ** 20).toFixed(1)} w=${(x.writeBytes / t / 2 ** 20).toFixed(1)} MiB/s] [${x.elapsedS.toFixed(0)}/${total} s]`;
}

function opLines(name: string, r: OpResult, elapsedS: number): string[] {
  if (r.ios === 0) return [];
  const us = (ns: number) => (ns / 1e3).toFixed(ns < 1e5 ? 1 : 0);
  return [
    `  ${name}: IOPS=${si(r.iops)}, BW=${(r.bw / 2 ** 20).toFixed(1)}MiB/s (${(r.bw / 1e6).toFixed(1)}MB/s) (${r.ios} I/Os in ${elapsedS.toFixed(1)} s)`,
    `    lat (usec): min=${us(r.lat.min)}, max=${us(r.lat.max)}, avg=${us(r.lat.avg)}`,
    `    lat percentiles (usec): 50th=${us(r.lat.p50)}, 90th=${us(r.lat.p90)}, 95th=${us(r.lat.p95)}, 99th=${us(r.lat.p99)}, 99.9th=${us(r.lat.p999)}`,
  ];
}

/** The fio-like summary. */
export function formatBenchResult(r: WorkloadResult & { probes?: { pattern: string; events: number } }, target: string): string {
  const bs = r.bs % 1048576 === 0 ? `${r.bs / 1048576}m` : r.bs % 1024 === 0 ? `${r.bs / 1024}k` : `${r.bs}`;
  const cpuPct = (s: number) => ((s / r.elapsedS) * 100).toFixed(1);
  return [
    `${r.rw}: bs=${bs} qd=${r.qd} time=${r.elapsedS.toFixed(1)}s lun=${r.lun} ${target}`,
    ...opLines("read", r.read, r.elapsedS),
    ...opLines("write", r.write, r.elapsedS),
    `  cpu: usr=${cpuPct(r.cpu.userS)}%, sys=${cpuPct(r.cpu.sysS)}% of one core; ${r.cpu.usPerIo.toFixed(1)} us per I/O`,
    `  errors: ${r.errors}${r.firstError ? ` (first: ${r.firstError})` : ""}, verify mismatches: ${r.verifyMismatches}` +
      (r.unitAttentions ? `, unit attentions retried: ${r.unitAttentions}` : ""),
    ...(r.probes ? [`  probes ${r.probes.pattern}: ${r.probes.events} events (${si(r.probes.events / r.elapsedS)}/s)`] : []),
  ].join("\n");
}
