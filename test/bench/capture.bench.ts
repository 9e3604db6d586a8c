/**
 * Capture decoding speed on a real capture (issue 5): a private tgtd on loopback, our
 * initiator's `bench` writing and reading 1 MiB sequentially and reading 4 KiB at random
 * (large and small PDUs) while tcpdump records the port into a temp dir, until the file holds
 * at least MB megabytes (default 500) with "0 packets dropped by kernel". Then, on that same
 * file, each in a process of its own, alternating, ROUNDS times (medians): our decodeCapture
 * (push) and readCapture (for await), our reading alone (file and pcap-parser, frames handed to
 * nothing: the floor under our decoding), `iscsisnoop summary` (decoding, replay and summary:
 * the command issue 5 names), `tshark -n -r FILE -Y iscsi` (with
 * `-d tcp.port==PORT,iscsi` and TSHARK_PREFS) and `tcpdump -n -r FILE` as a reference. Prints wall time of the whole
 * process (startup included, as for the tools), frames/s, MB/s, the ratio to tshark, peak RSS,
 * and for ours the decoding time inside the process. The capture is deleted at the end.
 *
 * `node dist/test/bench/capture.bench.js [MB]` runs it alone; `... --decode push|iter|frames FILE PORT`
 * is the child that decodes (prints JSON).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { killAndWait, reapOnExit } from "../../src/cli/peers/reaper.js";
import { run } from "../../src/cli/peers/run.js";
import { startTgtd } from "../../src/cli/peers/tgtd.js";
import { decodeCapture, readCapture } from "../../src/capture/read-capture.js";
import { pumpFile } from "../../src/capture/source.js";
import type { CaptureSummary } from "../../src/capture/types.js";
import { repoRoot } from "../helpers/paths.js";
import { TSHARK_PREFS } from "../helpers/tshark.js";
import { table } from "./measure.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IQN = "iqn.2026-11.io.iscsiscope.bench:capture";
const CLI = join(repoRoot, "dist", "src", "cli", "iscsiscope.js");
const SNOOP = join(repoRoot, "dist", "src", "cli", "iscsisnoop.js");
const SELF = fileURLToPath(import.meta.url);
const TIME = "/usr/bin/time";

/**
 * One round of the recorded workload, one `iscsiscope bench` each, paced (--rate) so that
 * tcpdump keeps up on two cores shared with tgtd and the initiator (unpaced, it dropped
 * thousands of frames here): ~120 MB of 1 MiB writes, ~120 MB of 1 MiB reads (64 KiB
 * loopback segments, PDUs spanning them), ~65 MB of 4 KiB random reads (small frames).
 */
const PHASES: string[][] = [
  ["--rw", "write", "--bs", "1m", "--qd", "4", "--rate", "120"],
  ["--rw", "read", "--bs", "1m", "--qd", "4", "--rate", "120"],
  ["--rw", "randread", "--bs", "4k", "--qd", "32", "--rate", "15000"],
];

interface Recorded { file: string; port: number; frames: number; dropped: number }

/** Record rounds of PHASES until `file` holds `megabytes` MB; tcpdump's counts at the end. */
async function record(file: string, megabytes: number, pace: number): Promise<Recorded> {
  const tgtd = await startTgtd();
  try {
    await tgtd.addTarget({ iqn: IQN, luns: [{ size: "1G" }] });
    const url = `iscsi://127.0.0.1:${tgtd.port}/${IQN}/1`;
    const dump = spawn("tcpdump", ["-i", "lo", "-s", "0", "-B", "65536", "-n", "-Z", "root", "-w", file, `tcp port ${tgtd.port}`],
      { stdio: ["ignore", "ignore", "pipe"] });
    reapOnExit(dump);
    let log = "";
    dump.stderr.on("data", (d: Buffer) => (log += d.toString()));
    const closed = new Promise<void>((resolve) => dump.once("close", () => resolve()));
    try {
      for (let t = 0; !log.includes("listening on"); t += 20) {
        if (t > 5000 || dump.exitCode !== null) throw new Error(`tcpdump did not start: ${log}`);
        await sleep(20);
      }
      while (size(file) < megabytes * 1e6) {
        for (const p of PHASES) {
          const args = p.map((a, i) => (p[i - 1] === "--rate" ? String(Math.round(Number(a) * pace)) : a));
          await run(process.execPath, [CLI, "bench", url, ...args, "--time", "1", "--json"], { timeoutMs: 60_000 });
        }
      }
      // Without --immediate-mode libpcap hands packets over per 1 s block timeout: wait for the last block.
      for (let last = -1, still = 0; still < 1500; still = size(file) === last ? still + 100 : 0) {
        last = size(file);
        await sleep(100);
      }
    } finally {
      await killAndWait(dump, "SIGINT");
      await closed;
    }
    const count = (what: string): number => Number(new RegExp(`(\\d+) packets? ${what}`).exec(log)?.[1] ?? NaN);
    return { file, port: tgtd.port, frames: count("captured"), dropped: count("dropped by kernel") };
  } finally {
    await tgtd.stop();
  }
}

function size(file: string): number {
  return existsSync(file) ? statSync(file).size : 0;
}

interface Timed { seconds: number; rssMiB: number | undefined; stdout: string }

/** Run a command as a whole process; wall seconds, peak RSS (through /usr/bin/time when present), stdout. */
function timeProcess(cmd: string, args: string[]): Promise<Timed> {
  const timed = existsSync(TIME);
  const [file, argv] = timed ? [TIME, ["-f", "%M", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(file, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    p.stdout.on("data", (d: Buffer) => { if (out.length < 1 << 16) out += d.toString(); });
    p.stderr.on("data", (d: Buffer) => (err += d.toString()));
    p.on("error", reject);
    p.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      if (code !== 0) return reject(new Error(`${cmd} exited ${code}: ${err.slice(-500)}`));
      const kib = timed ? Number(/(\d+)\s*$/.exec(err)?.[1]) : NaN;
      resolve({ seconds, rssMiB: Number.isFinite(kib) ? kib / 1024 : undefined, stdout: out });
    });
  });
}

/** What the decoding child reports. */
interface ChildReport { seconds: number; frames: number; bytes: number; pdus: number; rssMiB: number; verdict: string }

/** The child: decode `file` push-style or with for-await, print a ChildReport as JSON. */
async function decodeChild(mode: string, file: string, port: number): Promise<void> {
  const opts = { ports: [port] };
  let pdus = 0;
  let summary: CaptureSummary | undefined;
  const t0 = process.hrtime.bigint();
  if (mode === "iter") {
    const stream = readCapture(file, opts);
    for await (const e of stream) if (e.type === "pdu") pdus++;
    summary = stream.summary;
  } else if (mode === "frames") {
    const s = { frames: 0, bytes: 0, verdict: "frames only" } as CaptureSummary;
    await pumpFile(file, { frame: (f) => { s.frames++; s.bytes += f.data.length; }, warning: () => undefined, linkType: () => undefined },
      { gate: () => undefined, cancelled: () => false });
    summary = s;
  } else {
    summary = await decodeCapture(file, (e) => { if (e.type === "pdu") pdus++; }, opts);
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = summary!;
  const report: ChildReport = { seconds, frames: s.frames, bytes: s.bytes, pdus, rssMiB: process.resourceUsage().maxRSS / 1024, verdict: s.verdict };
  console.log(JSON.stringify(report));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** tshark's PDU count (opcodes of every PDU of every frame), to set against ours. */
async function tsharkPdus(file: string, port: number, prefs: string[]): Promise<number> {
  const r = await run("tshark", ["-n", "-r", file, "-d", `tcp.port==${port},iscsi`, ...prefs, "-Y", "iscsi", "-T", "fields", "-e", "iscsi.opcode"],
    { timeoutMs: 600_000 });
  return r.stdout.split("\n").filter((l) => l !== "").reduce((n, l) => n + l.split(",").length, 0);
}

/**
 * Record a real capture of at least `megabytes` MB, decode it with ours, tshark and tcpdump,
 * print a table.
 *
 * @example
 * await benchCapture(); // >= 500 MB; prints frames/s, MB/s, ratios to tshark, peak RSS
 */
export async function benchCapture(megabytes = 500): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-capture-bench-"));
  try {
    const file = join(dir, "bench.pcap");
    let rec = await record(file, megabytes, 1);
    if (rec.dropped !== 0) {
      console.log(`capture: tcpdump dropped ${rec.dropped} frames; recording again at half the rate`);
      rm(file);
      rec = await record(file, megabytes, 0.5);
      if (rec.dropped !== 0) throw new Error(`tcpdump dropped ${rec.dropped} frames twice: the machine is too busy to record a whole capture`);
    }
    const mb = size(file) / 1e6;
    const prefs = Object.entries(TSHARK_PREFS).flatMap(([k, v]) => ["-o", `${k}:${v}`]);
    const tools: Array<[string, string, string[]]> = [
      ["ours, decodeCapture (push)", process.execPath, [SELF, "--decode", "push", file, String(rec.port)]],
      ["ours, readCapture (for await)", process.execPath, [SELF, "--decode", "iter", file, String(rec.port)]],
      ["ours, frames only (read + pcap-parser)", process.execPath, [SELF, "--decode", "frames", file, String(rec.port)]],
      ["iscsisnoop summary (decode + replay)", process.execPath, [SNOOP, "summary", "--port", String(rec.port), file]],
      ["tcpdump -n -r", "tcpdump", ["-n", "-r", file]],
      ["tshark -Y iscsi", "tshark", ["-n", "-r", file, "-d", `tcp.port==${rec.port},iscsi`, ...prefs, "-Y", "iscsi"]],
    ];
    const runs = tools.map(() => [] as Array<Timed & { child?: ChildReport }>);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [k, [, cmd, args]] of tools.entries()) {
        const t = await timeProcess(cmd, args);
        runs[k].push(args[0] === SELF ? { ...t, child: JSON.parse(t.stdout) as ChildReport } : t);
      }
    }
    const ours = runs[0][0].child!;
    if (ours.frames !== rec.frames) throw new Error(`ours read ${ours.frames} frames, tcpdump captured ${rec.frames}`);
    const tshark = median(runs[tools.length - 1].map((t) => t.seconds));
    const rows = tools.map(([name], k) => {
      const s = median(runs[k].map((t) => t.seconds));
      const rss = runs[k].map((t) => t.child?.rssMiB ?? t.rssMiB).filter((x) => x !== undefined) as number[];
      const inside = runs[k][0].child === undefined ? "" : median(runs[k].map((t) => t.child!.seconds)).toFixed(3);
      return [name, s.toFixed(3), inside, rec.frames / s, mb / s, (tshark / s).toFixed(2), rss.length ? Math.max(...rss).toFixed(0) : "?"];
    });
    table(`capture decoding: ${mb.toFixed(0)} MB real capture (tgtd, iscsiscope bench 1 MiB write/read + 4 KiB randread), ${rec.frames} frames, ` +
      `0 dropped; medians of ${ROUNDS} runs, each a whole process`,
      ["reader", "seconds", "decode s", "frames/s", "MB/s", "x tshark", "peak RSS MiB"], rows);
    console.log(`ours: ${ours.verdict}; tshark -T fields -e iscsi.opcode: ${await tsharkPdus(file, rec.port, prefs)} PDUs`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function rm(file: string): void {
  rmSync(file, { force: true });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  if (process.argv[2] === "--decode") await decodeChild(process.argv[3], process.argv[4], Number(process.argv[5]));
  else await benchCapture(Number(process.argv[2] ?? 500));
}
