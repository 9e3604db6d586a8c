/**
 * The pacing of a replayed feed (a recording, a capture): a position in source time that
 * advances one step per tick, a tick every step/speed seconds of wall time, pause, step,
 * seek, and a stop at the end (paused on the last frame, as a player does). What each tick
 * holds comes from the source: the counters as of the position, and the events since the
 * previous one.
 */
import type { Ns } from "../probe/types.js";
import type { Feed, FeedTick, ReplayControl } from "./feed.js";

/** What a replayed source must answer. */
export interface ReplaySource {
  readonly kind: "recording" | "capture";
  readonly source: string;
  /** Source time of the first and last thing in it. */
  readonly start: Ns;
  readonly end: Ns;
  /** The counters as of `t`, and the events in (`from`, `t`]; `from` undefined after a seek or at the start. */
  at(t: Ns, from: Ns | undefined): Promise<FeedTick>;
  close(): Promise<void>;
}

/**
 * @example
 * const feed = new ReplayPlayer(source, { stepS: 1, speed: 10 }); // ten seconds of recording a second
 * const tick = await feed.tick();
 */
export class ReplayPlayer implements Feed, ReplayControl {
  readonly kind: "recording" | "capture";
  readonly source: string;
  readonly start: Ns;
  readonly end: Ns;
  speed: number;
  private pausedFlag = false;
  private pos: Ns;
  /** Position of the last tick given out; undefined after a seek. */
  private last: Ns | undefined;
  private steps = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly stepNs: Ns;

  constructor(private readonly src: ReplaySource, o: { stepS?: number; speed?: number } = {}) {
    this.kind = src.kind;
    this.source = src.source;
    this.start = src.start;
    this.end = src.end;
    this.speed = o.speed ?? 1;
    this.stepNs = BigInt(Math.max(1, Math.round((o.stepS ?? 1) * 1e9)));
    this.pos = src.start;
  }

  get replay(): ReplayControl {
    return this;
  }

  get paused(): boolean {
    return this.pausedFlag;
  }

  set paused(p: boolean) {
    this.pausedFlag = p;
    this.poke();
  }

  get position(): Ns {
    return this.pos;
  }

  step(): void {
    this.steps++;
    this.poke();
  }

  seek(t: Ns): void {
    this.pos = t < this.start ? this.start : t > this.end ? this.end : t;
    this.last = undefined;
    this.steps++; // show where we landed, paused or not
    this.poke();
  }

  /**
   * The next tick: at once for the first, after a step or a seek; else after step/speed
   * seconds, or when resumed. At the end the replay pauses on its last frame.
   */
  async tick(): Promise<FeedTick> {
    if (this.last !== undefined) {
      for (;;) {
        if (this.closed) throw new Error("the replay is closed");
        if (this.steps > 0) break;
        if (!this.pausedFlag && this.last < this.end) {
          await this.sleep((Number(this.stepNs) / 1e6) / this.speed);
          if (this.steps > 0 || this.pausedFlag || this.last === undefined) continue;
          break;
        }
        await new Promise<void>((r) => (this.wake = r));
      }
      if (this.steps > 0) this.steps--;
      if (this.last !== undefined) this.pos = this.pos + this.stepNs > this.end ? this.end : this.pos + this.stepNs;
    } else if (this.steps > 0) {
      this.steps--;
    }
    const tick = await this.src.at(this.pos, this.last);
    this.last = this.pos;
    if (this.pos >= this.end) this.pausedFlag = true;
    return tick;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.poke();
    await this.src.close();
  }

  private poke(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }
}
