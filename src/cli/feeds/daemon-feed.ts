/**
 * `iscsitop` against the daemon (the default): the counters by `snapshot` at each tick, the
 * notable events pushed by `events` in between, over the control socket. Times travel as
 * decimal strings and come back as bigints.
 */
import { DaemonClient } from "../../daemon/client.js";
import type { SnapshotResponse } from "../../daemon/protocol.js";
import type { Feed, FeedEvent, FeedTick } from "../../tui/feed.js";

/** Events kept between two ticks at most. */
const MAX_EVENTS = 10_000;

function big(v: unknown): bigint | null | undefined {
  if (v === null) return null;
  if (v === undefined) return undefined;
  return BigInt(String(v));
}

/** A FeedEvent from its JSON form. */
export function feedEventOf(j: Record<string, unknown>): FeedEvent {
  return {
    ...(j as unknown as FeedEvent),
    t: BigInt(String(j.t)),
    ...(j.sinceLastRxNs !== undefined ? { sinceLastRxNs: big(j.sinceLastRxNs) } : {}),
    ...(j.lastNopRttNs !== undefined ? { lastNopRttNs: big(j.lastNopRttNs) } : {}),
  };
}

export class DaemonFeed implements Feed {
  readonly kind = "live" as const;
  readonly source: string;
  private events: FeedEvent[] = [];
  /** Events not kept because MAX_EVENTS were waiting for the next tick. */
  dropped = 0;

  private constructor(private readonly c: DaemonClient, private readonly stop: () => Promise<void>) {
    this.source = `daemon ${c.path} (pid ${c.hello?.pid ?? "?"})`;
  }

  /**
   * Connect and subscribe; one clear error when no daemon answers.
   *
   * @example
   * const feed = await DaemonFeed.open(defaultSocketPath());
   */
  static async open(socket: string): Promise<DaemonFeed> {
    const c = await DaemonClient.connect(socket, "iscsitop");
    let feed: DaemonFeed | undefined;
    const pending: FeedEvent[] = [];
    const stop = await c.events((e) => (feed ? feed.push(feedEventOf(e)) : pending.push(feedEventOf(e))));
    feed = new DaemonFeed(c, stop);
    for (const e of pending) feed.push(e);
    return feed;
  }

  private push(e: FeedEvent): void {
    if (this.events.length < MAX_EVENTS) this.events.push(e);
    else this.dropped++;
  }

  async tick(): Promise<FeedTick> {
    const r = await this.c.request<SnapshotResponse>({ op: "snapshot" });
    const events = this.events;
    this.events = [];
    return { t: BigInt(r.t), kstats: r.kstats, events };
  }

  async close(): Promise<void> {
    await this.stop().catch(() => undefined);
    this.c.close();
  }
}
