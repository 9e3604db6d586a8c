import { test } from "node:test";
import assert from "node:assert/strict";
import { clip, escapeTags, fitColumns, renderQuantize, renderSparklines, renderTable, sparkline } from "../../../src/tui/panels/render.js";
import { SESSIONS_TABLE } from "../../../src/tui/samplers/sessions.js";
import type { HistogramOut, TableOut } from "../../../src/tui/samplers/types.js";

const strip = (s: string) => s.replace(/\{\/?(bold|inverse|red-fg|gray-fg)\}/g, "");

test("fitColumns(): at 80 columns the sessions table keeps rates, latency, errors and reconnects, and drops portal, queues, uptime", () => {
  const names = (w: number, sort?: string) => fitColumns(SESSIONS_TABLE.columns, w, sort).shown.map((i) => SESSIONS_TABLE.columns[i].name);
  assert.deepEqual(names(78), ["SID", "TARGET", "STATE", "r/s", "w/s", "rMB/s", "wMB/s", "avg", "p99", "ERR", "RECON"]);
  assert.equal(names(198).length, SESSIONS_TABLE.columns.length);
  assert.ok(names(78, "UP").includes("UP"), "the sort column stays");
  const fit = fitColumns(SESSIONS_TABLE.columns, 78);
  assert.equal(fit.widths.reduce((a, b) => a + b, 0) + fit.widths.length - 1, 78, "the flex column takes the spare width");
});

const table: TableOut = {
  kind: "table", sort: { column: "n", desc: true }, selected: 7, empty: "none",
  columns: [{ name: "id", align: "right", width: 3, priority: 0 }, { name: "name", align: "left", width: 6, priority: 0, flex: true }, { name: "n", align: "right", width: 4, priority: 1 }],
  rows: Array.from({ length: 10 }, (_, i) => ({ key: i, cells: [String(i), `iqn.x:{t${i}}`, String(100 - i)], ...(i === 2 ? { tone: "bad" as const } : {}) })),
};

test("renderTable(): header with the sort marker, rows scrolled so the selection shows, tags escaped", () => {
  const r = renderTable(table, 20, 5, { offset: 0, highlight: true });
  assert.equal(r.offset, 4);
  const row = (i: number) => `  ${i} iqn.x:{open}t${i}{close}    ${100 - i}`;
  assert.deepEqual(r.lines.map(strip), [" id name          n▼", row(4), row(5), row(6), row(7)]);
  assert.match(r.lines[4], /^\{inverse\}/);
  const top = renderTable({ ...table, selected: 2 }, 20, 5, { offset: r.offset, highlight: false });
  assert.equal(top.offset, 2);
  assert.match(top.lines[1], /^\{red-fg\}/);
  assert.doesNotMatch(top.lines.join(""), /inverse/);
  assert.deepEqual(renderTable({ ...table, rows: [] }, 20, 5, { offset: 3, highlight: true }).lines.map(strip), [" id name          n▼", "none"]);
});

test("clip() and escapeTags(): cut at the width, IQNs from the left", () => {
  assert.equal(clip("iqn.2026-11.io.iscsiscope:demo-a", 12, true), "…cope:demo-a");
  assert.equal(clip("abcdef", 4), "abc…");
  assert.equal(clip("abc", 4), "abc");
  assert.equal(escapeTags("{bold}"), "{open}bold{close}");
});

const hist: HistogramOut = {
  kind: "histogram", title: "t", total: 100,
  buckets: [{ label: "1.0us", count: 1 }, { label: "2.0us", count: 2 }, { label: "4.1us", count: 80 }, { label: "8.2us", count: 15 }, { label: "16us", count: 2 }],
};

test("renderQuantize(): DTrace's layout; when short, the window with the most commands", () => {
  const all = renderQuantize(hist, 60, 10);
  assert.equal(all.length, 6);
  assert.match(all[0], /^ value {2}-+ Distribution -+ count$/);
  assert.match(all[3], /^ 4\.1us \|@{32} +80$/);
  const short = renderQuantize(hist, 60, 3);
  assert.deepEqual(short.slice(1).map((l) => l.trim().split(" ")[0]), ["4.1us", "8.2us"]);
  assert.deepEqual(renderQuantize({ ...hist, buckets: [], total: 0 }, 60, 3), ["no commands completed (t)"]);
});

test("sparkline() and renderSparklines(): one line per series with the current value and the max", () => {
  assert.equal(sparkline([0, 5, 10], 3, 10), "▁▅█");
  assert.equal(sparkline([1], 3, 0), "  ▁");
  const out = { kind: "series" as const, unit: "IOPS", x: ["a", "b"], series: [{ title: "r/s", y: [10, 20], color: "green" }, { title: "w/s", y: [5, 5], color: "yellow" }] };
  assert.deepEqual(renderSparklines(out, 40, 2), ["r/s    20.0                  ▅█ max 20.0", "w/s    5.00                  ██ max 5.00"]);
  assert.deepEqual(renderSparklines(out, 40, 5)[1], "", "a blank line between series when there is room");
  assert.deepEqual(renderSparklines(out, 12, 2), ["r/s 20.0", "w/s 5.00"], "too narrow for a sparkline: the values");
});
