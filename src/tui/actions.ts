/**
 * What each key does to the dashboard: selection, drill-down and back, sorting, filtering,
 * pause and delay, and the replay controls. Every action changes the ViewState (or the
 * feed's replay control) and then asks for one update and render.
 */
import type { Dashboard } from "./dashboard.js";
import { helpLines, type Action } from "./keys.js";
import { orderedSessions } from "./samplers/sessions.js";
import { nextSort } from "./samplers/sort.js";

const SEC = 1_000_000_000n;

/**
 * Do `action` on the dashboard.
 *
 * @example
 * runAction(dashboard, "sort-next");
 */
export function runAction(d: Dashboard, action: Action): void {
  switch (action) {
    case "quit": return d.quit();
    case "help": d.overlays.showHelp(helpLines(d.feed.replay !== undefined)); return d.changed();
    case "up": return move(d, -1);
    case "down": return move(d, 1);
    case "first": return move(d, -Infinity);
    case "last": return move(d, Infinity);
    case "enter": return enter(d);
    case "back": return back(d);
    case "next-dashboard": return nextDashboard(d);
    case "sort-next": return sort(d, 1);
    case "sort-prev": return sort(d, -1);
    case "sort-reverse": return sort(d, 0);
    case "filter": return askFilter(d);
    case "pause": return pause(d);
    case "delay": return askDelay(d);
    case "redraw": d.screen.realloc(); return d.changed();
    default: return replay(d, action);
  }
}

/** The sessions in the order a move walks: the focused table's rows, else the sessions table's. */
function order(d: Dashboard): number[] {
  const f = d.focus();
  return f?.out ? f.out.rows.map((r) => r.key) : orderedSessions(d.history, d.view);
}

function move(d: Dashboard, step: number): void {
  const keys = order(d);
  if (keys.length === 0) return d.changed("no sessions");
  const at = keys.indexOf(d.view.selected ?? keys[0]);
  const to = Number.isFinite(step) ? Math.min(keys.length - 1, Math.max(0, at + step)) : step < 0 ? 0 : keys.length - 1;
  d.view.selected = keys[to];
  d.changed(d.focus() ? undefined : `session ${keys[to]} (${to + 1} of ${keys.length})`);
}

function enter(d: Dashboard): void {
  const to = d.layout.enter;
  if (to === undefined || !d.focus()) return d.changed("enter: nothing to drill into here");
  if (!d.opts.layouts.has(to)) return d.changed(`enter: no '${to}' dashboard`);
  if (d.view.selected === undefined) return d.changed("enter: no session selected");
  d.back.push(d.view.dashboard);
  d.show(to);
}

function back(d: Dashboard): void {
  const to = d.back.pop();
  if (to !== undefined) return d.show(to);
  if (d.view.filter) {
    d.view.filter = "";
    return d.changed("filter cleared");
  }
  d.changed();
}

function nextDashboard(d: Dashboard): void {
  const names = [...d.opts.layouts.keys()];
  d.back.length = 0;
  d.show(names[(names.indexOf(d.view.dashboard) + 1) % names.length]);
}

function sort(d: Dashboard, step: number): void {
  const f = d.focus();
  const columns = f?.panel.visibleColumns?.() ?? [];
  if (!f || columns.length === 0) return d.changed("sort: no table to sort here");
  const name = f.panel.spec.sampler;
  const cur = d.view.sort[name] ?? f.out?.sort;
  const s = step === 0 && cur ? { ...cur, desc: !cur.desc } : nextSort(cur, columns, step);
  d.view.sort[name] = s;
  d.changed(`sorted by ${s.column}, ${s.desc ? "descending" : "ascending"}`);
}

function askFilter(d: Dashboard): void {
  d.overlays.ask("Filter sessions", d.view.filter, (text) => {
    if (text !== undefined) d.view.filter = text.trim();
    d.changed(d.view.filter ? `showing sessions matching '${d.view.filter}'` : "showing all sessions");
  });
  d.changed();
}

function askDelay(d: Dashboard): void {
  if (d.feed.replay) return d.changed("a replay goes at its speed: + and - change it");
  d.overlays.ask("Seconds between refreshes", String(d.view.delayS), (text) => {
    const s = Number(text);
    if (text === undefined) return d.changed();
    if (!(s >= 0.1 && s <= 3600)) return d.changed(`delay: '${text}' is not a number of seconds from 0.1 to 3600`);
    d.view.delayS = s;
    d.nudge();
    d.changed(`refreshing every ${s} s`);
  });
  d.changed();
}

function pause(d: Dashboard): void {
  const r = d.feed.replay;
  if (r) r.paused = !r.paused;
  d.view.paused = r ? r.paused : !d.view.paused;
  d.nudge();
  d.changed(d.view.paused ? "paused (p resumes)" : "resumed");
}

function replay(d: Dashboard, action: Action): void {
  const r = d.feed.replay;
  if (!r) return d.changed(`${action}: only for a replayed source (--db FILE, --pcap FILE)`);
  const seek = (by: bigint) => {
    const to = r.position + by;
    r.seek(to < r.start ? r.start : to > r.end ? r.end : to);
    d.changed(`seek ${by < 0n ? "back" : "forward"} ${Number((by < 0n ? -by : by) / SEC)} s`);
  };
  switch (action) {
    case "step":
      if (!r.paused) return d.changed("step: pause first (p)");
      r.step();
      return d.changed("one tick");
    case "seek-back": return seek(-10n * SEC);
    case "seek-forward": return seek(10n * SEC);
    case "seek-back-long": return seek(-60n * SEC);
    case "seek-forward-long": return seek(60n * SEC);
    case "faster":
      r.speed = Math.min(1024, r.speed * 2);
      return d.changed(`speed x${r.speed}`);
    case "slower":
      r.speed = Math.max(1 / 16, r.speed / 2);
      return d.changed(`speed x${r.speed}`);
    default: return d.changed();
  }
}
