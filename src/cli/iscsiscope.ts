#!/usr/bin/env node
/**
 * `iscsiscope COMMAND ...`: discover, inq, luns, bench, demo, daemon, login, logout, list.
 */
import "./gc.js"; // first: see gc.ts
import { BENCH, runBench } from "./cmd-bench.js";
import { DAEMON, LIST, LOGIN, LOGOUT, runDaemon, runList, runLogin, runLogout } from "./cmd-daemon.js";
import { DEMO, runDemo } from "./cmd-demo.js";
import { REPORT, runReport } from "./cmd-report.js";
import { DISCOVER, INQ, LUNS, runDiscover, runInq, runLuns } from "./cmd-query.js";
import { exitWith, pickCommand, report, runCommand, type Command } from "./main.js";

const COMMANDS: Command[] = [
  { spec: DISCOVER, run: runDiscover },
  { spec: INQ, run: runInq },
  { spec: LUNS, run: runLuns },
  { spec: BENCH, run: runBench },
  { spec: DEMO, run: runDemo },
  { spec: DAEMON, run: runDaemon },
  { spec: LOGIN, run: runLogin },
  { spec: LOGOUT, run: runLogout },
  { spec: LIST, run: runList },
  { spec: REPORT, run: runReport },
];

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    "usage: iscsiscope COMMAND [ARGS] (iscsiscope COMMAND --help for more)", "",
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary}`), "",
  ].join("\n");
}

const [word, ...rest] = process.argv.slice(2);
if (word === undefined || word === "--help" || word === "-h" || word === "help") {
  process.stdout.write(usage());
  exitWith(word === undefined ? 2 : 0);
} else {
  try {
    exitWith(await runCommand("iscsiscope", pickCommand("iscsiscope", COMMANDS, word), rest));
  } catch (e) {
    exitWith(report("iscsiscope", e));
  }
}
