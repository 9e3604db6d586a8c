/**
 * Sorting and filtering table rows, shared by every table sampler: rows carry a sort value
 * per column (a number, or text), the ViewState names the column and direction.
 */
import type { SortSpec, ViewState } from "../view.js";
import type { TableColumn, TableOut, TableRow } from "./types.js";

/** A column with how to show and how to sort a row of type R. */
export interface ColumnDef<R> extends TableColumn {
  text(r: R): string;
  /** Sort value: numbers sort numerically, strings by text. Default: the text. */
  value?(r: R): number | string;
}

/** What makes a table from rows of type R. */
export interface TableSpec<R> {
  /** The sampler name: the ViewState keeps the sort under it. */
  name: string;
  columns: Array<ColumnDef<R>>;
  /** The sort when the person chose none. */
  defaultSort: SortSpec;
  key(r: R): number;
  /** How a row is drawn: red, dimmed, or plain (undefined). */
  tone?(r: R): "bad" | "dim" | undefined;
  /** Text the filter matches against; undefined: the table is not filtered. */
  filterText?(r: R): string;
  empty: string;
}

/**
 * Sort, filter and format rows into a TableOut; `selected` is the index of the row whose key
 * is view.selected, else 0 (or undefined for no rows).
 *
 * @example
 * const out = buildTable(SESSIONS_TABLE, facts, view);
 */
export function buildTable<R>(spec: TableSpec<R>, items: readonly R[], view: ViewState): TableOut {
  const sort = validSort(spec, view.sort[spec.name]);
  const filter = view.filter.toLowerCase();
  const kept = spec.filterText && filter ? items.filter((r) => spec.filterText!(r).toLowerCase().includes(filter)) : [...items];
  const col = spec.columns.find((c) => c.name === sort.column)!;
  const value = (r: R) => (col.value ? col.value(r) : col.text(r));
  kept.sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === "number" && typeof vb === "number" ? va - vb : String(va).localeCompare(String(vb));
    return (sort.desc ? -c : c) || spec.key(a) - spec.key(b);
  });
  const rows: TableRow[] = kept.map((r) => {
    const tone = spec.tone?.(r);
    return { key: spec.key(r), cells: spec.columns.map((c) => c.text(r)), ...(tone ? { tone } : {}) };
  });
  const at = rows.findIndex((r) => r.key === view.selected);
  const empty = spec.filterText && filter && items.length > 0 ? `nothing matches '${view.filter}' (/ to change the filter)` : spec.empty;
  return {
    kind: "table", columns: spec.columns.map(({ name, align, width, priority, flex }) => ({ name, align, width, priority, flex })),
    rows, sort, selected: rows.length === 0 ? undefined : Math.max(0, at), empty,
  };
}

/** The view's sort when it names one of the spec's columns, else the default. */
function validSort<R>(spec: TableSpec<R>, s: SortSpec | undefined): SortSpec {
  return s && spec.columns.some((c) => c.name === s.column) ? s : spec.defaultSort;
}

/**
 * The sort after moving `step` columns from the current one (wrapping), among the columns on
 * screen; numbers (right-aligned columns) start biggest first, text A to Z.
 *
 * @example
 * nextSort({ column: "SID", desc: false }, columns, 1); // { column: "TARGET", desc: false }
 */
export function nextSort(cur: SortSpec | undefined, columns: readonly TableColumn[], step: number): SortSpec {
  const i = cur ? columns.findIndex((c) => c.name === cur.column) : -1;
  const n = columns.length;
  const col = columns[(((i < 0 ? 0 : i + step) % n) + n) % n];
  return { column: col.name, desc: col.align === "right" };
}
