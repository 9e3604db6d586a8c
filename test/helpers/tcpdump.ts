/**
 * Record a test's iSCSI traffic with tcpdump, to decode with tshark or our capture reader.
 *
 * Facts about tcpdump 4.99 / libpcap 1.10 here that shape this helper (measured):
 * - Without `--immediate-mode`, packets wait in the kernel ring until a buffer timeout, and a
 *   SIGINT before that loses them: one run printed "0 packets captured, 88 packets received
 *   by filter". With it, every packet reaches the file (`-U` flushes the file per packet).
 * - On `lo` each packet passes the filter twice (out and in) and libpcap keeps one copy, so
 *   "received by filter" is about twice "captured" there; that is not a loss.
 *   "dropped by kernel" is the loss: hundreds under `iscsi-perf` load even so.
 * - As root tcpdump switches to user `tcpdump` after opening the device and before opening
 *   the file, so it cannot write into a 0700 temp dir: `-Z root` keeps it root.
 * - It prints "listening on ..." to stderr once the filter is installed; packets sent before
 *   that line are not captured, so {@link startCapture} resolves only after it.
 * - Even in immediate mode, packets still in the ring when SIGINT arrives are lost (2 of 40
 *   in 2 runs of 10: the closing FIN/ACKs of a tool that had just exited). So `stop()`
 *   first waits until the file has not grown for `settleMs`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { killAndWait, reapOnExit } from "../../src/cli/peers/reaper.js";

/** Options of {@link startCapture}. */
export interface CaptureOptions {
  /** TCP port to record (either end). */
  port: number;
  /** Interface. Default "lo". */
  iface?: string;
  /** Output file. Default `capture.pcap` in a new temp dir, removed by `remove()`. */
  file?: string;
  /** Bytes kept per packet; 0 means tcpdump's maximum (262144). Default 0. */
  snaplen?: number;
  /** Only IPv4, only IPv6, or both. Default "both". */
  family?: "ipv4" | "ipv6" | "both";
  /** Kernel buffer in KiB (`-B`); more means fewer drops under load. Default 8192. */
  bufferKiB?: number;
  /** Give up waiting for "listening on" after this many ms. Default 5000. */
  startTimeoutMs?: number;
  /** `stop()` waits until the file has not grown for this long (at most 2 s). Default 100. */
  settleMs?: number;
}

/** tcpdump's closing counts. */
export interface CaptureStats {
  captured: number;
  receivedByFilter: number;
  droppedByKernel: number;
}

/** A running capture started by {@link startCapture}. */
export interface Capture {
  readonly pid: number;
  /** The pcap file being written. */
  readonly file: string;
  /**
   * SIGINT tcpdump, wait for it to flush and exit, and resolve with the file's path.
   * Rejects when tcpdump died before (its stderr in the message). Safe to call twice.
   */
  stop(): Promise<string>;
  /** Counts tcpdump printed at exit; undefined before `stop()` resolved. */
  readonly stats: CaptureStats | undefined;
  /** Packets the kernel dropped (0 when the capture has no holes); undefined before `stop()`. */
  readonly dropped: number | undefined;
  /** Everything tcpdump wrote to stderr. */
  log(): string;
  /** Stop if needed, then delete the file and the temp dir this helper made (not a `file` you gave). */
  remove(): Promise<void>;
}

/**
 * Start tcpdump on `iface` for `tcp port PORT` and resolve once it is listening, so no
 * packet sent afterwards is missed. Rejects with tcpdump's stderr if it exits or stays
 * silent past `startTimeoutMs`.
 *
 * @example
 * const cap = await startCapture({ port: tgtd.port });
 * t.after(() => cap.remove());
 * await run("iscsi-ls", ["-s", tgtd.url()]);
 * const file = await cap.stop();
 * assert.equal(cap.dropped, 0);
 */
export async function startCapture(opts: CaptureOptions): Promise<Capture> {
  const dir = opts.file === undefined ? await mkdtemp(join(tmpdir(), "iscsiscope-pcap-")) : undefined;
  const file = opts.file ?? join(dir ?? "", "capture.pcap");
  const proc = spawn("tcpdump", tcpdumpArgs(opts, file), { stdio: ["ignore", "ignore", "pipe"] });
  reapOnExit(proc, dir === undefined ? undefined : () => rmSync(dir, { recursive: true, force: true }));
  const stderr: string[] = [];
  proc.stderr?.on("data", (d: Buffer) => stderr.push(d.toString("utf8")));
  try {
    await listening(proc, stderr, opts.startTimeoutMs ?? 5000);
  } catch (e) {
    await killAndWait(proc);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw new Error(`tcpdump did not start: ${e instanceof Error ? e.message : String(e)}\n${stderr.join("")}`);
  }
  return captureHandle(proc, { file, dir, stderr, settleMs: opts.settleMs ?? 100 });
}

function tcpdumpArgs(opts: CaptureOptions, file: string): string[] {
  const family = opts.family ?? "both";
  const filter = `${family === "ipv4" ? "ip and " : family === "ipv6" ? "ip6 and " : ""}tcp port ${opts.port}`;
  const args = ["-i", opts.iface ?? "lo", "-U", "--immediate-mode", "-w", file, "-s", `${opts.snaplen ?? 0}`];
  args.push("-B", `${opts.bufferKiB ?? 8192}`, "-n");
  if (process.getuid?.() === 0) args.push("-Z", "root");
  return [...args, filter];
}

interface HandleState { file: string; dir: string | undefined; stderr: string[]; settleMs: number }

function captureHandle(proc: ChildProcess, { file, dir, stderr, settleMs }: HandleState): Capture {
  let stopping: Promise<string> | undefined;
  let stats: CaptureStats | undefined;
  // "close" comes after "exit" once stderr is drained: the counts are printed last.
  const closed = new Promise<void>((resolve) => proc.once("close", () => resolve()));
  const stop = (): Promise<string> => (stopping ??= (async () => {
    const alive = proc.exitCode === null && proc.signalCode === null;
    if (alive) await settled(file, settleMs);
    await killAndWait(proc, "SIGINT");
    await closed;
    if (!alive) throw new Error(`tcpdump had exited (${proc.exitCode ?? proc.signalCode}) before stop():\n${stderr.join("")}`);
    stats = parseStats(stderr.join(""));
    return file;
  })());
  return {
    pid: proc.pid ?? -1,
    file,
    stop,
    get stats() { return stats; },
    get dropped() { return stats?.droppedByKernel; },
    log: () => stderr.join(""),
    remove: async () => {
      await stop().catch(() => undefined);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve once `file` has kept the same size for `settleMs` (or after 2 s of steady growth). */
async function settled(file: string, settleMs: number): Promise<void> {
  const step = 20;
  let last = -1;
  let still = 0;
  for (let waited = 0; still < settleMs && waited < 2000; waited += step) {
    await sleep(step);
    const size = (await stat(file).catch(() => undefined))?.size ?? 0;
    still = size === last ? still + step : 0;
    last = size;
  }
}

/** Resolve when stderr has said "listening on"; reject if tcpdump exits or time runs out. */
function listening(proc: ChildProcess, stderr: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no "listening on" within ${timeoutMs} ms`)), timeoutMs);
    const onData = (): void => {
      if (stderr.join("").includes("listening on")) done();
    };
    const onExit = (code: number | null, signal: string | null): void => done(new Error(`tcpdump exited (${code ?? signal})`));
    const onError = (e: Error): void => done(new Error(`${e.message}: node dist/test/helpers/ensure-peers.js installs tcpdump`));
    function done(err?: Error): void {
      clearTimeout(timer);
      proc.stderr?.off("data", onData);
      proc.off("exit", onExit);
      proc.off("error", onError);
      if (err) reject(err);
      else resolve();
    }
    proc.stderr?.on("data", onData);
    proc.once("exit", onExit);
    proc.once("error", onError);
  });
}

/** "44 packets captured / 88 packets received by filter / 0 packets dropped by kernel". */
function parseStats(text: string): CaptureStats {
  const count = (what: string): number => Number(new RegExp(`(\\d+) packets? ${what}`).exec(text)?.[1] ?? NaN);
  return { captured: count("captured"), receivedByFilter: count("received by filter"), droppedByKernel: count("dropped by kernel") };
}
