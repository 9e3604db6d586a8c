/**
 * A feed from a bus in this process: an IscsiStats for the counters and the notable events
 * as they fire. What the demo and the dashboard tests use; the daemon serves the same data
 * to other processes.
 */
import type { ProbeBus } from "../probe/bus.js";
import type { Ns, ProbeModule } from "../probe/types.js";
import { IscsiStats } from "../stat/collector.js";
import { watchEvents } from "./events.js";
import type { Feed, FeedEvent, FeedTick } from "./feed.js";

export class InProcessFeed implements Feed {
  readonly kind = "live" as const;
  private readonly stats: IscsiStats;
  private events: FeedEvent[] = [];
  /** Events not kept because 10,000 were already waiting for the next tick. */
  dropped = 0;
  private readonly off: () => void;

  /**
   * @example
   * const feed = new InProcessFeed(bus, () => systemClock.now());
   * const { kstats, events } = await feed.tick();
   */
  constructor(bus: ProbeBus, private readonly now: () => Ns, readonly source = "this process", module?: ProbeModule) {
    this.stats = new IscsiStats(bus, module);
    this.off = watchEvents(bus, (e) => {
      if (this.events.length < 10_000) this.events.push(e);
      else this.dropped++;
    }, module);
  }

  tick(): Promise<FeedTick> {
    const t = this.now();
    const events = this.events;
    this.events = [];
    return Promise.resolve({ t, kstats: this.stats.snapshot(t), events });
  }

  close(): Promise<void> {
    this.off();
    this.stats.close();
    return Promise.resolve();
  }
}
