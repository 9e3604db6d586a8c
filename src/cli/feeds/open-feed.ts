/**
 * The source of a dashboard, from the command line: the daemon's control socket (live, the
 * default), a recording (`--db FILE`), a capture (`--pcap FILE`) or the in-process demo
 * (`--demo`). Every one is a Feed; iscsitop does not care which. Each source is loaded only
 * when chosen (the demo pulls in the initiator and tgtd, a capture the decoder).
 */
import { UsageError } from "../usage-error.js";
import type { DemoOptions } from "./demo-feed.js";
import type { CaptureOptions } from "../../capture/index.js";
import { defaultSocketPath } from "../../daemon/socket-path.js";
import type { Feed } from "../../tui/feed.js";

export interface FeedOptions {
  /** A flight recording (SQLite) to replay. */
  db?: string;
  /** A capture (pcap, pcapng) to replay. */
  pcap?: string;
  /** The daemon's control socket (default: its usual path). */
  socket?: string;
  /** Replay speed (1 = capture time). */
  speed?: number;
  /** Seconds of recording or capture a replay advances per tick (the refresh delay). */
  stepS?: number;
  /** With `pcap`: the ports and heuristic. */
  capture?: CaptureOptions;
  /** Run the demo in this process instead. */
  demo?: DemoOptions;
}

/**
 * Throw a UsageError when the options name two sources or a replay option without a replay.
 *
 * @example
 * checkFeedOptions({ db: "a.sqlite", demo: {} }); // throws: --db and --demo name different sources
 */
export function checkFeedOptions(o: FeedOptions): void {
  const chosen = [o.db && "--db", o.pcap && "--pcap", o.demo && "--demo", o.socket && "--socket"].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`${chosen.join(" and ")} name different sources: choose one`);
  if (o.speed !== undefined && !o.db && !o.pcap) throw new UsageError("--speed is for a replay (--db FILE or --pcap FILE)");
}

/**
 * Open the feed the options name: a CaptureError, RecordError or the daemon's "no daemon"
 * error is one line for the user, as is a UsageError.
 *
 * @example
 * const feed = await openFeed({ pcap: "night.pcap", capture: { ports: [3260] }, speed: 10 });
 */
export async function openFeed(o: FeedOptions): Promise<Feed> {
  checkFeedOptions(o);
  if (o.demo) {
    const { startDemoFeed } = await import("./demo-feed.js");
    return startDemoFeed(o.demo);
  }
  const pace = { stepS: o.stepS ?? 1, speed: o.speed ?? 1 };
  if (o.db) {
    const { openRecordingFeed } = await import("./recording-feed.js");
    return openRecordingFeed(o.db, pace);
  }
  if (o.pcap) {
    const { openCaptureFeed } = await import("./capture-feed.js");
    return openCaptureFeed(o.pcap, o.capture ?? {}, pace);
  }
  const { DaemonFeed } = await import("./daemon-feed.js");
  return DaemonFeed.open(o.socket ?? defaultSocketPath());
}
