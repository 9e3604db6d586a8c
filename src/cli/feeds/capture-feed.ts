/**
 * `iscsitop --pcap FILE`: a capture replayed. The capture is read once up front to find
 * where it starts and ends (and to refuse a file that is not a capture before the screen
 * opens); then it is replayed as the position advances: the replay (src/replay) fires its
 * probes into an IscsiStats and the event watcher, exactly as a live session feeds the
 * daemon. Seeking forward reads on; seeking back starts the replay again from the top.
 */
import { decodeCapture, readCapture, type CaptureEvent, type CaptureOptions } from "../../capture/index.js";
import { ProbeBus } from "../../probe/bus.js";
import type { Ns } from "../../probe/types.js";
import { Replay } from "../../replay/index.js";
import { IscsiStats } from "../../stat/collector.js";
import { watchEvents } from "../../tui/events.js";
import type { FeedEvent, FeedTick } from "../../tui/feed.js";
import { ReplayPlayer, type ReplaySource } from "../../tui/replay-player.js";
import { UsageError } from "../usage-error.js";

/** Events kept for one tick at most. */
const MAX_EVENTS = 5000;

/** One pass of the replay over the file, from its start. */
class Pass {
  readonly bus = new ProbeBus();
  readonly stats = new IscsiStats(this.bus, "pcap");
  readonly replay = new Replay(this.bus);
  events: FeedEvent[] = [];
  private readonly it: AsyncIterator<CaptureEvent>;
  private ahead: CaptureEvent | undefined;
  private done = false;
  private readonly off: () => void;

  constructor(file: string, opts: CaptureOptions) {
    this.off = watchEvents(this.bus, (e) => {
      if (this.events.length < MAX_EVENTS) this.events.push(e);
    }, "pcap");
    this.it = readCapture(file, opts)[Symbol.asyncIterator]();
  }

  /** Replay every event up to and including time `t`. */
  async advance(t: Ns): Promise<void> {
    for (;;) {
      if (!this.ahead) {
        if (this.done) return;
        const r = await this.it.next();
        if (r.done) {
          this.done = true;
          this.replay.finish();
          return;
        }
        this.ahead = r.value;
      }
      const e = this.ahead;
      if ("time" in e && e.time > t) return;
      this.ahead = undefined;
      this.replay.push(e);
    }
  }

  async close(): Promise<void> {
    this.off();
    this.stats.close();
    await this.it.return?.();
  }
}

class CaptureSource implements ReplaySource {
  readonly kind = "capture" as const;
  private pass: Pass | undefined;
  private passAt: Ns = 0n;

  constructor(readonly source: string, private readonly opts: CaptureOptions, readonly start: Ns, readonly end: Ns) {}

  async at(t: Ns, from: Ns | undefined): Promise<FeedTick> {
    if (!this.pass || t < this.passAt) {
      await this.pass?.close();
      this.pass = new Pass(this.source, this.opts);
    }
    await this.pass.advance(t);
    this.passAt = t;
    const events = from === undefined ? [] : this.pass.events;
    this.pass.events = [];
    return { t, kstats: this.pass.stats.snapshot(t), events };
  }

  async close(): Promise<void> {
    await this.pass?.close();
  }
}

/**
 * Open a capture as a replayed feed; rejects with CaptureError for a file that is not a
 * capture, and with a UsageError for one without iSCSI.
 *
 * @example
 * const feed = await openCaptureFeed("night.pcapng", { ports: [3260] }, { speed: 10 });
 */
export async function openCaptureFeed(file: string, opts: CaptureOptions, o: { stepS?: number; speed?: number } = {}): Promise<ReplayPlayer> {
  let start: Ns | undefined;
  let end: Ns | undefined;
  const summary = await decodeCapture(file, (e) => {
    if (!("time" in e)) return;
    start ??= e.time;
    end = e.time;
  }, opts);
  if (start === undefined || end === undefined || summary.iscsiConnections === 0) {
    throw new UsageError(`${file}: ${summary.verdict}`, 1);
  }
  return new ReplayPlayer(new CaptureSource(file, opts, start, end), o);
}
