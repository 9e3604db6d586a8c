/**
 * Every dashboard under dashboards/ parses, names samplers that exist and that its widgets
 * can draw, has an index line in dashboards/README.md, and its samplers run on a History
 * of live-looking ticks (so a layout cannot ship with a sampler that throws).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DASHBOARD_DIR, loadLayouts, WIDGET_TYPES } from "../../src/tui/layout.js";
import { SAMPLERS } from "../../src/tui/samplers/index.js";
import { SyntheticFeed } from "../helpers/synthetic-feed.js";
import { History } from "../../src/tui/history.js";
import { initialView } from "../../src/tui/view.js";

const layouts = loadLayouts(DASHBOARD_DIR);

test("dashboards/: top, session and latency exist, every .json file is a layout", () => {
  const files = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".json"));
  assert.equal(layouts.size, files.length);
  for (const name of ["top", "session", "latency"]) assert.ok(layouts.has(name), name);
});

for (const l of layouts.values()) {
  test(`dashboards/${l.name}.json: samplers exist and fit their widgets; enter names a layout; it fits 80x24`, () => {
    for (const w of l.widgets) {
      const def = SAMPLERS[w.sampler];
      assert.ok(def, `${w.id}: sampler ${w.sampler}`);
      assert.ok((WIDGET_TYPES[w.type] as readonly string[]).includes(def.kind), `${w.id}: ${w.type} draws ${def.kind}`);
    }
    if (l.enter !== undefined) assert.ok(layouts.has(l.enter), `enter: ${l.enter}`);
    assert.ok(l.minCols <= 80 && l.minRows <= 24);
  });

  test(`dashboards/${l.name}.json: every widget's sampler runs on 100 sessions and gives what the widget draws`, async () => {
    const feed = new SyntheticFeed({ sessions: 100, mode: "replay", ticks: 5 });
    const history = new History();
    for (let i = 0; i < 5; i++) history.advance(await feed.tick());
    const view = initialView(l.name, 1, { kind: feed.kind, source: feed.source });
    for (const w of l.widgets) {
      const out = SAMPLERS[w.sampler].sample({ history, view, params: w.params });
      assert.ok((WIDGET_TYPES[w.type] as readonly string[]).includes(out.kind), `${w.id}: ${out.kind}`);
    }
  });
}

test("dashboards/README.md lists every dashboard and documents every sampler", () => {
  const readme = readFileSync(join(DASHBOARD_DIR, "README.md"), "utf8");
  for (const name of layouts.keys()) assert.match(readme, new RegExp(`^- \\[${name}\\]\\(${name}\\.json\\) - `, "m"), name);
  for (const name of Object.keys(SAMPLERS)) assert.ok(readme.includes(`\`${name}\``), `sampler ${name}`);
});
