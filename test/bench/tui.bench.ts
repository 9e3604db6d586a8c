/**
 * The dashboard's cost, on a pseudo terminal (a 200x50 tmux pane of a private tmux server),
 * with the synthetic feed of 100 sessions (test/helpers/synthetic-feed.ts):
 *
 * - CPU of the process at 1 Hz over 20 s, from /proc/<pid>/stat (target: under 5% of a core);
 * - heap after a full GC when an hour of replayed ticks has gone through as fast as it can,
 *   against the heap after the first minute and after 10 and 30 minutes (bounded: the same
 *   once the ten-minute rings are full).
 *
 * `benchTui()` is a section of `npm run bench`; `node dist/test/bench/tui.bench.js` runs it alone.
 */
import { readFileSync, rmSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { run } from "../../src/cli/peers/run.js";
import { TmuxPane } from "../helpers/tmux.js";
import { table } from "./measure.js";

const RUNNER = fileURLToPath(new URL("./tui-runner.js", import.meta.url));
const CPU_SECONDS = 20;
const TARGET_PCT = 5;

/** utime + stime of a process, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" "); // fields from 3 (state) on
  const hz = Number((await run("getconf", ["CLK_TCK"])).stdout.trim());
  return (Number(f[11]) + Number(f[12])) / hz; // utime, stime (fields 14, 15)
}

async function pidOf(file: string, timeoutMs = 10_000): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      return Number(readFileSync(file, "utf8"));
    } catch {
      if (Date.now() > end) throw new Error(`the dashboard runner wrote no ${file}`);
      await sleep(100);
    }
  }
}

interface CpuResult {
  pct: number;
  ticks: number;
  renders: number;
}

/** The live dashboard at 1 Hz for CPU_SECONDS after a warm-up. */
async function cpuAt1Hz(dir: string): Promise<CpuResult> {
  const out = join(dir, "live.json");
  const pane = await TmuxPane.start({ cols: 200, rows: 50, env: { TERM: "tmux-256color" }, command: [process.execPath, RUNNER, "live", out] });
  try {
    const pid = await pidOf(`${out}.pid`);
    await pane.waitFor(/Sessions 100 LOGGED_IN/, 15_000, "100 sessions");
    await sleep(3000);
    const c0 = await cpuSeconds(pid);
    const t0 = performance.now();
    await sleep(CPU_SECONDS * 1000);
    const pct = ((await cpuSeconds(pid)) - c0) / ((performance.now() - t0) / 1000) * 100;
    process.kill(pid, "SIGTERM");
    await pane.exited(10_000);
    const r = JSON.parse(readFileSync(out, "utf8")) as { ticks: number; renders: number };
    return { pct, ...r };
  } finally {
    await pane.kill();
  }
}

interface HourResult {
  ticks: number;
  renders: number;
  seconds: number;
  rss: number;
  heap: Array<{ ticks: number; heapUsed: number }>;
}

/** An hour of replayed ticks as fast as they go, heap at the marks. */
async function hourReplayed(dir: string): Promise<HourResult> {
  const out = join(dir, "hour.json");
  const pane = await TmuxPane.start({ cols: 200, rows: 50, env: { TERM: "tmux-256color" }, command: [process.execPath, "--expose-gc", RUNNER, "hour", out] });
  try {
    const rc = await pane.exited(300_000);
    if (rc !== 0) throw new Error(`the hour replay exited with ${rc}: ${pane.stderr()}`);
    return JSON.parse(readFileSync(out, "utf8")) as HourResult;
  } finally {
    await pane.kill();
  }
}

const MiB = (n: number) => (n / 2 ** 20).toFixed(1);

/**
 * Print the dashboard's CPU at 1 Hz and its heap over an hour of replay, 100 sessions.
 *
 * @example
 * await benchTui();
 */
export async function benchTui(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "iscsitop-bench-"));
  try {
    const cpu = await cpuAt1Hz(dir);
    table(`iscsitop, 100 live sessions, 1 Hz, 200x50 tmux pane, ${CPU_SECONDS} s (target: under ${TARGET_PCT}% of a core)`,
      ["measure", "value"], [
        ["CPU, % of one core", `${cpu.pct.toFixed(2)} ${cpu.pct < TARGET_PCT ? "(under target)" : "(ABOVE TARGET)"}`],
        ["ticks", cpu.ticks], ["renders", cpu.renders],
      ]);
    const h = await hourReplayed(dir);
    table(`iscsitop, an hour of replayed ticks of 100 sessions as fast as they go (${h.ticks} ticks in ${h.seconds.toFixed(1)} s, ${h.renders} renders)`,
      ["after ticks", "heap used, MiB (after GC)"], h.heap.map((x) => [String(x.ticks), MiB(x.heapUsed)]));
    console.log(`rss at the end: ${MiB(h.rss)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchTui();
