/**
 * The terminal side of iscsitop: whether it can draw at all (a TTY, big enough), which
 * terminfo entry blessed gets, the screen, and Node warnings held while the screen is up.
 *
 * blessed 0.1.81 fails on the terminfo entries tmux and GNU screen set (screen-256color,
 * screen.xterm-256color and tmux-256color print a terminfo compile error to stderr, or fall
 * back to a 16-color xterm). Both multiplexers speak xterm's sequences for everything blessed
 * uses, so under them we hand blessed "xterm-256color". blessed cannot read Debian's ncurses 6
 * xterm-256color file either (extended number format); it then uses the copy it ships, silently.
 */
import { createRequire } from "node:module";
import type { Readable, Writable } from "node:stream";
import type blessed from "blessed";

/**
 * blessed, loaded when a screen is made: the commands that only ask terminalProblem (every
 * iscsiscope command, through the demo) must not pay for it: ~0.1 s of start, and a heap big
 * enough on its own to set off the collector trouble that ../cli/gc.ts describes.
 */
const load = createRequire(import.meta.url);

/**
 * One line saying why iscsitop cannot draw here, or undefined when it can.
 *
 * @example
 * terminalProblem(process.stdout, layout); // undefined, or "stdout is not a terminal: ..."
 */
export function terminalProblem(out: { isTTY?: boolean; columns?: number; rows?: number }, need: { name: string; minCols: number; minRows: number }, term = process.env.TERM): string | undefined {
  const alt = "for the counters as text, use iscsistat";
  if (!out.isTTY) return `stdout is not a terminal: iscsitop draws a full-screen dashboard; ${alt}`;
  if (term === "dumb") return `TERM=dumb cannot draw a dashboard; ${alt}`;
  const cols = out.columns ?? 0;
  const rows = out.rows ?? 0;
  if (cols < need.minCols || rows < need.minRows) {
    return `the terminal is ${cols}x${rows} and the '${need.name}' dashboard needs at least ${need.minCols}x${need.minRows}: enlarge it, or ${alt}`;
  }
  return undefined;
}

/**
 * The terminfo name blessed gets: xterm-256color under tmux and screen (and when TERM is
 * unset), else TERM itself.
 *
 * @example
 * chooseTerminal("screen-256color"); // "xterm-256color"
 * chooseTerminal("xterm-kitty");     // "xterm-kitty"
 */
export function chooseTerminal(term: string | undefined): string {
  if (!term || /^(screen|tmux)/.test(term)) return "xterm-256color";
  return term;
}

/**
 * A blessed screen on the process's terminal (or the given streams).
 *
 * @example
 * const screen = createScreen();
 * screen.destroy();
 */
export function createScreen(io: { input?: Readable; output?: Writable; term?: string } = {}): blessed.Widgets.Screen {
  return (load("blessed") as typeof blessed).screen({
    // @types/blessed 0.1.27 declares input as Writable and output as Readable: swapped.
    input: io.input as unknown as Writable, output: io.output as unknown as Readable,
    terminal: chooseTerminal(io.term ?? process.env.TERM),
    smartCSR: true, fullUnicode: false, warnings: false, autoPadding: true, title: "iscsitop",
  });
}

/**
 * Hold Node's process warnings while the screen is up (printed they would scribble over
 * it); the returned function lets them through again and prints those held, in order, the
 * way Node would have.
 *
 * @example
 * const release = holdWarnings();
 * try { await dashboard.run(); } finally { screen.destroy(); release(); }
 */
export function holdWarnings(): () => void {
  const printers = process.listeners("warning");
  const held: Error[] = [];
  const hold = (w: Error) => held.push(w);
  process.removeAllListeners("warning");
  process.on("warning", hold);
  return () => {
    process.off("warning", hold);
    for (const p of printers) process.on("warning", p);
    for (const w of held) for (const p of printers) p(w);
  };
}
