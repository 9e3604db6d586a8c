/**
 * What the person at the keyboard chose: the dashboard on screen, the selected session, the
 * sort of each table, the filter, pause and delay, plus what the header says about the
 * source. The keys change it; samplers read it.
 */
import type { Feed } from "./feed.js";

/** How a table is sorted: a column name and the direction. */
export interface SortSpec {
  column: string;
  desc: boolean;
}

/** The source as the header shows it. */
export interface SourceInfo {
  kind: Feed["kind"];
  source: string;
  /** Replayed sources: speed and position. */
  replay?: { speed: number; paused: boolean; position: bigint; start: bigint; end: bigint };
}

export interface ViewState {
  /** Name of the layout on screen. */
  dashboard: string;
  /** The selected session (kstat instance), if any. */
  selected: number | undefined;
  /** Sort per table sampler name ("sessions", "session-luns", ...). */
  sort: Record<string, SortSpec>;
  /** Case-insensitive text a session row must contain to be shown ("" shows all). */
  filter: string;
  paused: boolean;
  /** Seconds between ticks of a live source. */
  delayS: number;
  /** A short answer to the last key (shown in the header), or undefined. */
  message: string | undefined;
  source: SourceInfo;
}

/**
 * The view when iscsitop starts.
 *
 * @example
 * const view = initialView("top", 1, { kind: "live", source: "this process" });
 */
export function initialView(dashboard: string, delayS: number, source: SourceInfo): ViewState {
  return { dashboard, selected: undefined, sort: {}, filter: "", paused: false, delayS, message: undefined, source };
}
