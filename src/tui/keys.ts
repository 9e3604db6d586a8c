/**
 * The keys of iscsitop, as a table: what each does and its line in the `?` help. Like top:
 * q quits, arrows or j/k move, Enter drills down, Esc goes back, < > s r sort, / filters,
 * p pauses, d sets the delay; replayed sources add step, seek and speed.
 */

export type Action =
  | "quit" | "help" | "up" | "down" | "first" | "last" | "enter" | "back" | "next-dashboard"
  | "sort-next" | "sort-prev" | "sort-reverse" | "filter" | "pause" | "delay" | "redraw"
  | "step" | "seek-back" | "seek-forward" | "seek-back-long" | "seek-forward-long" | "faster" | "slower";

export interface KeyBinding {
  /** blessed key names: "q", "C-c", "up", "enter", "escape", "<", ... */
  keys: string[];
  action: Action;
  /** As shown in the help. */
  label: string;
  help: string;
  /** Only for replayed sources (--db, --pcap). */
  replay?: boolean;
}

/**
 * Every binding, in the order the help lists them.
 *
 * @example
 * KEYS.find((b) => b.action === "filter")?.keys; // ["/"]
 */
export const KEYS: readonly KeyBinding[] = [
  { keys: ["q", "C-c"], action: "quit", label: "q", help: "quit" },
  { keys: ["?", "h"], action: "help", label: "? h", help: "this help (any key closes it)" },
  { keys: ["up", "k"], action: "up", label: "up k", help: "select the previous session (on a session: show the previous one)" },
  { keys: ["down", "j"], action: "down", label: "down j", help: "select the next session" },
  { keys: ["home", "g"], action: "first", label: "home g", help: "select the first session" },
  { keys: ["end", "G", "S-g"], action: "last", label: "end G", help: "select the last session" },
  // Not "return": blessed reports a CR as "enter" and then again as "return".
  { keys: ["enter"], action: "enter", label: "enter", help: "drill down into the selected session" },
  { keys: ["escape", "backspace"], action: "back", label: "esc", help: "back to the previous dashboard (on top: clear the filter)" },
  { keys: ["tab"], action: "next-dashboard", label: "tab", help: "next dashboard (iscsitop -l lists them)" },
  { keys: [">", "s"], action: "sort-next", label: "> s", help: "sort by the next column" },
  { keys: ["<"], action: "sort-prev", label: "<", help: "sort by the previous column" },
  { keys: ["r"], action: "sort-reverse", label: "r", help: "reverse the sort" },
  { keys: ["/"], action: "filter", label: "/", help: "filter sessions by text (target, portal, state, SID); empty shows all" },
  { keys: ["p", "space"], action: "pause", label: "p space", help: "pause or resume" },
  { keys: ["d"], action: "delay", label: "d", help: "seconds between refreshes (live sources)" },
  { keys: ["C-l"], action: "redraw", label: "C-l", help: "redraw the screen" },
  { keys: ["n", "."], action: "step", label: "n .", help: "step one tick while paused", replay: true },
  { keys: ["["], action: "seek-back", label: "[", help: "seek back 10 s", replay: true },
  { keys: ["]"], action: "seek-forward", label: "]", help: "seek forward 10 s", replay: true },
  { keys: ["{"], action: "seek-back-long", label: "{", help: "seek back 1 min", replay: true },
  { keys: ["}"], action: "seek-forward-long", label: "}", help: "seek forward 1 min", replay: true },
  { keys: ["+", "="], action: "faster", label: "+", help: "replay twice as fast", replay: true },
  { keys: ["-"], action: "slower", label: "-", help: "replay half as fast", replay: true },
];

const BY_KEY = new Map(KEYS.flatMap((b) => b.keys.map((k) => [k, b.action] as const)));

/**
 * The action of a key press, from blessed's key name (`key.full`) or the character typed.
 *
 * @example
 * actionOf("j"); // "down"
 */
export function actionOf(name: string | undefined, ch?: string): Action | undefined {
  return (name !== undefined ? BY_KEY.get(name) : undefined) ?? (ch !== undefined ? BY_KEY.get(ch) : undefined);
}

/**
 * The `?` screen: every key with what it does; the replay keys say when they apply.
 *
 * @example
 * helpLines(false)[0]; // "iscsitop keys"
 */
export function helpLines(replay: boolean): string[] {
  const w = Math.max(...KEYS.map((b) => b.label.length));
  return [
    "iscsitop keys",
    "",
    ...KEYS.filter((b) => !b.replay).map((b) => `  ${b.label.padEnd(w)}  ${b.help}`),
    "",
    replay ? "Replayed source (--db, --pcap):" : "Replayed sources only (--db FILE, --pcap FILE; --speed N):",
    ...KEYS.filter((b) => b.replay).map((b) => `  ${b.label.padEnd(w)}  ${b.help}`),
    "",
    "Rates are over the last refresh interval (iostat's arithmetic on the kstats);",
    "latency p99 is the top of its log2 bucket, honest to a factor of two.",
  ];
}
