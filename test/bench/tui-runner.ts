/**
 * What the dashboard bench runs inside a tmux pane: the real Dashboard on the pane's
 * terminal, fed by the synthetic feed of 100 sessions.
 *
 *   node tui-runner.js live OUT      1 Hz live ticks until SIGTERM; OUT gets ticks and renders
 *   node --expose-gc tui-runner.js hour OUT
 *                                    an hour of replayed ticks as fast as they go; OUT gets the
 *                                    heap (after a full GC) at 60, 600, 1800 and 3600 ticks
 *
 * OUT.pid gets the process id first, for the bench to read its CPU from /proc.
 */
import { writeFileSync } from "node:fs";
import { Dashboard } from "../../src/tui/dashboard.js";
import type { Feed, FeedTick } from "../../src/tui/feed.js";
import { loadLayouts } from "../../src/tui/layout.js";
import { SyntheticFeed } from "../helpers/synthetic-feed.js";

const [mode, out] = process.argv.slice(2);
const SESSIONS = 100;
const MARKS = [60, 600, 1800, 3600];

writeFileSync(`${out}.pid`, String(process.pid));
const layouts = loadLayouts();

async function live(): Promise<void> {
  const d = new Dashboard(new SyntheticFeed({ sessions: SESSIONS, mode: "live" }), { layouts, initial: "top", delayS: 1 });
  process.on("SIGTERM", () => d.quit());
  await d.run();
  writeFileSync(out, JSON.stringify({ ticks: d.history.ticks, renders: d.renders }));
}

async function hour(): Promise<void> {
  const synthetic = new SyntheticFeed({ sessions: SESSIONS, mode: "replay", ticks: 3600 });
  const heap: Array<{ ticks: number; heapUsed: number }> = [];
  const t0 = performance.now();
  let n = 0;
  let d: Dashboard | undefined = undefined;
  const feed: Feed = {
    kind: synthetic.kind, source: synthetic.source, replay: synthetic.replay, close: () => synthetic.close(),
    tick: async (): Promise<FeedTick> => {
      if (MARKS.includes(n)) {
        (globalThis as { gc?: () => void }).gc?.();
        heap.push({ ticks: n, heapUsed: process.memoryUsage().heapUsed });
        if (n === MARKS[MARKS.length - 1]) d!.quit();
      }
      n++;
      return synthetic.tick();
    },
  };
  d = new Dashboard(feed, { layouts, initial: "top", delayS: 1 });
  await d.run();
  writeFileSync(out, JSON.stringify({ ticks: d.history.ticks, renders: d.renders, seconds: (performance.now() - t0) / 1000, heap, rss: process.memoryUsage().rss }));
}

await (mode === "live" ? live() : hour());
