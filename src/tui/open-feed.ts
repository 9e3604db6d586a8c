/**
 * The source of a dashboard, from the command line: the daemon's control socket (live, the
 * default), a recording (`--db FILE`), a capture (`--pcap FILE`) or the in-process demo
 * (`--demo`). Every one is a Feed; iscsitop does not care which. Today only the demo is
 * here; the daemon, recording and capture feeds are being written against the same
 * interface and plug in below.
 */
import { UsageError } from "../cli/usage-error.js";
import type { DemoOptions } from "./demo-feed.js";
import type { Feed } from "./feed.js";

export interface FeedOptions {
  /** A flight recording (SQLite) to replay. */
  db?: string;
  /** A capture (pcap, pcapng) to replay. */
  pcap?: string;
  /** The daemon's control socket (default: its usual path). */
  socket?: string;
  /** Replay speed (1 = capture time). */
  speed?: number;
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
 * Open the feed the options name. Rejects with a UsageError (one line, exit 1) for sources
 * not built yet or options that do not go together.
 *
 * @example
 * const feed = await openFeed({ demo: { sessions: 2 } });
 */
export async function openFeed(o: FeedOptions): Promise<Feed> {
  checkFeedOptions(o);
  if (o.demo) {
    const { startDemoFeed } = await import("./demo-feed.js");
    return startDemoFeed(o.demo);
  }
  if (o.db) throw new UsageError(`--db ${o.db}: replaying a recording is not available yet; --demo shows the dashboard on a private target`, 1);
  if (o.pcap) throw new UsageError(`--pcap ${o.pcap}: replaying a capture is not available yet; --demo shows the dashboard on a private target`, 1);
  throw new UsageError(`attaching to the iscsiscope daemon${o.socket ? ` at ${o.socket}` : ""} is not available yet; --demo shows the dashboard on a private target`, 1);
}
