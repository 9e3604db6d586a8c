/**
 * Driving a capture through the replay for the commands that read captures (iscsisnoop,
 * iscsistat --pcap, iscsitop --pcap): the `--port` option, the read loop with a hook per
 * event, counter snapshots at capture-time intervals, and waiting for the recorder when it
 * falls behind (a capture is replayed far faster than it was recorded; nothing is dropped).
 */
import { decodeCapture, readCapture, type CaptureEvent, type CaptureOptions, type CaptureSummary } from "../capture/index.js";
import type { ProbeBus } from "../probe/bus.js";
import type { Ns } from "../probe/types.js";
import type { Recorder } from "../record/recorder.js";
import { Replay, type ReplayStats } from "../replay/index.js";
import type { OptionSpec } from "./args.js";
import { UsageError } from "./usage-error.js";

/** Options of every command that reads a capture. */
export const CAPTURE_OPTIONS: Record<string, OptionSpec> = {
  port: { type: "string", arg: "PORT[,PORT]", help: "target TCP port(s) (default 3260; other ports are found by a header heuristic)" },
  "no-heuristic": { type: "boolean", help: "only the given ports: do not look for iSCSI elsewhere" },
};

/**
 * `--port 3260,3261` as a port list (default [3260]).
 *
 * @example
 * capturePorts("3260,3261"); // [3260, 3261]
 */
export function capturePorts(v: unknown): number[] {
  if (v === undefined) return [3260];
  const ports = String(v).split(",").map((x) => x.trim());
  for (const p of ports) {
    if (!/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 65535) throw new UsageError(`--port takes TCP ports from 1 to 65535, separated by commas; got '${v}'`);
  }
  return ports.map(Number);
}

/** The capture options of parsed `--port` and `--no-heuristic`. */
export function captureOptions(v: Record<string, unknown>): CaptureOptions {
  return { ports: capturePorts(v.port), heuristic: v["no-heuristic"] !== true };
}

export interface CaptureRunOptions extends CaptureOptions {
  /** Called before the replay sees each event (the replay's state is still the one before it). */
  before?: (e: CaptureEvent) => void;
  /** Called after the replay has handled each event (its probes have fired). */
  after?: (e: CaptureEvent) => void | Promise<void>;
  /** Called each time capture time crosses a multiple of `everyNs` (from the first frame), and at the end. */
  every?: { ns: Ns; fn: (t: Ns) => void | Promise<void> };
  /** Wait for this recorder to commit when it holds more than half its queue. */
  recorder?: Recorder;
  /** The replay to drive (default a new one on `bus`). */
  replay?: Replay;
}

export interface CaptureRunResult {
  summary: CaptureSummary;
  replay: ReplayStats;
  /** Capture time of the first and last frame that carried an event (undefined for an empty capture). */
  firstT: Ns | undefined;
  lastT: Ns | undefined;
}

/**
 * Capture time of the first iSCSI event of `file` (a recording of it starts then), or
 * undefined when there is none. Rejects with CaptureError like {@link runCapture}.
 */
export async function firstEventTime(file: string, o: CaptureOptions = {}): Promise<Ns | undefined> {
  for await (const e of readCapture(file, o)) if ("time" in e) return e.time;
  return undefined;
}

/** Records the recorder may hold before the replay waits for it. */
const RECORDER_HIGH_WATER = 16384;

/**
 * Replay `file` onto `bus` (module pcap). Rejects with CaptureError for a file that is not a
 * capture.
 *
 * @example
 * const { summary } = await runCapture("night.pcap", bus, { ports: [3260], every: { ns: 1_000_000_000n, fn: (t) => stats.snapshot(t) } });
 */
export async function runCapture(file: string, bus: ProbeBus, o: CaptureRunOptions = {}): Promise<CaptureRunResult> {
  const replay = o.replay ?? new Replay(bus);
  let firstT: Ns | undefined;
  let lastT: Ns | undefined;
  if (!o.every && !o.recorder && !o.after) {
    // Nothing to wait for: the push reader, the fastest (no queue between reader and replay).
    const summary = await decodeCapture(file, (e) => {
      o.before?.(e);
      replay.push(e);
      if ("time" in e) {
        firstT ??= e.time;
        lastT = e.time;
      }
    }, o);
    return { summary, replay: replay.finish(), firstT, lastT };
  }
  const stream = readCapture(file, o);
  let nextTick: Ns | undefined;
  for await (const e of stream) {
    const t = "time" in e ? e.time : undefined;
    if (t !== undefined && o.every) {
      nextTick ??= t + o.every.ns;
      while (t >= nextTick) {
        await o.every.fn(nextTick);
        nextTick += o.every.ns;
      }
    }
    o.before?.(e);
    replay.push(e);
    const wait = o.after?.(e);
    if (wait) await wait;
    if (t !== undefined) {
      firstT ??= t;
      lastT = t;
    }
    if (o.recorder && o.recorder.pending > RECORDER_HIGH_WATER) await o.recorder.flush();
  }
  const stats = replay.finish();
  if (o.every && lastT !== undefined) await o.every.fn(lastT);
  return { summary: stream.summary!, replay: stats, firstT, lastT };
}
