/**
 * `table` widgets: a header and rows cut to the width (least important columns dropped
 * first), scrolled so the selected row stays in view; the focused table shows the selection.
 */
import blessed from "blessed";
import type { WidgetSpec } from "../layout.js";
import type { TableColumn } from "../samplers/types.js";
import { renderTable } from "./render.js";
import { boxOptions, expectKind, inner, type Panel, type Place } from "./types.js";

/**
 * @example
 * const p = tablePanel(screen, spec, place);
 * p.setData(SAMPLERS.sessions.sample({ history, view, params: {} }));
 */
export function tablePanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place): Panel {
  const element = blessed.box({ ...boxOptions(spec, place), parent: screen });
  const size = inner(place, spec.border);
  let offset = 0;
  let shown: TableColumn[] = [];
  return {
    spec, element,
    setData(out) {
      const t = renderTable(expectKind(out, ["table"], spec), size.width, size.height, { offset, highlight: spec.focus });
      offset = t.offset;
      shown = t.shown;
      element.setContent(t.lines.join("\n"));
    },
    visibleColumns: () => shown,
  };
}
