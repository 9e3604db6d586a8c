/**
 * `text` and `log` widgets: lines in a box, each cut to the width. A text box shows the
 * first lines that fit (a header, an explanation); a log shows the last (the newest).
 */
import blessed from "blessed";
import type { WidgetSpec } from "../layout.js";
import { clip, escapeTags } from "./render.js";
import { boxOptions, expectKind, inner, type Panel, type Place } from "./types.js";

/**
 * @example
 * const p = textPanel(screen, spec, { top: 0, left: 0, width: 80, height: 4 }, false);
 * p.setData({ kind: "text", lines: ["iscsitop ..."] });
 */
export function textPanel(screen: blessed.Widgets.Screen, spec: WidgetSpec, place: Place, tail: boolean): Panel {
  const element = blessed.box({ ...boxOptions(spec, place), parent: screen });
  const size = inner(place, spec.border);
  return {
    spec, element,
    setData(out) {
      const { lines } = expectKind(out, ["text", "lines"], spec);
      const shown = tail ? lines.slice(Math.max(0, lines.length - size.height)) : lines.slice(0, size.height);
      element.setContent(shown.map((l) => escapeTags(clip(l, size.width))).join("\n"));
    },
  };
}
