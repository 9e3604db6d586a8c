/**
 * Dashboard layouts: JSON files under dashboards/ (gtop's grid.set() calls, as data). Each
 * places widgets on a 12x12 grid and names, per widget, its type, the sampler that feeds it
 * and its refresh interval:
 *
 *   { "name": "top", "description": "...", "enter": "session",
 *     "widgets": [ { "id": "sessions", "type": "table", "row": 2, "col": 0, "rowSpan": 4,
 *                    "colSpan": 12, "sampler": "sessions", "refresh": 1, "label": "Sessions",
 *                    "focus": true }, ... ] }
 *
 * Loading checks everything a typo could break and reports the first mistake as one line
 * naming the file and the key (or line and column for a JSON syntax error).
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SAMPLERS } from "./samplers/index.js";
import type { SamplerKind } from "./samplers/types.js";

/**
 * Rows and columns of the layout grid.
 *
 * @example
 * placeOf({ row: 0, col: 0, rowSpan: GRID, colSpan: GRID }, 80, 24); // the whole screen
 */
export const GRID = 12;

/**
 * Widget types and the sampler outputs each can draw.
 *
 * @example
 * WIDGET_TYPES.quantize; // ["histogram"]
 */
export const WIDGET_TYPES = {
  table: ["table"], line: ["series"], bar: ["histogram"], quantize: ["histogram"], log: ["lines"], text: ["text", "lines"],
} as const satisfies Record<string, readonly SamplerKind[]>;

export type WidgetType = keyof typeof WIDGET_TYPES;

export interface WidgetSpec {
  id: string;
  type: WidgetType;
  row: number;
  col: number;
  rowSpan: number;
  colSpan: number;
  sampler: string;
  /** Seconds between updates (default 1; at most once per tick). */
  refresh: number;
  /** Title on the border. */
  label: string;
  border: boolean;
  /** The table the keys act on (select, sort, filter, enter). */
  focus: boolean;
  params: Record<string, number | string | boolean>;
}

export interface Layout {
  name: string;
  description: string;
  /** Layout that Enter opens for the selected session. */
  enter: string | undefined;
  /** Smallest terminal it fits (default 80x24). */
  minCols: number;
  minRows: number;
  widgets: WidgetSpec[];
  file: string;
}

/**
 * A mistake in a layout file; the message is one line naming the file and the key.
 *
 * @example
 * throw new LayoutError("dashboards/top.json: widgets[2].sampler: unknown sampler 'iopz'");
 */
export class LayoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayoutError";
  }
}

/**
 * The dashboards/ folder shipped with the package.
 *
 * @example
 * loadLayouts(DASHBOARD_DIR).keys(); // latency, session, top
 */
export const DASHBOARD_DIR = fileURLToPath(new URL("../../../dashboards/", import.meta.url));

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/**
 * Parse and check one layout file's text.
 *
 * @example
 * parseLayout(readFileSync("dashboards/top.json", "utf8"), "dashboards/top.json").widgets.length; // 6
 */
export function parseLayout(text: string, file: string): Layout {
  let json: Json;
  try {
    json = JSON.parse(text) as Json;
  } catch (e) {
    throw new LayoutError(`${file}${syntaxWhere(text, (e as Error).message)}`);
  }
  const top = expectObject(json, file, "the file", ["name", "description", "enter", "minSize", "widgets"]);
  const at = (k: string) => `${file}: ${k}`;
  const name = expectString(top.name, at("name"));
  if (name !== basename(file).replace(/\.json$/, "")) throw new LayoutError(`${at("name")}: '${name}' must be the file's name without .json`);
  const min = top.minSize === undefined ? { cols: 80, rows: 24 } : expectObject(top.minSize, file, "minSize", ["cols", "rows"]);
  if (!Array.isArray(top.widgets) || top.widgets.length === 0) throw new LayoutError(`${at("widgets")}: must be a non-empty array of widgets`);
  const widgets = top.widgets.map((w, i) => parseWidget(w, file, `widgets[${i}]`));
  checkWidgets(widgets, file);
  return {
    name, file, description: expectString(top.description, at("description")),
    enter: top.enter === undefined ? undefined : expectString(top.enter, at("enter")),
    minCols: expectInt(min.cols, at("minSize.cols"), 20, 1000), minRows: expectInt(min.rows, at("minSize.rows"), 10, 1000),
    widgets,
  };
}

const WIDGET_KEYS = ["id", "type", "row", "col", "rowSpan", "colSpan", "sampler", "refresh", "label", "border", "focus", "params"];

function parseWidget(v: Json, file: string, path: string): WidgetSpec {
  const w = expectObject(v, file, path, WIDGET_KEYS);
  const at = (k: string) => `${file}: ${path}.${k}`;
  const type = expectString(w.type, at("type"));
  if (!(type in WIDGET_TYPES)) throw new LayoutError(`${at("type")}: unknown widget type '${type}' (valid: ${Object.keys(WIDGET_TYPES).join(", ")})`);
  const sampler = expectString(w.sampler, at("sampler"));
  const def = SAMPLERS[sampler];
  if (!def) throw new LayoutError(`${at("sampler")}: unknown sampler '${sampler}' (valid: ${Object.keys(SAMPLERS).join(", ")})`);
  const accepts: readonly string[] = WIDGET_TYPES[type as WidgetType];
  if (!accepts.includes(def.kind)) throw new LayoutError(`${at("sampler")}: '${sampler}' produces ${def.kind}, which a ${type} widget cannot draw (it draws ${accepts.join(" or ")})`);
  const row = expectInt(w.row, at("row"), 0, GRID - 1);
  const col = expectInt(w.col, at("col"), 0, GRID - 1);
  const spec: WidgetSpec = {
    id: expectString(w.id, at("id")), type: type as WidgetType, row, col,
    rowSpan: expectInt(w.rowSpan, at("rowSpan"), 1, GRID - row), colSpan: expectInt(w.colSpan, at("colSpan"), 1, GRID - col),
    sampler, refresh: w.refresh === undefined ? 1 : expectNumber(w.refresh, at("refresh"), 0.1, 3600),
    label: w.label === undefined ? "" : expectString(w.label, at("label"), true),
    border: w.border === undefined ? true : expectBoolean(w.border, at("border")),
    focus: w.focus === undefined ? false : expectBoolean(w.focus, at("focus")),
    params: parseParams(w.params, def.params ?? {}, file, `${path}.params`),
  };
  if (spec.focus && spec.type !== "table") throw new LayoutError(`${at("focus")}: only a table can have the focus`);
  return spec;
}

function parseParams(v: Json | undefined, allowed: Record<string, string>, file: string, path: string): WidgetSpec["params"] {
  if (v === undefined) return {};
  const o = expectObject(v, file, path, Object.keys(allowed));
  const out: WidgetSpec["params"] = {};
  for (const [k, x] of Object.entries(o)) {
    if (typeof x !== allowed[k]) throw new LayoutError(`${file}: ${path}.${k}: must be a ${allowed[k]}`);
    out[k] = x as number | string | boolean;
  }
  return out;
}

/** Unique ids, at most one focus, no two widgets on one cell. */
function checkWidgets(widgets: WidgetSpec[], file: string): void {
  const owner = new Map<string, number>();
  const ids = new Set<string>();
  widgets.forEach((w, i) => {
    if (ids.has(w.id)) throw new LayoutError(`${file}: widgets[${i}].id: '${w.id}' is used twice`);
    ids.add(w.id);
    for (let r = w.row; r < w.row + w.rowSpan; r++) {
      for (let c = w.col; c < w.col + w.colSpan; c++) {
        const j = owner.get(`${r},${c}`);
        if (j !== undefined) throw new LayoutError(`${file}: widgets[${i}] ('${w.id}') overlaps widgets[${j}] ('${widgets[j].id}') at row ${r}, col ${c}`);
        owner.set(`${r},${c}`, i);
      }
    }
  });
  const focus = widgets.filter((w) => w.focus);
  if (focus.length > 1) throw new LayoutError(`${file}: widgets: ${focus.map((w) => `'${w.id}'`).join(" and ")} both have the focus; at most one may`);
}

/** " line 3, column 5: Expected ',' ..." from JSON.parse's message (which gives a position). */
function syntaxWhere(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  const what = message.replace(/ in JSON at position \d+.*$/, "").replace(/^JSON\.parse: /, "");
  if (!m) return `: ${what}`;
  const before = text.slice(0, Number(m[1]));
  const line = before.split("\n").length;
  return `:${line}:${Number(m[1]) - before.lastIndexOf("\n")}: ${what}`;
}

function expectObject(v: Json | undefined, file: string, path: string, keys: string[]): Record<string, Json> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new LayoutError(`${file}: ${path}: must be an object`);
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) throw new LayoutError(`${file}: ${path === "the file" ? k : `${path}.${k}`}: unknown key (valid: ${keys.join(", ")})`);
  }
  return v;
}

function expectString(v: Json | undefined, at: string, emptyOk = false): string {
  if (typeof v !== "string" || (!emptyOk && v === "")) throw new LayoutError(`${at}: must be a${emptyOk ? "" : " non-empty"} string`);
  return v;
}

function expectBoolean(v: Json | undefined, at: string): boolean {
  if (typeof v !== "boolean") throw new LayoutError(`${at}: must be true or false`);
  return v;
}

function expectNumber(v: Json | undefined, at: string, min: number, max: number): number {
  if (typeof v !== "number" || !(v >= min && v <= max)) throw new LayoutError(`${at}: must be a number from ${min} to ${max}`);
  return v;
}

function expectInt(v: Json | undefined, at: string, min: number, max: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw new LayoutError(`${at}: must be a whole number from ${min} to ${max}`);
  return v;
}

/**
 * Every layout in `dir`, by name (files ending in .json, in name order).
 *
 * @example
 * const layouts = loadLayouts(); // Map { "latency" => ..., "session" => ..., "top" => ... }
 */
export function loadLayouts(dir = DASHBOARD_DIR): Map<string, Layout> {
  const out = new Map<string, Layout>();
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    const l = loadLayoutFile(join(dir, f));
    out.set(l.name, l);
  }
  return out;
}

/**
 * One layout file.
 *
 * @example
 * const mine = loadLayoutFile("./my-dash.json");
 */
export function loadLayoutFile(file: string): Layout {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new LayoutError(`${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseLayout(text, file);
}
