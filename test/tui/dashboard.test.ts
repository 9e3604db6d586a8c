/**
 * The dashboard loop on a blessed screen over in-memory streams (no terminal): one render
 * per tick, keys typed on the input stream, pause, the feed's error surfacing from run(),
 * and any Feed accepted, replayed ones with their controls.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import { Dashboard } from "../../src/tui/dashboard.js";
import type { Feed } from "../../src/tui/feed.js";
import { loadLayouts, parseLayout } from "../../src/tui/layout.js";
import { createScreen } from "../../src/tui/terminal.js";
import { SyntheticFeed } from "../helpers/synthetic-feed.js";

const layouts = loadLayouts();

function offscreen(cols = 120, rows = 40) {
  const output = Object.assign(new PassThrough(), { columns: cols, rows, isTTY: true });
  output.resume();
  const input = new PassThrough();
  return { input, screen: createScreen({ input, output, term: "xterm-256color" }) };
}

test("Dashboard: one render per tick (plus the first drawing), whatever the layout", async () => {
  for (const initial of ["top", "session", "latency"]) {
    const { screen } = offscreen();
    const d = new Dashboard(new SyntheticFeed({ sessions: 5, mode: "live" }), { layouts, initial, delayS: 0.1, screen });
    const done = d.run();
    await sleep(750);
    d.quit();
    await done;
    assert.ok(d.history.ticks >= 4, `${initial}: ${d.history.ticks} ticks`);
    assert.ok(d.renders >= d.history.ticks && d.renders <= d.history.ticks + 1, `${initial}: ${d.renders} renders for ${d.history.ticks} ticks`);
  }
});

test("Dashboard: keys typed on the terminal sort, select, drill down, go back, pause and quit", async () => {
  const { input, screen } = offscreen();
  const d = new Dashboard(new SyntheticFeed({ sessions: 5, mode: "live" }), { layouts, initial: "top", delayS: 0.1, screen });
  const done = d.run();
  await sleep(300);
  const press = async (k: string) => { input.write(k); await sleep(60); };
  await press(">");
  assert.deepEqual(d.view.sort.sessions, { column: "TARGET", desc: false });
  await press("r");
  assert.deepEqual(d.view.sort.sessions, { column: "TARGET", desc: true });
  await press("g");
  assert.equal(d.view.selected, 5, "the first row, sorted Z to A");
  await press("j");
  assert.equal(d.view.selected, 4);
  await press("\r");
  assert.equal(d.view.dashboard, "session", "enter drills down");
  assert.deepEqual(d.back, ["top"]);
  await press("k");
  assert.equal(d.view.selected, 5, "on a session, k shows the previous one");
  await press("\x7f"); // backspace: back, like esc
  assert.equal(d.view.dashboard, "top");
  await press("\t");
  assert.equal(d.view.dashboard, "latency");
  await press("p");
  assert.equal(d.view.paused, true);
  const ticks = d.history.ticks;
  await sleep(350);
  assert.equal(d.history.ticks, ticks, "paused: no ticks taken");
  await press("p");
  await sleep(250);
  assert.ok(d.history.ticks > ticks, "resumed");
  await press("n");
  assert.match(d.view.message ?? "", /only for a replayed source/);
  await press("q");
  await done;
});

test("Dashboard: the feed's error comes out of run(), the screen restored first", async () => {
  const { screen } = offscreen();
  let n = 0;
  const feed: Feed = {
    kind: "live", source: "failing", close: () => Promise.resolve(),
    tick: () => (++n < 3 ? new SyntheticFeed({ sessions: 1, mode: "live" }).tick() : Promise.reject(new Error("the daemon went away"))),
  };
  const d = new Dashboard(feed, { layouts, initial: "top", delayS: 0.1, screen });
  await assert.rejects(d.run(), /the daemon went away/);
  assert.equal((screen as unknown as { destroyed: boolean }).destroyed, true);
});

test("Dashboard: a replayed feed paces itself; +, -, p, step and seek drive its ReplayControl", async () => {
  const { input, screen } = offscreen();
  const feed = new SyntheticFeed({ sessions: 3, mode: "replay", ticks: 100_000 });
  const seeks: bigint[] = [];
  let steps = 0;
  const step = feed.replay!.step.bind(feed.replay);
  Object.assign(feed.replay!, { seek: (t: bigint) => seeks.push(t), step: () => { steps++; step(); } });
  const d = new Dashboard(feed, { layouts, initial: "top", delayS: 1, screen, replayRenderMs: 100 });
  const done = d.run();
  await sleep(300);
  assert.ok(d.history.ticks > 20, `as fast as the feed goes: ${d.history.ticks} ticks`);
  assert.ok(d.renders < d.history.ticks / 2, `renders are spaced: ${d.renders} for ${d.history.ticks} ticks`);
  const press = async (k: string) => { input.write(k); await sleep(60); };
  await press("+");
  assert.equal(feed.replay!.speed, 2);
  await press("-");
  await press("-");
  assert.equal(feed.replay!.speed, 0.5);
  await press("n");
  assert.match(d.view.message ?? "", /pause first/);
  await press("p");
  assert.equal(feed.replay!.paused, true);
  const ticks = d.history.ticks;
  await sleep(200);
  assert.equal(d.history.ticks, ticks, "paused: the feed gives no tick");
  await press("n");
  assert.equal(steps, 1);
  await press("]");
  await press("[");
  assert.deepEqual(seeks.map((t) => t - feed.replay!.position), [10_000_000_000n, -10_000_000_000n]);
  d.quit();
  await done;
  await feed.close();
});

test("Dashboard: every widget type draws (a bar chart, a tall line chart and a short one, a quantize, a log, a table, a text)", async () => {
  const w = (id: string, type: string, row: number, col: number, rowSpan: number, sampler: string) => ({ id, type, row, col, rowSpan, colSpan: 6, sampler, refresh: 0.1 });
  const all = parseLayout(JSON.stringify({
    name: "all", description: "every widget type",
    widgets: [
      w("bar", "bar", 0, 0, 4, "latency-histogram"), w("tall", "line", 0, 6, 4, "iops"), w("short", "line", 4, 0, 1, "throughput"),
      w("q", "quantize", 4, 6, 4, "latency-histogram"), w("log", "log", 5, 0, 3, "events"), w("table", "table", 8, 0, 4, "sessions"),
      w("text", "text", 8, 6, 4, "totals"),
    ],
  }), "all.json");
  const { screen } = offscreen(120, 60);
  const d = new Dashboard(new SyntheticFeed({ sessions: 3, mode: "live", disconnectEvery: 2 }), { layouts: new Map([["all", all]]), initial: "all", delayS: 0.1, screen });
  const done = d.run();
  for (let i = 0; i < 100 && (d.history.ticks < 4 || d.renders < 4); i++) await sleep(50);
  const text = (id: string) => (d.panels.find((p) => p.spec.id === id)!.element as unknown as { getContent(): string }).getContent();
  assert.match(text("q"), /Distribution/);
  assert.match(text("log"), /lost, nop-timeout/);
  assert.match(text("table"), /SID/);
  assert.match(text("text"), /^iscsitop {2}live: synthetic, 3 sessions/);
  assert.match(text("short"), /read MB\/s .* max /);
  assert.match(text("tall"), /⡇/, "braille");
  d.quit();
  await done;
});
