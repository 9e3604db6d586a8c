/**
 * `quantize` widgets: a latency distribution drawn as DTrace's quantize() prints it, rows of
 * `@` per log2 bucket; fits any width.
 */
import blessed from "blessed";
import type { WidgetSpec } from "../layout.js";
import { escapeTags, renderQuantize } from "./render.js";
import { boxOptions, expectKind, inner, type Panel, type Place } from "./types.js";

/**
 * @example
 * quantizePanel(screen, spec, place).setData(SAMPLERS["latency-histogram"].sample(input));
 */
export function quantizePanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place): Panel {
  const element = blessed.box({ ...boxOptions(spec, place), parent: screen });
  const size = inner(place, spec.border);
  return {
    spec, element,
    setData(out) {
      const h = expectKind(out, ["histogram"], spec);
      element.setContent(renderQuantize(h, size.width, size.height).map(escapeTags).join("\n"));
    },
  };
}
