/**
 * The contract between samplers and panels. A sampler is a pure function from the
 * dashboard's History and the ViewState to one of these outputs; a panel of a matching type
 * draws it. Samplers know nothing of blessed, so they are tested without a terminal.
 */
import type { History } from "../history.js";
import type { ViewState } from "../view.js";

/** Lines of text (a header, an explanation); `{bold}` style tags are not used. */
export interface TextOut {
  kind: "text";
  lines: string[];
}

/** A log: lines oldest first; a panel shows the newest that fit. */
export interface LinesOut {
  kind: "lines";
  lines: string[];
}

export interface TableColumn {
  name: string;
  align: "left" | "right";
  /** Width of the cells (the header may be wider); the `flex` column takes what is left. */
  width: number;
  /** 0 = always shown; higher numbers are dropped first when the terminal is narrow. */
  priority: number;
  /** Takes the spare width; cut from the left ("…scope:demo") when too long. */
  flex?: boolean;
}

export interface TableRow {
  /** What selecting the row selects (a session instance). */
  key: number;
  cells: string[];
  /** Drawn red (a failed session) or dimmed (one that ended). */
  tone?: "bad" | "dim";
}

export interface TableOut {
  kind: "table";
  columns: TableColumn[];
  rows: TableRow[];
  /** The sort in force, when the rows are sorted by a column. */
  sort: { column: string; desc: boolean } | undefined;
  /** Index of the selected row, if any. */
  selected: number | undefined;
  /** What an empty table says instead ("no sessions", "no session matches 'xyz'"). */
  empty: string;
}

/** Line-chart series over time: `x` labels and one `y` per label for each series. */
export interface SeriesOut {
  kind: "series";
  /** Unit of y, for the legend ("IOPS", "MB/s", "ms"). */
  unit: string;
  x: string[];
  series: Array<{ title: string; y: number[]; color: string }>;
}

/** A latency distribution by log2 bucket, as DTrace's quantize() prints it. */
export interface HistogramOut {
  kind: "histogram";
  /** "read, last 10 s" */
  title: string;
  /** Buckets from the lowest to the highest non-empty one, empty ones between included. */
  buckets: Array<{ label: string; count: number }>;
  total: number;
}

export type SamplerOutput = TextOut | LinesOut | TableOut | SeriesOut | HistogramOut;
export type SamplerKind = SamplerOutput["kind"];

/** Extra settings a layout gives one widget's sampler, e.g. `{ "window": 300 }`. */
export type SamplerParams = Readonly<Record<string, number | string | boolean>>;

export interface SamplerInput {
  history: History;
  view: ViewState;
  params: SamplerParams;
}

/** A named sampler: what it produces, what it is for, the params it takes. */
export interface SamplerDef<O extends SamplerOutput = SamplerOutput> {
  kind: O["kind"];
  doc: string;
  /** Params the sampler reads, with their type (validated when a layout loads). */
  params?: Record<string, "number" | "string" | "boolean">;
  sample(input: SamplerInput): O;
}
