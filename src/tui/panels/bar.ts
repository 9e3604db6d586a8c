/**
 * `bar` widgets: a latency distribution as vertical bars (blessed-contrib's bar chart), one
 * bar per log2 bucket, as many as fit, around the busiest buckets.
 */
import type blessed from "blessed";
import contrib from "blessed-contrib";
import type { WidgetSpec } from "../layout.js";
import { busiest } from "./render.js";
import { boxOptions, expectKind, inner, type Panel, type Place } from "./types.js";

/**
 * @example
 * barPanel(screen, spec, place).setData(SAMPLERS["latency-histogram"].sample(input));
 */
export function barPanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place): Panel {
  const barWidth = 5;
  const element = contrib.bar({ ...boxOptions(spec, place), barWidth, barSpacing: barWidth + 3, xOffset: 1, maxHeight: 1 });
  screen.append(element);
  const fit = Math.max(1, Math.floor((inner(place, spec.border).width - 2) / (barWidth + 3)));
  return {
    spec, element,
    setData(out) {
      const h = expectKind(out, ["histogram"], spec);
      const from = busiest(h.buckets, fit);
      const shown = h.buckets.slice(from, from + fit);
      element.setData({ titles: shown.map((b) => b.label), data: shown.map((b) => b.count) });
    },
  };
}
