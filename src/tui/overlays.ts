/**
 * What covers the dashboard for a moment: the `?` help, a one-line prompt (filter, delay),
 * and the "terminal too small" notice. While the help is up, any key closes it; while a
 * prompt reads, blessed gives it every key.
 */
import blessed from "blessed";

/**
 * @example
 * const o = new Overlays(screen);
 * o.ask("Filter", "", (text) => console.log(text));
 */
export class Overlays {
  private help: blessed.Widgets.BoxElement | undefined;
  private prompt: blessed.Widgets.TextboxElement | undefined;
  private small: blessed.Widgets.BoxElement | undefined;

  constructor(private readonly screen: blessed.Widgets.Screen) {}

  /** True while the help or a prompt covers the dashboard. */
  busy(): boolean {
    return this.help !== undefined || this.prompt !== undefined;
  }

  /** A key while busy: the help closes (then `after`); a prompt reads keys itself. */
  key(after: () => void): void {
    if (this.help) {
      this.help.destroy();
      this.help = undefined;
      after();
    }
  }

  showHelp(lines: string[]): void {
    const width = Math.min(this.screen.cols - 2, Math.max(...lines.map((l) => l.length)) + 4);
    this.help = blessed.box({
      parent: this.screen, top: "center", left: "center", width, height: Math.min(this.screen.rows - 2, lines.length + 2),
      border: { type: "line" }, label: " Help ", tags: false, content: lines.join("\n"), style: { border: { fg: "yellow" } },
    });
  }

  /** Read one line at the bottom; `done` gets the text, or undefined when Esc cancels. */
  ask(label: string, initial: string, done: (text: string | undefined) => void): void {
    const box = blessed.textbox({
      parent: this.screen, bottom: 0, left: 0, width: "100%", height: 3, border: { type: "line" },
      label: ` ${label} (enter accepts, esc cancels) `, inputOnFocus: false, style: { border: { fg: "yellow" } },
    });
    this.prompt = box;
    box.setValue(initial);
    box.focus();
    box.readInput((_err: unknown, value?: string | null) => {
      box.destroy();
      this.prompt = undefined;
      done(value === null || value === undefined ? undefined : value);
    });
  }

  /** Show (or, with undefined, hide) the notice that the terminal is too small. */
  tooSmall(message: string | undefined): void {
    this.small?.destroy();
    this.small = message === undefined ? undefined : blessed.box({
      parent: this.screen, top: "center", left: "center", width: "90%", height: 4, border: { type: "line" }, content: message,
    });
  }
}
