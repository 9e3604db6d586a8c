/**
 * One panel per widget type; the layout decides which.
 */
import type blessed from "blessed";
import type { WidgetSpec } from "../layout.js";
import { barPanel } from "./bar.js";
import { linePanel } from "./line.js";
import { quantizePanel } from "./quantize.js";
import { tablePanel } from "./table.js";
import { textPanel } from "./text.js";
import type { Panel, Place } from "./types.js";

/**
 * The panel for a widget at a place on the screen.
 *
 * @example
 * const panel = createPanel(screen, layout.widgets[0], { top: 0, left: 0, width: 80, height: 4 });
 */
export function createPanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place): Panel {
  switch (spec.type) {
    case "table": return tablePanel(screen, spec, place);
    case "line": return linePanel(screen, spec, place);
    case "bar": return barPanel(screen, spec, place);
    case "quantize": return quantizePanel(screen, spec, place);
    case "log": return textPanel(screen, spec, place, true);
    case "text": return textPanel(screen, spec, place, false);
  }
}

/**
 * Where a widget goes on a screen of `cols` x `rows`: its 12x12 grid cells in whole
 * terminal cells, so neighbours share edges without gaps.
 *
 * @example
 * placeOf({ row: 2, col: 0, rowSpan: 4, colSpan: 12 }, 80, 24); // { top: 4, left: 0, width: 80, height: 8 }
 */
export function placeOf(spec: Pick<WidgetSpec, "row" | "col" | "rowSpan" | "colSpan">, cols: number, rows: number): Place {
  const y = (r: number) => Math.floor((r * rows) / 12);
  const x = (c: number) => Math.floor((c * cols) / 12);
  return { top: y(spec.row), left: x(spec.col), width: x(spec.col + spec.colSpan) - x(spec.col), height: y(spec.row + spec.rowSpan) - y(spec.row) };
}

export type { Panel, Place } from "./types.js";
