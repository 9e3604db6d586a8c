/**
 * Sampler outputs to lines of text for a box of a given size: tables whose columns fit the
 * width (dropping the least important first), DTrace-style quantize() histograms, and
 * sparklines. Pure, so the shapes are tested without a terminal; the panels put the lines
 * in blessed boxes. Lines may carry blessed tags ({bold}, {inverse}); cell text is escaped.
 */
import type { HistogramOut, SeriesOut, TableColumn, TableOut } from "../samplers/types.js";

/**
 * Escape text for a box with tags on.
 *
 * @example
 * escapeTags("{bold}"); // "{open}bold{close}"
 */
export function escapeTags(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === "{" ? "{open}" : "{close}"));
}

/**
 * Cut a line to `width` characters; `fromLeft` keeps the end ("…scope:demo-a").
 *
 * @example
 * clip("iqn.2026-11.io.iscsiscope:demo-a", 12, true); // "…cope:demo-a"
 */
export function clip(s: string, width: number, fromLeft = false): string {
  if (s.length <= width) return s;
  if (width <= 0) return "";
  return fromLeft ? `…${s.slice(s.length - width + 1)}` : `${s.slice(0, width - 1)}…`;
}

export interface FittedColumns {
  /** Indexes of the columns shown, in order. */
  shown: number[];
  /** Their widths. */
  widths: number[];
}

/** A column's width: its cells', or its name's with room for the sort marker. */
function colWidth(c: TableColumn): number {
  return Math.max(c.width, c.name.length + 1);
}

/**
 * Which columns fit in `width` (one space between columns): the highest priority numbers go
 * first, the rightmost first among equals; priority 0 and the sort column always stay. The
 * flex column takes the spare width.
 *
 * @example
 * fitColumns(SESSIONS_TABLE.columns, 78, "SID").shown.length; // 11 of 16 at 80 columns
 */
export function fitColumns(cols: readonly TableColumn[], width: number, sortColumn?: string): FittedColumns {
  const shown = cols.map((_, i) => i);
  const total = () => shown.reduce((a, i) => a + colWidth(cols[i]), 0) + shown.length - 1;
  while (total() > width) {
    let drop = -1;
    for (const i of shown) {
      const c = cols[i];
      if (c.priority === 0 || c.name === sortColumn) continue;
      if (drop < 0 || c.priority >= cols[drop].priority) drop = i;
    }
    if (drop < 0) break;
    shown.splice(shown.indexOf(drop), 1);
  }
  const spare = Math.max(0, width - total());
  const flex = shown.find((i) => cols[i].flex);
  const widths = shown.map((i) => colWidth(cols[i]) + (i === flex ? spare : 0));
  return { shown, widths };
}

function cell(text: string, width: number, col: TableColumn): string {
  const t = clip(text, width, col.flex === true);
  return col.align === "right" ? t.padStart(width) : t.padEnd(width);
}

export interface RenderedTable {
  lines: string[];
  /** First row shown (kept so the selected row stays visible while scrolling). */
  offset: number;
  /** The columns on screen, in order. */
  shown: TableColumn[];
}

/**
 * A table for a box `width` x `height` (inner size): a bold header, then the rows from
 * `offset`, moved so that the selected row is visible; `highlight` shows the selection.
 *
 * @example
 * const { lines, offset } = renderTable(out, 78, 6, { offset: 0, highlight: true });
 */
export function renderTable(out: TableOut, width: number, height: number, o: { offset: number; highlight: boolean }): RenderedTable {
  const fit = fitColumns(out.columns, width, out.sort?.column);
  const shown = fit.shown.map((i) => out.columns[i]);
  const head = shown.map((c, k) => {
    const w = fit.widths[k];
    const name = out.sort?.column === c.name ? `${c.name}${out.sort.desc ? "▼" : "▲"}` : c.name;
    return c.align === "right" ? name.padStart(w) : name.padEnd(w);
  }).join(" ");
  const body = Math.max(0, height - 1);
  if (out.rows.length === 0) return { lines: [`{bold}${escapeTags(head)}{/bold}`, escapeTags(clip(out.empty, width))], offset: 0, shown };
  const sel = out.selected ?? 0;
  let offset = Math.min(o.offset, Math.max(0, out.rows.length - body));
  if (sel < offset) offset = sel;
  if (sel >= offset + body) offset = sel - body + 1;
  const lines = [`{bold}${escapeTags(head)}{/bold}`];
  for (const [n, row] of out.rows.slice(offset, offset + body).entries()) {
    const text = escapeTags(fit.shown.map((i, k) => cell(row.cells[i] ?? "", fit.widths[k], out.columns[i])).join(" "));
    const tone = row.tone === "bad" ? "red-fg" : row.tone === "dim" ? "gray-fg" : undefined;
    const toned = tone ? `{${tone}}${text}{/${tone}}` : text;
    lines.push(o.highlight && offset + n === sel ? `{inverse}${toned}{/inverse}` : toned);
  }
  return { lines, offset, shown };
}

const BAR = 40;

/**
 * A histogram as DTrace's quantize() prints it, cut to `height` lines: when the buckets do
 * not fit, the window holding the most commands is shown.
 *
 * @example
 * renderQuantize(out, 60, 8);
 * // ["  value  ---------- Distribution ---------- count", "  1.0us |@@@@@@@@        12", ...]
 */
export function renderQuantize(out: HistogramOut, width: number, height: number): string[] {
  if (out.total === 0) return [clip(`no commands completed (${out.title})`, width)];
  const label = Math.max(5, ...out.buckets.map((b) => b.label.length));
  const countW = Math.max(5, String(Math.max(...out.buckets.map((b) => b.count))).length);
  const bar = Math.max(4, Math.min(BAR, width - label - countW - 5));
  const rows = Math.max(1, height - 1);
  const from = busiest(out.buckets, rows);
  const dist = ` Distribution `;
  const dashes = Math.max(0, bar - dist.length);
  const head = `${"value".padStart(label + 1)}  ${"-".repeat(Math.floor(dashes / 2))}${dist}${"-".repeat(Math.ceil(dashes / 2))} count`;
  const lines = out.buckets.slice(from, from + rows).map((b) => {
    const at = Math.round((b.count / out.total) * bar);
    return `${b.label.padStart(label + 1)} |${"@".repeat(at).padEnd(bar)} ${String(b.count).padStart(countW)}`;
  });
  return [head, ...lines].map((l) => clip(l, width));
}

/**
 * Where the `size` consecutive buckets holding the most commands start (0 when all fit).
 *
 * @example
 * busiest([{ label: "a", count: 1 }, { label: "b", count: 9 }, { label: "c", count: 8 }], 2); // 1
 */
export function busiest(buckets: HistogramOut["buckets"], size: number): number {
  let from = 0;
  for (let i = 0, best = -1; i + size <= buckets.length; i++) {
    const n = buckets.slice(i, i + size).reduce((a, b) => a + b.count, 0);
    if (n > best) [best, from] = [n, i];
  }
  return from;
}

const TICKS = "▁▂▃▄▅▆▇█";

/**
 * Values as a sparkline of `width` characters (the newest at the right), scaled to `max`.
 *
 * @example
 * sparkline([0, 5, 10], 3, 10); // "▁▅█"
 */
export function sparkline(values: readonly number[], width: number, max: number): string {
  const v = values.slice(Math.max(0, values.length - width));
  return v.map((x) => (max > 0 ? TICKS[Math.min(7, Math.max(0, Math.round((x / max) * 7)))] : TICKS[0])).join("").padStart(width);
}

/**
 * Series as one sparkline line each: "r/s    312 ▁▂▃▅▇ max 400", for boxes too short for a chart.
 *
 * @example
 * renderSparklines(out, 40, 4);
 */
export function renderSparklines(out: SeriesOut, width: number, height: number): string[] {
  const title = Math.max(...out.series.map((s) => s.title.length));
  const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = out.series.slice(0, Math.max(1, height)).map((s) => {
    const now = fmt(s.y.at(-1) ?? 0);
    const max = Math.max(0, ...s.y);
    const tail = ` max ${fmt(max)}`;
    const w = width - title - 1 - 7 - 1 - tail.length;
    return w < 4 ? clip(`${s.title} ${now}`, width) : `${s.title.padEnd(title)} ${now.padStart(7)} ${sparkline(s.y, w, max)}${tail}`;
  });
  return height > lines.length * 2 ? lines.flatMap((l) => [l, ""]).slice(0, -1) : lines;
}
