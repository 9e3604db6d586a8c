import { test } from "node:test";
import assert from "node:assert/strict";
import { actionOf, helpLines, KEYS } from "../../src/tui/keys.js";
import { chooseTerminal, terminalProblem } from "../../src/tui/terminal.js";

test("actionOf(): top's keys (q, arrows and j/k, enter, esc, < > s r, /, p, d, ?) and the replay keys", () => {
  const want: Record<string, string> = {
    q: "quit", "C-c": "quit", up: "up", k: "up", down: "down", j: "down", enter: "enter", escape: "back", "<": "sort-prev", ">": "sort-next",
    s: "sort-next", r: "sort-reverse", "/": "filter", p: "pause", d: "delay", "?": "help", n: "step", ".": "step", "[": "seek-back",
    "]": "seek-forward", "+": "faster", "-": "slower", tab: "next-dashboard",
  };
  for (const [k, a] of Object.entries(want)) assert.equal(actionOf(k), a, k);
  assert.equal(actionOf(undefined, "j"), "down");
  assert.equal(actionOf("return"), undefined, "a CR comes as enter, then as return: only one acts");
  assert.equal(actionOf("x"), undefined);
});

test("KEYS: no key is bound twice; the help lists every binding", () => {
  const all = KEYS.flatMap((b) => b.keys);
  assert.equal(new Set(all).size, all.length);
  const help = helpLines(true).join("\n");
  for (const b of KEYS) assert.ok(help.includes(`${b.label}`) && help.includes(b.help), b.action);
});

test("chooseTerminal(): xterm-256color under tmux and screen (their terminfo names break blessed), TERM otherwise", () => {
  for (const t of ["screen", "screen-256color", "screen.xterm-256color", "tmux-256color", undefined]) assert.equal(chooseTerminal(t), "xterm-256color", String(t));
  assert.equal(chooseTerminal("xterm-kitty"), "xterm-kitty");
  assert.equal(chooseTerminal("linux"), "linux");
});

test("terminalProblem(): not a TTY, TERM=dumb, or too small is one line suggesting iscsistat", () => {
  const need = { name: "top", minCols: 80, minRows: 24 };
  assert.match(terminalProblem({ isTTY: false }, need)!, /^stdout is not a terminal: .*use iscsistat$/);
  assert.match(terminalProblem({ isTTY: true, columns: 100, rows: 40 }, need, "dumb")!, /TERM=dumb/);
  assert.equal(terminalProblem({ isTTY: true, columns: 79, rows: 24 }, need, "xterm")!, "the terminal is 79x24 and the 'top' dashboard needs at least 80x24: enlarge it, or for the counters as text, use iscsistat");
  assert.equal(terminalProblem({ isTTY: true, columns: 80, rows: 24 }, need, "xterm"), undefined);
});
