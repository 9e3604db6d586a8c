/**
 * `iscsiscope bench` against libiscsi's `iscsi-perf` on the same private tgtd, in the same
 * run, alternating, each a separate process: 4 KiB random read at QD32, 4 KiB random read at
 * QD1, 1 MiB sequential read at QD4; ours once with nothing subscribed and once with every
 * probe subscribed (a counting subscriber on `iscsi:::`). Prints IOPS, MB/s, CPU per I/O (all
 * of it, and the user-space part: at QD1 that part is on the latency path, since the kernel's
 * share is about the same for every client) and the ratios. CPU of iscsi-perf is read from /proc
 * while it runs (user and system ticks).
 * A fourth row, the Node floor (floor-client.ts), runs the same reads from a bare socket
 * loop with no initiator around it: what Node itself allows on this machine.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTgtd } from "../../src/cli/peers/tgtd.js";
import { repoRoot } from "../helpers/paths.js";
import { table } from "./measure.js";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IQN = "iqn.2026-11.io.iscsiscope.bench:disk";
const LUN_BLOCKS = (1 << 30) / 512;
const BIN = join(repoRoot, "dist", "src", "cli", "iscsiscope.js");

interface Config { name: string; random: boolean; qd: number; bs: number }
const CONFIGS: Config[] = [
  { name: "4 KiB randread QD32", random: true, qd: 32, bs: 4096 },
  { name: "4 KiB randread QD1", random: true, qd: 1, bs: 4096 },
  { name: "1 MiB seqread QD4", random: false, qd: 4, bs: 1 << 20 },
];

/** CPU per I/O in microseconds: all of it, and the part spent in user space (at QD1 it is on the latency path). */
interface Sample { iops: number; mbps: number; cpuUsPerIo: number; userUsPerIo: number }

/** CPU seconds (user, system) of a process, from /proc/PID/stat, undefined once it is gone. */
function cpuSeconds(pid: number): { user: number; system: number } | undefined {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
  } catch {
    return undefined;
  }
}

function iscsiPerf(url: string, c: Config): Promise<Sample> {
  const args = [...(c.random ? ["-r"] : []), "-m", String(c.qd), "-b", String(c.bs / 512), "-t", String(SECONDS), url];
  return new Promise((resolve, reject) => {
    const child = spawn("iscsi-perf", args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let cpu = { user: 0, system: 0 };
    child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
    const poll = setInterval(() => { cpu = cpuSeconds(child.pid!) ?? cpu; }, 50);
    child.on("close", () => {
      clearInterval(poll);
      const m = [...out.replace(/\r/g, "\n").matchAll(/iops average (\d+) \((\d+) MB\/s\)/g)].pop();
      if (!m) return reject(new Error(`iscsi-perf printed no average: ${out.slice(-300)}`));
      const iops = Number(m[1]);
      const ios = iops * SECONDS;
      resolve({ iops, mbps: (iops * c.bs) / 1e6, cpuUsPerIo: ((cpu.user + cpu.system) * 1e6) / ios, userUsPerIo: (cpu.user * 1e6) / ios });
    });
  });
}

/** Run a node script that prints one JSON document; resolve with it. */
function nodeJson<T>(what: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${what} failed: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as T);
    });
  });
}

async function ours(url: string, c: Config, probes: boolean): Promise<Sample> {
  const args = [BIN, "bench", url, "--rw", c.random ? "randread" : "read", "--bs", String(c.bs), "--qd", String(c.qd),
    "--time", String(SECONDS), "--json", ...(probes ? ["--probes", "iscsi:::"] : [])];
  const r = await nodeJson<{ read: { iops: number; ios: number; bw: number }; cpu: { usPerIo: number; userS: number } }>("iscsiscope bench", args);
  return { iops: r.read.iops, mbps: r.read.bw / 1e6, cpuUsPerIo: r.cpu.usPerIo, userUsPerIo: (r.cpu.userS * 1e6) / r.read.ios };
}

/** The Node floor (floor-client.ts): a raw socket loop, no initiator, on the same target and LUN. */
async function floor(port: number, c: Config): Promise<Sample> {
  const args = [join(repoRoot, "dist", "test", "bench", "floor-client.js"), "127.0.0.1", String(port), IQN, "1", "--qd", String(c.qd),
    "--bs", String(c.bs), "--blocks", String(LUN_BLOCKS), "--time", String(SECONDS), ...(c.random ? ["--random"] : [])];
  const r = await nodeJson<{ iops: number; cpuUsPerIo: number; userUsPerIo: number }>("floor-client", args);
  return { iops: r.iops, mbps: (r.iops * c.bs) / 1e6, cpuUsPerIo: r.cpuUsPerIo, userUsPerIo: r.userUsPerIo };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export async function benchInitiator(): Promise<void> {
  const tgtd = await startTgtd();
  try {
    await tgtd.addTarget({ iqn: IQN, luns: [{ size: LUN_BLOCKS * 512 }] });
    const url = `iscsi://127.0.0.1:${tgtd.port}/${IQN}/1`;
    const rows: Array<Array<string | number>> = [];
    for (const c of CONFIGS) {
      const lib: Sample[] = [];
      const none: Sample[] = [];
      const all: Sample[] = [];
      const raw: Sample[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        lib.push(await iscsiPerf(url, c));
        // Probes off and on take turns going first, so neither always runs second.
        if (r % 2 === 0) {
          none.push(await ours(url, c, false));
          all.push(await ours(url, c, true));
        } else {
          all.push(await ours(url, c, true));
          none.push(await ours(url, c, false));
        }
        raw.push(await floor(tgtd.port, c));
      }
      const m = (xs: Sample[], k: keyof Sample) => median(xs.map((x) => x[k]));
      // Ratios are paired by round, then the median taken: this VM's speed drifts by 10-20%
      // over minutes, and a round's runs share its speed.
      const ratio = (xs: Sample[], base: Sample[]) => median(xs.map((x, r) => x.iops / base[r].iops));
      for (const [tool, xs] of [["iscsi-perf (libiscsi)", lib], ["iscsiscope, nothing subscribed", none], ["iscsiscope, every probe subscribed", all],
        ["node floor: raw socket loop, no initiator", raw]] as const) {
        rows.push([c.name, tool, Math.round(m(xs, "iops")), m(xs, "mbps").toFixed(1), m(xs, "cpuUsPerIo").toFixed(1), m(xs, "userUsPerIo").toFixed(1),
          ratio(xs, lib).toFixed(2)]);
      }
      rows.push([c.name, "every probe vs nothing: IOPS", "", "", "", "", `${((ratio(all, none) - 1) * 100).toFixed(1)}%`]);
    }
    table(`Initiator against libiscsi's iscsi-perf on one tgtd (file LUN), ${SECONDS} s x ${ROUNDS} rounds each, medians (ratios: of each round's); tgtd shares the two cores`,
      ["workload", "initiator", "IOPS", "MB/s", "CPU us/IO", "user us/IO", "vs libiscsi"], rows);
  } finally {
    await tgtd.stop();
  }
}
