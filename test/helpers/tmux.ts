/**
 * A command in a tmux pane of a given size, on a tmux server of its own (`tmux -L <name>`),
 * for tests and benches of full-screen tools: send keys, read the screen as text, wait for
 * what a person would see. Only our own server is ever killed (`kill-server` on our socket);
 * other tmux servers on the machine are left alone.
 *
 * The pane's shell runs the command with its stderr to a file and writes the exit status to
 * another, so a test can assert both after the tool quits.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { run } from "../../src/cli/peers/run.js";

export interface PaneOptions {
  cols: number;
  rows: number;
  /** argv of the command (quoted for the shell here). */
  command: string[];
  /** Environment of the command (TERM included, to override tmux's). */
  env?: Record<string, string>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * @example
 * const pane = await TmuxPane.start({ cols: 80, rows: 24, command: ["node", BIN, "--demo"] });
 * try { await pane.waitFor(/LOGGED_IN/, 10_000); await pane.keys("q"); } finally { await pane.kill(); }
 */
export class TmuxPane {
  /** The last screen read. */
  screen = "";

  private constructor(readonly socket: string, readonly dir: string) {}

  static async start(o: PaneOptions): Promise<TmuxPane> {
    const socket = `iscsiscope-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const dir = mkdtempSync(join(tmpdir(), "iscsiscope-tmux-"));
    const pane = new TmuxPane(socket, dir);
    const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${quote(v)}`).join(" ");
    const cmd = `env ${env} ${o.command.map(quote).join(" ")} 2>${quote(pane.stderrFile)}; echo $? >${quote(join(dir, "rc"))}; sleep 3600`;
    await pane.tmux("-f", "/dev/null", "new-session", "-d", "-x", `${o.cols}`, "-y", `${o.rows}`, cmd);
    return pane;
  }

  get stderrFile(): string {
    return join(this.dir, "stderr");
  }

  /** What the command wrote to stderr so far. */
  stderr(): string {
    try {
      return readFileSync(this.stderrFile, "utf8");
    } catch {
      return "";
    }
  }

  /** The command's exit status, or undefined while it runs. */
  exitCode(): number | undefined {
    try {
      return Number(readFileSync(join(this.dir, "rc"), "utf8").trim());
    } catch {
      return undefined;
    }
  }

  /** The pane as text, one line per row. */
  async capture(): Promise<string> {
    this.screen = (await this.tmux("capture-pane", "-p")).stdout;
    return this.screen;
  }

  /** Send keys as tmux names them ("q", "Enter", "Escape", "Down"); literal text with `literal`. */
  async keys(...keys: string[]): Promise<void> {
    await this.tmux("send-keys", ...keys);
  }

  async type(text: string): Promise<void> {
    await this.tmux("send-keys", "-l", text);
  }

  /** Read the screen until `want` matches it (or returns true); rejects after `timeoutMs` with the screen. */
  async waitFor(want: RegExp | ((screen: string) => boolean), timeoutMs: number, what = String(want)): Promise<string> {
    const ok = (s: string) => (want instanceof RegExp ? want.test(s) : want(s));
    const end = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.capture();
      if (ok(s)) return s;
      if (Date.now() > end) throw new Error(`waited ${timeoutMs} ms for ${what}; the screen:\n${s}\nstderr:\n${this.stderr()}`);
      await sleep(200);
    }
  }

  /** Wait until the command exits; its status. */
  async exited(timeoutMs: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const rc = this.exitCode();
      if (rc !== undefined) return rc;
      if (Date.now() > end) throw new Error(`the command did not exit within ${timeoutMs} ms; the screen:\n${await this.capture()}`);
      await sleep(100);
    }
  }

  /** The pid of the pane's shell (the command is its child). */
  async panePid(): Promise<number> {
    return Number((await this.tmux("display-message", "-p", "#{pane_pid}")).stdout.trim());
  }

  /** Kill our tmux server (and with it the pane's processes), remove the files. */
  async kill(): Promise<void> {
    await this.tmux("kill-server").catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private tmux(...args: string[]): Promise<{ stdout: string }> {
    return run("tmux", ["-L", this.socket, ...args], { timeoutMs: 10_000 });
  }
}

/**
 * Run `body` with the pane, then kill the pane; when `body` fails, the test's diagnostics get
 * the last screen and the command's stderr.
 *
 * @example
 * await showing(t, pane, async () => { await pane.waitFor(/LOGGED_IN/, 10_000); });
 */
export async function showing(t: TestContext, pane: TmuxPane, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (e) {
    t.diagnostic(`screen:\n${pane.screen}\nstderr:\n${pane.stderr()}`);
    throw e;
  } finally {
    await pane.kill();
  }
}

/**
 * The rows of a boxed table on a screen (boxes side by side included): the header line whose
 * first column is `first`, split on spaces into names (sort markers removed), and the rows
 * under it up to the box's bottom border, each split the same way. Cells must not contain
 * spaces.
 *
 * @example
 * tableRows(screen, "SID").find((r) => r.TARGET.endsWith("demo-a"))?.["r/s"];
 */
export function tableRows(screen: string, first: string): Array<Record<string, string>> {
  const lines = screen.split("\n");
  const head = new RegExp(`│\\s*${first.replace(/[/]/g, "\\/")}[▲▼]?\\s`);
  const h = lines.findIndex((l) => head.test(l));
  if (h < 0) return [];
  const at = lines[h].search(head);
  const cells = (l: string) => l.slice(at + 1).split("│")[0].trim().split(/\s+/);
  const names = cells(lines[h]).map((n) => n.replace(/[▲▼]$/, ""));
  const rows: Array<Record<string, string>> = [];
  for (const l of lines.slice(h + 1)) {
    if (l[at] !== "│" || cells(l).join("") === "") break;
    const c = cells(l);
    rows.push(Object.fromEntries(names.map((n, i) => [n, c[i] ?? ""])));
  }
  return rows;
}
