/**
 * A panel draws one widget of a layout: it owns a blessed element placed on the grid and
 * takes its sampler's output through setData(). Panels never render the screen: the
 * dashboard renders once per tick, after every panel has its data.
 */
import type { Widgets } from "blessed";
import type { WidgetSpec } from "../layout.js";
import type { SamplerOutput, TableColumn } from "../samplers/types.js";

/** Where a widget goes, in terminal cells. */
export interface Place {
  top: number;
  left: number;
  width: number;
  height: number;
}

export interface Panel {
  readonly spec: WidgetSpec;
  readonly element: Widgets.BlessedElement;
  /** Draw a sampler output (of a kind the widget type accepts). */
  setData(out: SamplerOutput): void;
  /** Tables: the columns on screen, left to right (what < and > move through). */
  visibleColumns?(): TableColumn[];
}

/**
 * Inner size of a box: the place minus its border.
 *
 * @example
 * inner({ top: 0, left: 0, width: 40, height: 10 }, true); // { width: 38, height: 8 }
 */
export function inner(p: Place, border: boolean): { width: number; height: number } {
  const b = border ? 2 : 0;
  return { width: Math.max(0, p.width - b), height: Math.max(0, p.height - b) };
}

/**
 * Options of a plain box at a place, with the widget's border and label.
 *
 * @example
 * blessed.box({ ...boxOptions(spec, place), parent: screen });
 */
export function boxOptions(spec: WidgetSpec, p: Place): Widgets.BoxOptions {
  return {
    top: p.top, left: p.left, width: p.width, height: p.height, tags: true, wrap: false,
    ...(spec.border ? { border: { type: "line" as const }, style: { border: { fg: "cyan" }, label: { fg: "white", bold: true } } } : {}),
    ...(spec.label && spec.border ? { label: ` ${spec.label} ` } : {}),
  };
}

/**
 * The kind check every panel makes: a layout was validated, so a mismatch is a bug.
 *
 * @example
 * const t = expectKind(out, ["table"], spec); // a TableOut, or a TypeError
 */
export function expectKind<K extends SamplerOutput["kind"]>(out: SamplerOutput, kinds: readonly K[], spec: WidgetSpec): Extract<SamplerOutput, { kind: K }> {
  if (!(kinds as readonly string[]).includes(out.kind)) {
    throw new TypeError(`widget '${spec.id}' (${spec.type}) got ${out.kind} from sampler '${spec.sampler}'`);
  }
  return out as Extract<SamplerOutput, { kind: K }>;
}
