/**
 * The dashboard: a screen, the panels of the current layout, the tick loop and the keys.
 * Each tick: take the feed's tick into the History, give each panel whose refresh is due its
 * sampler's output, render the screen once. A key changes the ViewState, updates every panel
 * and renders (coalesced with other keys of the same moment).
 *
 * It takes any Feed: live (the daemon, the in-process demo) is pulled every `delay`
 * seconds; a replayed one (recording, capture) paces its own ticks, and the replay keys
 * drive it.
 */
import type blessed from "blessed";
import { actionOf, type Action } from "./keys.js";
import type { Feed, FeedTick } from "./feed.js";
import { History, type HistoryOptions } from "./history.js";
import type { Layout } from "./layout.js";
import { createPanel, placeOf, type Panel } from "./panels/index.js";
import { SAMPLERS } from "./samplers/index.js";
import type { TableOut } from "./samplers/types.js";
import { createScreen, holdWarnings } from "./terminal.js";
import { initialView, type ViewState } from "./view.js";
import { Overlays } from "./overlays.js";
import { runAction } from "./actions.js";

export interface DashboardOptions {
  /** Every layout, by name (Tab cycles through them in this order). */
  layouts: Map<string, Layout>;
  /** The layout shown first. */
  initial: string;
  /** Seconds between ticks of a live feed. */
  delayS: number;
  /** A screen to draw on (tests, the bench); default: the process's terminal. */
  screen?: blessed.Widgets.Screen;
  history?: HistoryOptions;
  /** Fewest milliseconds between two renders of a replay running faster than real time (default 100). */
  replayRenderMs?: number;
}

/**
 * @example
 * const d = new Dashboard(feed, { layouts: loadLayouts(), initial: "top", delayS: 1 });
 * await d.run(); // until q
 */
export class Dashboard {
  readonly view: ViewState;
  readonly history: History;
  readonly screen: blessed.Widgets.Screen;
  readonly overlays: Overlays;
  /** Renders so far (one per tick, plus one per burst of keys). */
  renders = 0;
  panels: Panel[] = [];
  /** Layouts left by Enter, for Esc. */
  readonly back: string[] = [];
  private lastUpdate = new Map<string, bigint>();
  private lastFocus: TableOut | undefined;
  private stopped = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  /** Ends the wait for the feed's tick when the dashboard quits. */
  private abandon: (() => void) | undefined;
  private renderTimer: NodeJS.Timeout | undefined;
  private lastRenderAt = 0;

  constructor(readonly feed: Feed, readonly opts: DashboardOptions) {
    if (!opts.layouts.has(opts.initial)) throw new RangeError(`no layout named '${opts.initial}'`);
    this.history = new History(opts.history);
    this.view = initialView(opts.initial, opts.delayS, { kind: feed.kind, source: feed.source });
    this.screen = opts.screen ?? createScreen();
    this.overlays = new Overlays(this.screen);
  }

  get layout(): Layout {
    return this.opts.layouts.get(this.view.dashboard)!;
  }

  /** Draw until `q` (or quit()); rejects with the feed's error, restoring the terminal first. */
  async run(): Promise<void> {
    const release = holdWarnings();
    // The terminal went away (a closed tmux pane, a dropped ssh): nothing can be shown, stop.
    const lost = (e: NodeJS.ErrnoException) => (e.code === "EIO" || e.code === "EPIPE" ? this.quit() : this.fail(e));
    this.screen.program.output.on("error", lost);
    this.screen.on("keypress", (ch: string | undefined, key: { full?: string } | undefined) => this.guard(() => this.onKey(ch, key?.full)));
    this.screen.on("resize", () => this.guard(() => this.show(this.view.dashboard)));
    try {
      this.show(this.view.dashboard);
      while (!this.stopped) {
        if (this.feed.replay || !this.view.paused) {
          const tick = await this.nextTick();
          if (tick === undefined) break;
          this.take(tick);
        }
        if (this.feed.replay) await new Promise((r) => setImmediate(r));
        else await this.sleep(this.view.delayS * 1000);
      }
      if (this.failure !== undefined) throw this.failure;
    } finally {
      clearTimeout(this.renderTimer);
      this.screen.destroy();
      release();
    }
  }

  /** Stop the loop; run() resolves. */
  quit(): void {
    this.stopped = true;
    this.abandon?.();
    this.wake?.();
  }

  /**
   * The feed's next tick, or undefined when the dashboard quits first. (Not Promise.race with
   * one long-lived "quit" promise: every race would leave a reaction on it holding its tick,
   * measured at 1.4 GB over an hour of replay.)
   */
  private nextTick(): Promise<FeedTick | undefined> {
    return new Promise<FeedTick | undefined>((resolve, reject) => {
      this.abandon = () => resolve(undefined);
      this.feed.tick().then(resolve, reject);
    }).finally(() => { this.abandon = undefined; });
  }

  /** One tick: into the History, due panels updated, one render. */
  take(tick: FeedTick): void {
    this.history.advance(tick);
    const r = this.feed.replay;
    this.view.source = { kind: this.feed.kind, source: this.feed.source, ...(r ? { replay: { speed: r.speed, paused: r.paused, position: r.position, start: r.start, end: r.end } } : {}) };
    if (r) this.view.paused = r.paused;
    // A replay's ticks are paced by the feed (a step, a seek, the partial last step): every
    // panel takes each one. Live ticks honour each widget's refresh.
    this.update(r !== undefined);
    this.requestRender();
  }

  /** Switch to a layout: new panels for the current terminal size, all updated. */
  show(name: string): void {
    for (const p of this.panels) p.element.destroy();
    this.panels = [];
    this.lastUpdate.clear();
    this.view.dashboard = name;
    const cols = this.screen.cols;
    const rows = this.screen.rows;
    const l = this.layout;
    if (cols < l.minCols || rows < l.minRows) {
      this.overlays.tooSmall(`${cols}x${rows} is too small for '${l.name}' (${l.minCols}x${l.minRows}): enlarge the terminal, or use iscsistat.`);
    } else {
      this.overlays.tooSmall(undefined);
      this.panels = l.widgets.map((w) => createPanel(this.screen, w, placeOf(w, cols, rows)));
    }
    this.update(true);
    this.requestRender();
  }

  /** Give panels their sampler's output: every one (`all`), or those whose refresh is due. */
  update(all: boolean): void {
    const t = this.history.cur?.t;
    for (const p of this.panels) {
      const last = this.lastUpdate.get(p.spec.id);
      if (!all && t !== undefined && last !== undefined && Number(t - last) < p.spec.refresh * 1e9 - 50e6) continue;
      const out = SAMPLERS[p.spec.sampler].sample({ history: this.history, view: this.view, params: p.spec.params });
      if (p.spec.focus && out.kind === "table") {
        this.lastFocus = out;
        if (out.selected !== undefined) this.view.selected = out.rows[out.selected].key;
      }
      p.setData(out);
      if (t !== undefined) this.lastUpdate.set(p.spec.id, t);
    }
  }

  /** The focused table's panel and its last output, when the layout has one. */
  focus(): { panel: Panel; out: TableOut | undefined } | undefined {
    const panel = this.panels.find((p) => p.spec.focus);
    return panel ? { panel, out: this.lastFocus } : undefined;
  }

  /** After a key: the view changed, so every panel is updated; renders coalesce. */
  changed(message?: string): void {
    if (message !== undefined) this.view.message = message;
    this.update(true);
    this.requestRender();
  }

  /** Wake the loop's sleep (a new delay, a resume). */
  nudge(): void {
    this.wake?.();
  }

  private onKey(ch: string | undefined, name: string | undefined): void {
    if (this.overlays.busy()) return this.overlays.key(() => this.changed());
    const action: Action | undefined = actionOf(name, ch);
    if (action === undefined) return;
    if (action === "quit") return this.quit();
    this.view.message = undefined;
    runAction(this, action);
  }

  /** A key handler or a resize that throws stops the dashboard with that error (never swallowed). */
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Stop; run() rejects with `e` once the terminal is restored. */
  private fail(e: unknown): void {
    this.failure ??= e;
    this.quit();
  }

  private requestRender(): void {
    if (this.renderTimer !== undefined) return;
    const gap = this.feed.replay ? (this.opts.replayRenderMs ?? 100) : 0;
    const wait = Math.max(0, this.lastRenderAt + gap - Date.now());
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      if (this.stopped) return;
      this.lastRenderAt = Date.now();
      this.renders++;
      this.screen.render();
    }, wait);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }
}
