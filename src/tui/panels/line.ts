/**
 * `line` widgets: series over time as blessed-contrib's braille line chart when the box is
 * tall enough to read one, else as one sparkline per series (an 80x24 terminal).
 */
import blessed from "blessed";
import contrib from "blessed-contrib";
import type { WidgetSpec } from "../layout.js";
import { escapeTags, renderSparklines } from "./render.js";
import { boxOptions, expectKind, inner, type Panel, type Place } from "./types.js";

/**
 * Rows a line chart needs to show a shape (its axes take four).
 *
 * @example
 * place.height < CHART_MIN_ROWS; // true at 80x24: sparklines
 */
export const CHART_MIN_ROWS = 10;

/**
 * @example
 * linePanel(screen, spec, place).setData(SAMPLERS.iops.sample(input));
 */
export function linePanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place): Panel {
  const size = inner(place, spec.border);
  if (place.height < CHART_MIN_ROWS) return sparkPanel(screen, spec, place, size);
  const element = contrib.line({
    ...boxOptions(spec, place), tags: false, showLegend: size.width >= 40, legend: { width: 14 }, minY: 0, abbreviate: true,
    style: { line: "yellow", text: "green", baseline: "white", border: { fg: "cyan" } },
  });
  screen.append(element);
  return {
    spec, element,
    setData(out) {
      const s = expectKind(out, ["series"], spec);
      const empty = s.x.length === 0;
      element.setData(s.series.map((x) => ({
        title: x.title, x: empty ? [""] : s.x, y: empty ? [0] : x.y, style: { line: x.color },
      })));
    },
  };
}

function sparkPanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place, size: { width: number; height: number }): Panel {
  const element = blessed.box({ ...boxOptions(spec, place), parent: screen });
  return {
    spec, element,
    setData(out) {
      const s = expectKind(out, ["series"], spec);
      element.setContent(renderSparklines(s, size.width, size.height).map(escapeTags).join("\n"));
    },
  };
}
