import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LayoutError, loadLayoutFile, loadLayouts, parseLayout } from "../../src/tui/layout.js";

const widget = { id: "t", type: "table", row: 0, col: 0, rowSpan: 12, colSpan: 12, sampler: "sessions" };

function layout(over: Record<string, unknown> = {}, widgets: Array<Record<string, unknown>> = [widget]): string {
  return JSON.stringify({ name: "mine", description: "a test", widgets, ...over }, null, 2);
}

/** The one-line error parseLayout() throws for `text`. */
function mistake(text: string): string {
  try {
    parseLayout(text, "dash/mine.json");
  } catch (e) {
    assert.ok(e instanceof LayoutError, String(e));
    assert.doesNotMatch(e.message, /\n/, "one line");
    return e.message;
  }
  assert.fail("no error");
}

test("parseLayout(): a good layout, with defaults filled in", () => {
  const l = parseLayout(layout(), "dash/mine.json");
  assert.equal(l.name, "mine");
  assert.equal(l.minCols, 80);
  assert.equal(l.minRows, 24);
  assert.deepEqual(l.widgets[0], { ...widget, refresh: 1, label: "", border: true, focus: false, params: {} });
});

test("parseLayout(): a JSON syntax error names the file, line and column", () => {
  assert.equal(mistake('{\n  "name": "mine"\n  "widgets": []\n}'), "dash/mine.json:3:3: Expected ',' or '}' after property value");
  assert.match(mistake('{"name":'), /^dash\/mine\.json: Unexpected end of JSON input$/);
});

test("parseLayout(): each mistake names the file and the key", () => {
  const w = (over: Record<string, unknown>) => mistake(layout({}, [{ ...widget, ...over }]));
  assert.equal(w({ sampler: "iopz" }).split(" (valid")[0], "dash/mine.json: widgets[0].sampler: unknown sampler 'iopz'");
  assert.match(w({ type: "pie" }), /^dash\/mine\.json: widgets\[0\]\.type: unknown widget type 'pie' \(valid: table, line, bar, quantize, log, text\)$/);
  assert.match(w({ type: "line" }), /widgets\[0\]\.sampler: 'sessions' produces table, which a line widget cannot draw \(it draws series\)$/);
  assert.match(w({ colspan: 3 }), /^dash\/mine\.json: widgets\[0\]\.colspan: unknown key \(valid: id, type, row, col/);
  assert.match(w({ row: 12 }), /widgets\[0\]\.row: must be a whole number from 0 to 11$/);
  assert.match(w({ row: 4 }), /widgets\[0\]\.rowSpan: must be a whole number from 1 to 8$/);
  assert.match(w({ refresh: 0 }), /widgets\[0\]\.refresh: must be a number from 0\.1 to 3600$/);
  assert.match(w({ params: { window: "60" } }), /widgets\[0\]\.params\.window: unknown key/);
  assert.match(mistake(layout({}, [{ ...widget, type: "line", sampler: "iops", params: { window: "60" } }])), /widgets\[0\]\.params\.window: must be a number$/);
  assert.match(w({ type: "text", sampler: "totals", focus: true }), /widgets\[0\]\.focus: only a table can have the focus$/);
  assert.match(mistake(layout({ name: "other" })), /^dash\/mine\.json: name: 'other' must be the file's name without \.json$/);
  assert.match(mistake(layout({ colour: "red" })), /^dash\/mine\.json: colour: unknown key/);
  assert.match(mistake(layout({}, [])), /widgets: must be a non-empty array/);
});

test("parseLayout(): widgets may not overlap, share an id, or both have the focus", () => {
  const a = { ...widget, rowSpan: 6 };
  assert.equal(mistake(layout({}, [a, { ...a, id: "u", row: 5 }])), "dash/mine.json: widgets[1] ('u') overlaps widgets[0] ('t') at row 5, col 0");
  assert.match(mistake(layout({}, [a, { ...a, row: 6 }])), /widgets\[1\]\.id: 't' is used twice/);
  assert.match(mistake(layout({}, [{ ...a, focus: true }, { ...a, id: "u", row: 6, focus: true }])), /'t' and 'u' both have the focus/);
});

test("loadLayoutFile() and loadLayouts(): a missing file is one line; a folder gives every .json by name", () => {
  const dir = mkdtempSync(join(tmpdir(), "iscsitop-layouts-"));
  try {
    assert.throws(() => loadLayoutFile(join(dir, "nope.json")), /nope\.json: cannot read it \(ENOENT\)/);
    writeFileSync(join(dir, "mine.json"), layout());
    writeFileSync(join(dir, "notes.txt"), "not a layout");
    assert.deepEqual([...loadLayouts(dir).keys()], ["mine"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
