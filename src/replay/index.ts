/**
 * Replay: a capture file's iSCSI traffic turned back into the probes a live initiator fires
 * (module `pcap`, capture time), so the recorder, iscsistat, iscsitop and probe scripts read
 * a post-mortem the way they read a live session.
 */
import { decodeCapture, type CaptureEvent, type CaptureOptions, type CaptureSummary } from "../capture/index.js";
import type { ProbeBus } from "../probe/bus.js";
import { Replay, type ReplayOptions, type ReplayStats } from "./replay.js";

export { Replay, type ReplayOptions, type ReplayStats } from "./replay.js";
export { ReplayConn, ReplaySession, ReplayTask } from "./objects.js";
export { parseTargetAddress } from "./login.js";

export interface ReplayCaptureOptions extends CaptureOptions, ReplayOptions {
  /** Every capture event, after the replay has handled it (for a per-PDU listing, progress). */
  onEvent?: (e: CaptureEvent) => void;
}

/**
 * Decode `file` and replay it onto `bus`. Resolves with the capture's summary and the
 * replay's own counts; rejects only with CaptureError (not a readable capture).
 *
 * @example
 * const bus = new ProbeBus();
 * const stats = new IscsiStats(bus, "pcap");
 * const { summary } = await replayCapture("night.pcapng", bus, { ports: [3260] });
 * console.log(summary.verdict, stats.snapshot().length);
 */
export async function replayCapture(file: string, bus: ProbeBus, opts: ReplayCaptureOptions = {}): Promise<{ summary: CaptureSummary; stats: ReplayStats }> {
  const replay = new Replay(bus, opts);
  const onEvent = opts.onEvent;
  const summary = await decodeCapture(file, onEvent ? (e) => {
    replay.push(e);
    onEvent(e);
  } : (e) => replay.push(e), opts);
  return { summary, stats: replay.finish() };
}
