/**
 * README's main command on a terminal: `iscsiscope demo` in tmux starts its private tgtd and
 * the daemon, and shows iscsitop attached to the daemon's socket with both sessions and the
 * workload's rates; q ends it, and the report of the recording follows on the terminal.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BINS } from "../helpers/cli.js";
import { showing, tableRows, TmuxPane } from "../helpers/tmux.js";

test("iscsiscope demo on a terminal (tmux 160x45): iscsitop on the daemon, two sessions with reads and writes; q, then the report", async (t) => {
  const pane = await TmuxPane.start({ cols: 160, rows: 45, env: { TERM: "screen-256color", NCURSES_NO_UTF8_ACS: "1" }, command: [process.execPath, BINS.iscsiscope, "demo", "--time", "60"] });
  await showing(t, pane, async () => {
    const screen = await pane.waitFor((s) => {
      const rows = tableRows(s, "SID").filter((r) => /demo-[ab]$/.test(r.TARGET ?? ""));
      return rows.length === 2 && rows.every((r) => r.STATE === "LOGGED_IN" && Number(r["r/s"]) > 0 && Number(r["w/s"]) > 0);
    }, 30_000, "both demo sessions with reads and writes");
    assert.match(screen, /^iscsitop {2}live: daemon \S+control\.sock/m);
    await pane.keys("q");
    const after = await pane.waitFor(/Workload: .*demo-a: \d+ reads/, 30_000, "the report after iscsitop");
    assert.match(after, /Disconnects by reason/);
    assert.equal(await pane.exited(30_000), 0);
    assert.equal(pane.stderr(), "");
  });
});
